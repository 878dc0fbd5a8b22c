//! The README's metric table is the library's: the same rows in the same
//! order, each with the unit, direction, site kinds and meaning of
//! `cutover::metrics::METRICS`. After a change to that table,
//!
//!     CUTOVER_BLESS=1 cargo test --test it docs
//!
//! rewrites the README's table from it.

use std::path::PathBuf;

use cutover::metrics::METRICS;

/// The README's metric table as the library describes it; key metrics in bold.
fn metric_table() -> String {
    let mut t = String::from("| column | unit | better | sites | meaning |\n|---|---|---|---|---|\n");
    for m in METRICS {
        let name = if m.key.is_some() {
            format!("**`{}`**", m.name)
        } else {
            format!("`{}`", m.name)
        };
        t.push_str(&format!(
            "| {name} | {} | {} | {} | {} |\n",
            m.unit.name(),
            m.better.name(),
            m.sites.name(),
            m.meaning
        ));
    }
    t
}

/// Checks that the first table under `section` of the README, the one
/// whose header starts with `header`, reads `want`; `CUTOVER_BLESS=1`
/// rewrites it instead. `what` names the library table in the message.
fn readme_table_is(section: &str, header: &str, want: &str, what: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let at = readme
        .find(&format!("\n{section}"))
        .unwrap_or_else(|| panic!("README has a section {section:?}"));
    let start = at
        + readme[at..]
            .find(&format!("\n{header}"))
            .unwrap_or_else(|| panic!("a table under {section:?}"))
        + 1;
    let len = readme[start..]
        .split_inclusive('\n')
        .take_while(|l| l.starts_with('|'))
        .map(str::len)
        .sum::<usize>();
    if readme[start..start + len] == *want {
        return;
    }
    // Each test rewrites only its own table, reading the file it writes.
    if std::env::var_os("CUTOVER_BLESS").is_some() {
        let mut new = readme.clone();
        new.replace_range(start..start + len, want);
        std::fs::write(&path, new).unwrap();
        return;
    }
    panic!("README.md's table under {section:?} is not {what} (CUTOVER_BLESS=1 rewrites it); it should read:\n{want}");
}

#[test]
fn the_readme_metric_table_is_the_library_table() {
    readme_table_is(
        "## Metrics\n",
        "| column |",
        &metric_table(),
        "cutover::metrics::METRICS",
    );
}

/// The README's campaign metric table (under "## Fleets") is the library's
/// `cutover::fleet::table::CAMPAIGN_METRICS`.
#[test]
fn the_readme_campaign_table_is_the_library_table() {
    let mut want = String::from("| column | unit | better | meaning |\n|---|---|---|---|\n");
    for (name, meaning) in cutover::fleet::table::WORD_COLUMNS {
        want.push_str(&format!("| `{name}` | word | – | {meaning} |\n"));
    }
    for m in cutover::fleet::table::CAMPAIGN_METRICS {
        want.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            m.name,
            m.unit.name(),
            m.better.name(),
            m.meaning
        ));
    }
    readme_table_is(
        "## Fleets",
        "| column | unit | better | meaning |",
        &want,
        "cutover::fleet::table::CAMPAIGN_METRICS",
    );
}

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

#[test]
fn the_readme_metric_table_is_the_library_table() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let section = readme.find("\n## Metrics\n").expect("README has a Metrics section");
    let start = section
        + readme[section..]
            .find("\n| column |")
            .expect("a table under ## Metrics")
        + 1;
    let len = readme[start..]
        .split_inclusive('\n')
        .take_while(|l| l.starts_with('|'))
        .map(str::len)
        .sum::<usize>();
    let want = metric_table();
    if readme[start..start + len] == want {
        return;
    }
    if std::env::var_os("CUTOVER_BLESS").is_some() {
        let mut new = readme.clone();
        new.replace_range(start..start + len, &want);
        std::fs::write(&path, new).unwrap();
        return;
    }
    panic!(
        "README.md's metric table is not cutover::metrics::METRICS (CUTOVER_BLESS=1 rewrites it); it should read:\n{want}"
    );
}

/// The README's campaign metric table (under "## Fleets") is the library's
/// `cutover::fleet::table::CAMPAIGN_METRICS`; `CUTOVER_BLESS=1` rewrites it.
#[test]
fn the_readme_campaign_table_is_the_library_table() {
    let mut want = String::from("| column | unit | better | meaning |\n|---|---|---|---|\n");
    for m in cutover::fleet::table::CAMPAIGN_METRICS {
        want.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            m.name,
            m.unit.name(),
            m.better.name(),
            m.meaning
        ));
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let section = readme.find("\n## Fleets").expect("README has a Fleets section");
    let start = section
        + readme[section..]
            .find("\n| column | unit | better | meaning |")
            .expect("a campaign table under ## Fleets")
        + 1;
    let len = readme[start..]
        .split_inclusive('\n')
        .take_while(|l| l.starts_with('|'))
        .map(str::len)
        .sum::<usize>();
    if readme[start..start + len] == want {
        return;
    }
    if std::env::var_os("CUTOVER_BLESS").is_some() {
        let mut new = readme.clone();
        new.replace_range(start..start + len, &want);
        std::fs::write(&path, new).unwrap();
        return;
    }
    panic!("README.md's campaign table is not CAMPAIGN_METRICS (CUTOVER_BLESS=1 rewrites it); it should read:\n{want}");
}

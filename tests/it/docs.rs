//! The book under `docs/` against the code: its metric, campaign and field
//! tables are the library's (the same rows in the same order), every key
//! the scenario parser accepts has its row and every row names a key the
//! parser accepts, every internal link of the book and the README leads to
//! a file and a heading that exist, and the README stays a storefront
//! (at most 300 lines, the two commands first). After a change to one of
//! the tables,
//!
//!     CUTOVER_BLESS=1 cargo test --test it docs
//!
//! rewrites the book's tables from the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cutover::metrics::METRICS;

/// The metric table as the library describes it; key metrics in bold.
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

/// Checks that the first table under `section` of the book's `chapter`
/// (a file of `docs/src/`), the one whose header starts with `header`,
/// reads `want`; `CUTOVER_BLESS=1` rewrites it instead. `what` names the
/// library table in the message.
fn book_table_is(chapter: &str, section: &str, header: &str, want: &str, what: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/src").join(chapter);
    let readme = format!("\n{}", std::fs::read_to_string(&path).unwrap());
    let at = readme
        .find(&format!("\n{section}"))
        .unwrap_or_else(|| panic!("{chapter} has a section {section:?}"));
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
        std::fs::write(&path, &new[1..]).unwrap();
        return;
    }
    panic!(
        "docs/src/{chapter}'s table under {section:?} is not {what} (CUTOVER_BLESS=1 rewrites it); it should read:\n{want}"
    );
}

#[test]
fn the_book_metric_table_is_the_library_table() {
    book_table_is(
        "metrics.md",
        "# Metrics\n",
        "| column |",
        &metric_table(),
        "cutover::metrics::METRICS",
    );
}

/// The book's campaign metric table (in the fleets chapter) is the
/// library's `cutover::fleet::table::CAMPAIGN_METRICS`.
#[test]
fn the_book_campaign_table_is_the_library_table() {
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
    book_table_is(
        "fleets.md",
        "# Fleets",
        "| column | unit | better | meaning |",
        &want,
        "cutover::fleet::table::CAMPAIGN_METRICS",
    );
}

/// The book's scenario field table is `cutover::scenario::fields::TABLES`.
#[test]
fn the_book_field_table_is_the_library_table() {
    book_table_is(
        "scenarios.md",
        "# Scenario files",
        "| field | default | meaning |",
        &cutover::scenario::fields::markdown_table(),
        "cutover::scenario::fields::TABLES",
    );
}

/// The keys the parser names when it refuses an unknown one in `table`
/// (a dotted path; empty for the top level).
fn keys_the_parser_accepts(table: &str) -> BTreeSet<String> {
    let text = if table.is_empty() {
        "zzz_not_a_field = 1\n".to_string()
    } else {
        format!("[{table}]\nzzz_not_a_field = 1\n")
    };
    let err = match cutover::scenario::Scenario::parse(&text, "fields.toml", "fields") {
        Ok(_) => panic!("[{table}] took an unknown key"),
        Err(e) => e.to_string(),
    };
    let expected = err
        .split("expected ")
        .nth(1)
        .unwrap_or_else(|| panic!("[{table}]: the parser's message names no keys: {err}"));
    expected.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

/// Every key the parser accepts has its row in the field table (or is
/// listed as one it reads only to refuse), and every row names keys the
/// parser accepts: table by table, nested tables (`workload.support`)
/// included.
#[test]
fn the_field_table_lists_exactly_the_keys_the_parser_accepts() {
    let mut documented: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for table in cutover::scenario::fields::TABLES {
        if !table.name.is_empty() {
            let top = table.name.split('.').next().unwrap().to_string();
            documented.entry(String::new()).or_default().insert(top);
        }
        if !table.keys_are_fields() {
            continue;
        }
        documented.entry(table.name.to_string()).or_default();
        let refused = table.refused.iter();
        for name in table.fields.iter().flat_map(|f| f.names.iter()).chain(refused) {
            {
                let parts: Vec<&str> = name.split('.').collect();
                for depth in 0..parts.len() {
                    let mut path: Vec<&str> = table.name.split('.').filter(|p| !p.is_empty()).collect();
                    path.extend(&parts[..depth]);
                    documented
                        .entry(path.join("."))
                        .or_default()
                        .insert(parts[depth].to_string());
                }
            }
        }
    }
    assert!(documented.len() > 10, "{documented:?}");
    for (table, keys) in &documented {
        let accepted = keys_the_parser_accepts(table);
        let missing: Vec<_> = accepted.difference(keys).collect();
        let gone: Vec<_> = keys.difference(&accepted).collect();
        assert!(
            missing.is_empty() && gone.is_empty(),
            "[{table}]: the parser accepts {missing:?} that the field table (src/scenario/fields.rs) does not list, and the table lists {gone:?} that the parser refuses"
        );
    }
}

/// The id mdBook (and GitHub) give a heading: lower case, spaces to `-`,
/// other punctuation dropped.
fn heading_id(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// The ids of a Markdown file's headings (outside code blocks), following
/// an mdBook `{{#include …}}` of a whole file.
fn heading_ids(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if let Some(inc) = text
        .trim()
        .strip_prefix("{{#include ")
        .and_then(|r| r.strip_suffix("}}"))
    {
        return heading_ids(&path.parent().unwrap().join(inc));
    }
    let mut ids = BTreeSet::new();
    let mut code = false;
    for line in text.lines() {
        if line.starts_with("```") {
            code = !code;
        } else if !code && line.starts_with('#') {
            ids.insert(heading_id(line.trim_start_matches('#')));
        }
    }
    ids
}

/// The relative link targets of a Markdown file, outside code blocks and
/// code spans: `[text](target)`.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut code = false;
    for line in text.lines() {
        if line.starts_with("```") {
            code = !code;
            continue;
        }
        if code {
            continue;
        }
        // Drop code spans, whose brackets are not links.
        let plain: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = plain.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            let target = &rest[..end];
            if !target.contains("://") && !target.starts_with("mailto:") && !target.contains(' ') {
                out.push(target.to_string());
            }
            rest = &rest[end..];
        }
    }
    out
}

/// Every relative link of the README and of the book leads to a file that
/// exists, and its `#anchor`, if any, to a heading of that file.
#[test]
fn every_internal_link_of_the_readme_and_the_book_resolves() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md"), root.join("docs/model.md")];
    let mut chapters: Vec<PathBuf> = std::fs::read_dir(root.join("docs/src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    chapters.sort();
    assert!(chapters.len() >= 10, "the book has its chapters");
    files.extend(chapters);
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for target in links(&text) {
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let dest = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            checked += 1;
            if !dest.exists() {
                broken.push(format!("{}: {target} (no such file)", file.display()));
            } else if let Some(a) = anchor
                && dest.extension().is_some_and(|x| x == "md")
                && !heading_ids(&dest).contains(a)
            {
                broken.push(format!("{}: {target} (no such heading)", file.display()));
            }
        }
    }
    assert!(checked > 50, "only {checked} links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Every chapter of `docs/src/` is in the book's table of contents, and
/// every entry of the table of contents is a chapter.
#[test]
fn the_book_summary_lists_every_chapter() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/src");
    let summary = std::fs::read_to_string(src.join("SUMMARY.md")).unwrap();
    let listed: BTreeSet<String> = links(&summary).into_iter().collect();
    let present: BTreeSet<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n != "SUMMARY.md")
        .collect();
    assert_eq!(listed, present, "docs/src/SUMMARY.md against the chapters of docs/src/");
}

/// The README is a storefront: at most 300 lines, and its first commands
/// are the two that set everything up, the second exactly the test
/// command that `.ci/run` calls.
#[test]
fn the_readme_is_short_and_opens_with_the_two_commands() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= 300,
        "README.md has {lines} lines; the reference belongs in the book"
    );
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the README's first shell block");
    let commands: Vec<&str> = block
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(commands.len(), 2, "{block}");
    assert!(commands[0].starts_with("cargo run --release"), "{block}");
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == commands[1]),
        ".ci/run does not call the README's test command {:?}",
        commands[1]
    );
}

//! Messages that help: "did you mean …?" for a misspelled key, strategy or
//! word, and every mistake of a file in one run.
//!
//! The parser (serde through `toml`) stops at the first unknown key or
//! wrong type. [`parse_all`] goes on: it blanks the entry at fault (the
//! bytes of its line turned into spaces, so that every later offset and
//! line number stays the same), parses again, and collects each refusal,
//! up to [`MAX_PARSE_PROBLEMS`]. It stops early rather than report an
//! error that its own blanking caused: at a table header, or when the
//! blanked text no longer parses as TOML.

use serde::de::DeserializeOwned;

/// At most this many parse errors are collected from one file.
pub const MAX_PARSE_PROBLEMS: usize = 50;

/// The edit distance between `a` and `b` (optimal string alignment:
/// insertions, deletions, substitutions and swaps of neighbours), on
/// characters.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[n][m]
}

/// A word folded for comparison: lower case, `-` and spaces read as `_`.
fn folded(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The candidate closest to `word`, when it is close enough to be the
/// word meant: the same once case and `-`/`_` are ignored, or within an
/// edit distance of a third of the word's length (at least 1, at most 3),
/// or a candidate that the word starts or ends with (a word typed too
/// long or too short by a part, as `max_sites` for
/// `max_sites_per_window`). Ties go to the first candidate.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let w = folded(word);
    if w.is_empty() || w.chars().count() > 200 {
        return None;
    }
    let limit = (w.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let f = folded(c);
        let d = if f == w {
            0
        } else {
            let d = distance(&w, &f);
            let part = w.len() >= 4 && f.len() >= 4 && (f.starts_with(&w) || w.starts_with(&f));
            if d <= limit {
                d
            } else if part {
                limit
            } else {
                continue;
            }
        };
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The words of a serde message's "expected one of `a`, `b`" (or
/// "expected `a` or `b`") part.
fn expected_words(message: &str) -> Vec<&str> {
    match message.split_once("expected ") {
        Some((_, rest)) => rest.split('`').skip(1).step_by(2).collect(),
        None => Vec::new(),
    }
}

/// A serde message about an unknown field or variant with a "did you
/// mean" added when one of the expected words is close to the one given:
/// "unknown field `data_gbb` (did you mean `data_gb`?), expected one of …".
pub fn with_suggestion(message: &str) -> String {
    for kind in ["unknown field `", "unknown variant `"] {
        let Some(at) = message.find(kind) else {
            continue;
        };
        let start = at + kind.len();
        let Some(len) = message[start..].find('`') else {
            continue;
        };
        let word = &message[start..start + len];
        if let Some(c) = closest(word, expected_words(message)) {
            let end = start + len + 1;
            return format!("{} (did you mean `{c}`?){}", &message[..end], &message[end..]);
        }
    }
    message.to_string()
}

/// ", did you mean "x"?" when one of `known` is close to `word`, else
/// nothing: for messages that list names of their own (strategies).
pub fn did_you_mean<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    match closest(word, known) {
        Some(c) => format!("; did you mean {c:?}?"),
        None => String::new(),
    }
}

/// One refusal of the parser: its byte offset in the text, when known,
/// and its message (with a suggestion when one helps).
#[derive(Debug, Clone, PartialEq)]
pub struct ParseProblem {
    /// Byte offset of the fault in the original text.
    pub offset: Option<usize>,
    /// What is wrong, in words.
    pub message: String,
}

/// Parses `text` as `T`, collecting every refusal the parser makes (see
/// the module's documentation): the value when there was none, else the
/// problems, in the order found.
pub fn parse_all<T: DeserializeOwned>(text: &str) -> Result<T, Vec<ParseProblem>> {
    let mut work = text.to_string();
    let mut problems: Vec<ParseProblem> = Vec::new();
    loop {
        match toml::from_str::<T>(&work) {
            Ok(v) if problems.is_empty() => return Ok(v),
            Ok(_) => return Err(problems),
            Err(e) => {
                let offset = e.span().map(|s| s.start);
                let problem = ParseProblem {
                    offset,
                    message: with_suggestion(e.message().trim()),
                };
                if problems.contains(&problem) {
                    return Err(problems);
                }
                problems.push(problem);
                if problems.len() >= MAX_PARSE_PROBLEMS {
                    return Err(problems);
                }
                let Some(at) = offset else {
                    return Err(problems);
                };
                if !blank_entry(&mut work, at) || toml::from_str::<toml::Table>(&work).is_err() {
                    return Err(problems);
                }
            }
        }
    }
}

/// Turns the line holding byte `at` into spaces, unless it is a table
/// header (its keys would move to the table before it) or blank already;
/// true when it did.
fn blank_entry(work: &mut String, at: usize) -> bool {
    let at = at.min(work.len());
    let start = work[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = work[start..].find('\n').map_or(work.len(), |i| start + i);
    let line = work[start..end].trim();
    if line.is_empty() || line.starts_with('[') && !line.contains('=') {
        return false;
    }
    // Characters become as many spaces as they had bytes: offsets stay.
    let spaces = " ".repeat(end - start);
    work.replace_range(start..end, &spaces);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_words_are_suggested_and_far_ones_not() {
        let keys = ["kind", "data_gb", "keys_match", "max_sites_per_window"];
        assert_eq!(closest("data_gbb", keys), Some("data_gb"));
        assert_eq!(closest("dtaa_gb", keys), Some("data_gb"));
        assert_eq!(closest("max-sites-per-window", keys), Some("max_sites_per_window"));
        assert_eq!(closest("max_sites", keys), Some("max_sites_per_window"));
        assert_eq!(closest("max_site_per_windows", keys), Some("max_sites_per_window"));
        assert_eq!(closest("colour", keys), None);
        assert_eq!(closest("", keys), None);
        let strategies = ["failover-sync", "failover-async-dns", "failover-async-nat"];
        assert_eq!(closest("failover-asyn-dns", strategies), Some("failover-async-dns"));
        assert_eq!(closest("failover_async_nat", strategies), Some("failover-async-nat"));
    }

    #[test]
    fn serde_messages_gain_a_suggestion() {
        let m = "unknown field `data_gbb`, expected one of `kind`, `data_gb`, `keys_match`";
        assert_eq!(
            with_suggestion(m),
            "unknown field `data_gbb` (did you mean `data_gb`?), expected one of `kind`, `data_gb`, `keys_match`"
        );
        let m = "unknown variant `fridy`, expected one of `monday`, `friday`";
        assert!(with_suggestion(m).contains("did you mean `friday`?"));
        let m = "unknown field `zzz`, expected `count` or `shifts`";
        assert_eq!(with_suggestion(m), m);
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        a: Option<u32>,
        b: Option<String>,
        t: Option<Inner>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        x: Option<u32>,
    }

    #[test]
    fn every_mistake_is_found_in_one_parse_with_its_offset() {
        let text = "a = \"one\"\nbb = 2\n[t]\nx = 1\ny = 2\n";
        let problems = parse_all::<Doc>(text).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        let lines: Vec<usize> = problems
            .iter()
            .map(|p| text[..p.offset.unwrap()].matches('\n').count() + 1)
            .collect();
        assert_eq!(lines, [1, 2, 5]);
        assert!(problems[1].message.contains("did you mean `b`?"), "{problems:?}");
        assert!(parse_all::<Doc>("a = 1\n[t]\nx = 2\n").is_ok());
    }

    #[test]
    fn an_unknown_table_stops_the_search_rather_than_mislead() {
        // Blanking `[tt]` would move `x` to the top level: one problem only.
        let problems = parse_all::<Doc>("[tt]\nx = 1\n").unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
    }
}

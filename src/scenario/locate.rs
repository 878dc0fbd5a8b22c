//! Finds where a field path stands in the TOML text, for error messages.
//!
//! Validation works on the serde mirror, which has no positions; this module
//! re-reads the text with the span-keeping parser of the `toml` crate and maps
//! a path such as `calendar.windows[1].hour` to a line, or an offset (from a
//! serde error) back to a path.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// 1-based line of byte offset `offset`.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Seg::Key(key));
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(Seg::Index(i));
            }
        }
    }
    out
}

/// The line of the deepest part of `path` present in the text.
pub fn line_of_path(text: &str, path: &str) -> Option<usize> {
    lines_of_paths(text, &[path]).pop().flatten()
}

/// The lines of many paths: the text is parsed and its lines indexed once,
/// so that locating every problem of a long report stays linear.
pub fn lines_of_paths(text: &str, paths: &[&str]) -> Vec<Option<usize>> {
    let Ok(root) = DeTable::parse(text) else {
        return vec![None; paths.len()];
    };
    // Byte offsets of the line starts after the first.
    let breaks: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
    let line = |offset: usize| breaks.partition_point(|b| *b < offset.min(text.len())) + 1;
    paths
        .iter()
        .map(|path| span_of(root.get_ref(), path).map(|s| line(s.start)))
        .collect()
}

/// The span of the deepest part of `path` present under `root`.
fn span_of(root: &DeTable<'_>, path: &str) -> Option<std::ops::Range<usize>> {
    let mut span: Option<std::ops::Range<usize>> = None;
    let mut table: Option<&DeTable<'_>> = Some(root);
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    for seg in segments(path) {
        let next = match (seg, table, value) {
            (Seg::Key(k), Some(t), _) => t.get(k),
            (Seg::Index(i), _, Some(v)) => match v.get_ref() {
                DeValue::Array(a) => a.get(i),
                _ => None,
            },
            _ => None,
        };
        let Some(v) = next else { break };
        span = Some(v.span());
        value = Some(v);
        table = match v.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    span
}

/// The dotted path of the innermost key or value whose span holds `offset`.
pub fn path_at(text: &str, offset: usize) -> String {
    let Ok(root) = DeTable::parse(text) else {
        return String::new();
    };
    let mut path = String::new();
    walk_table(root.get_ref(), offset, &mut path);
    path
}

fn walk_table(t: &DeTable<'_>, offset: usize, path: &mut String) -> bool {
    for (k, v) in t.iter() {
        let key_hit = k.span().contains(&offset);
        let val_hit = v.span().contains(&offset) || matches!(v.get_ref(), DeValue::Table(_) | DeValue::Array(_));
        if !(key_hit || val_hit) {
            continue;
        }
        let before = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(k.get_ref());
        if key_hit || walk_value(v, offset, path) {
            return true;
        }
        path.truncate(before);
    }
    false
}

fn walk_value(v: &Spanned<DeValue<'_>>, offset: usize, path: &mut String) -> bool {
    match v.get_ref() {
        DeValue::Table(t) => walk_table(t, offset, path) || v.span().contains(&offset),
        DeValue::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                let before = path.len();
                path.push_str(&format!("[{i}]"));
                if walk_value(item, offset, path) {
                    return true;
                }
                path.truncate(before);
            }
            v.span().contains(&offset)
        }
        _ => v.span().contains(&offset),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\n\n[calendar]\ninterim = \"1d\"\nwindows = [\n  { weekday = \"tue\", hour = 22 },\n  { weekday = \"thu\", hour = 25 },\n]\n";

    #[test]
    fn finds_lines_of_paths() {
        assert_eq!(line_of_path(TEXT, "name"), Some(1));
        assert_eq!(line_of_path(TEXT, "calendar.interim"), Some(4));
        assert_eq!(line_of_path(TEXT, "calendar.windows[1].hour"), Some(7));
        assert_eq!(
            line_of_path(TEXT, "calendar.missing"),
            Some(3).filter(|_| false).or(line_of_path(TEXT, "calendar"))
        );
    }

    #[test]
    fn locates_many_paths_at_once_as_one_by_one() {
        let paths = [
            "name",
            "calendar.interim",
            "calendar.windows[1].hour",
            "calendar.windows[0]",
            "nowhere",
            "",
        ];
        let one: Vec<Option<usize>> = paths.iter().map(|p| line_of_path(TEXT, p)).collect();
        assert_eq!(lines_of_paths(TEXT, &paths), one);
        assert_eq!(one, [Some(1), Some(4), Some(7), Some(6), None, None]);
        let offsets = [0, 10, 11, 12, TEXT.len(), TEXT.len() + 5];
        for o in offsets {
            let by_count = TEXT.as_bytes()[..o.min(TEXT.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            assert_eq!(line_of_offset(TEXT, o), by_count);
        }
    }

    #[test]
    fn finds_paths_of_offsets() {
        let off = TEXT.find("25").unwrap();
        assert_eq!(path_at(TEXT, off), "calendar.windows[1].hour");
        let off = TEXT.find("interim").unwrap();
        assert_eq!(path_at(TEXT, off), "calendar.interim");
    }
}

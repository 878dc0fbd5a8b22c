//! `summary.pdf`, the report's one-page summary: one A4 page whose text
//! (read back through the font's map to Unicode, as a PDF reader does)
//! holds the recommended strategy, for every shipped site scenario; the
//! same bytes for the same results and `SOURCE_DATE_EPOCH`; written by
//! `report` beside `report.html`, listed in the manifest, and dated as
//! `report.html` is.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use cutover::montecarlo::{Aggregator, run_range};
use cutover::report::page::{self, ReportInput};
use cutover::report::pdf;
use cutover::runbook::Runbook;
use cutover::scenario::Scenario;

use crate::scenario_file;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The streams of a PDF, inflated when compressed: (dictionary, data).
fn streams(pdf: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = find(&pdf[at..], b"stream\n") {
        let start = at + i + b"stream\n".len();
        // The dictionary before it: from the last `obj`.
        let head = &pdf[..at + i];
        let dict_from = rfind(head, b" obj").unwrap_or(0);
        let dict = String::from_utf8_lossy(&head[dict_from..]).to_string();
        // Its length, as its dictionary says (compressed data may end in a
        // line feed of its own).
        let len: usize = dict
            .split("/Length ")
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .expect("a stream has its /Length");
        let mut data = pdf[start..start + len].to_vec();
        if dict.contains("/FlateDecode") {
            let mut inflated = Vec::new();
            flate2::read::ZlibDecoder::new(&data[..])
                .read_to_end(&mut inflated)
                .expect("a stream inflates");
            data = inflated;
        }
        out.push((dict, data));
        at = start + len;
        at += find(&pdf[at..], b"endstream").expect("a stream ends") + b"endstream".len();
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// The strings shown by `Tj` in a content stream: literal `(…)` with
/// their escapes, or hexadecimal `<…>`.
fn shown_strings(content: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < content.len() {
        match content[i] {
            b'(' => {
                let mut s = Vec::new();
                let mut depth = 0;
                i += 1;
                while i < content.len() {
                    let c = content[i];
                    match c {
                        b'\\' => {
                            i += 1;
                            match content.get(i) {
                                Some(b'n') => s.push(b'\n'),
                                Some(b'r') => s.push(b'\r'),
                                Some(b't') => s.push(b'\t'),
                                Some(b'b') => s.push(8),
                                Some(b'f') => s.push(12),
                                Some(d) if d.is_ascii_digit() => {
                                    let mut v = 0u32;
                                    let mut k = 0;
                                    while k < 3 && content.get(i).is_some_and(|d| (b'0'..=b'7').contains(d)) {
                                        v = v * 8 + u32::from(content[i] - b'0');
                                        i += 1;
                                        k += 1;
                                    }
                                    i -= 1;
                                    s.push(v as u8);
                                }
                                Some(other) => s.push(*other),
                                None => {}
                            }
                        }
                        b'(' => {
                            depth += 1;
                            s.push(c);
                        }
                        b')' if depth == 0 => break,
                        b')' => {
                            depth -= 1;
                            s.push(c);
                        }
                        _ => s.push(c),
                    }
                    i += 1;
                }
                out.push(s);
            }
            b'<' if content.get(i + 1) != Some(&b'<') => {
                let end = i + find(&content[i..], b">").expect("a hex string ends");
                let hex: Vec<u8> = content[i + 1..end]
                    .iter()
                    .copied()
                    .filter(|c| c.is_ascii_hexdigit())
                    .collect();
                out.push(
                    hex.chunks(2)
                        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
                        .collect(),
                );
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// What a PDF reader extracts: the number of pages, and the text of each
/// `Tj` mapped through the ToUnicode map (two-byte codes), a line each.
pub fn read_pdf(pdf: &[u8]) -> (usize, String) {
    assert!(pdf.starts_with(b"%PDF-1."), "not a PDF");
    assert!(pdf.ends_with(b"%%EOF") || pdf.ends_with(b"%%EOF\n"), "no end of file");
    let text = String::from_utf8_lossy(pdf);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    let streams = streams(pdf);
    let mut map: BTreeMap<u16, String> = BTreeMap::new();
    for (_, data) in &streams {
        let s = String::from_utf8_lossy(data);
        if !s.contains("beginbfchar") {
            continue;
        }
        for line in s.lines().filter(|l| l.starts_with('<')) {
            let parts: Vec<&str> = line.split(['<', '>', ' ']).filter(|p| !p.is_empty()).collect();
            let code = u16::from_str_radix(parts[0], 16).unwrap();
            let units: Vec<u16> = parts[1]
                .as_bytes()
                .chunks(4)
                .map(|c| u16::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
                .collect();
            map.insert(code, String::from_utf16(&units).unwrap());
        }
    }
    assert!(!map.is_empty(), "no ToUnicode map");
    let mut out = String::new();
    for (_, data) in &streams {
        if find(data, b" Tj").is_none() {
            continue;
        }
        for s in shown_strings(data) {
            for pair in s.chunks(2) {
                let code = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
                out.push_str(map.get(&code).map_or("\u{FFFD}", |s| s.as_str()));
            }
            out.push('\n');
        }
    }
    (pages, out)
}

/// `runs` replications of every strategy of `sc`.
fn study(sc: &Scenario, runs: u64) -> Aggregator {
    let rbs: Vec<&Runbook> = sc.strategies.iter().map(|s| sc.runbook(s).unwrap()).collect();
    let mut agg = Aggregator::new(sc.strategies.clone(), 0, &sc.thresholds);
    for rep in run_range(sc, &rbs, sc.seed, 0..runs) {
        agg.push(&rep.values);
    }
    agg
}

/// The recommended strategy as the report's bottom line names it.
fn recommended(md: &str) -> String {
    let at = md.find("**Recommended: ").expect("a bottom line") + "**Recommended: ".len();
    let rest = &md[at..];
    rest[..rest.find(['*', ',', '.']).unwrap()].trim().to_string()
}

#[test]
fn every_shipped_scenario_gives_one_page_that_names_the_recommended_strategy() {
    for name in [
        "single",
        "failover-pair",
        "custom-runbook",
        "horizon-pod",
        "atlas-standalone",
        "atlas-3-regions",
    ] {
        let sc = scenario_file(&root().join(format!("scenarios/{name}.toml")));
        let agg = study(&sc, 40);
        let input = ReportInput {
            scenario: &sc,
            scenario_sha256: "ab".repeat(32),
            version: "test".into(),
            seed: sc.seed,
            agg: &agg,
            charts: Vec::new(),
            sensitivity: None,
            calendar: Vec::new(),
            regions: Vec::new(),
        };
        let pick = recommended(&page::markdown(&input));
        let s = page::summary::summary(&input, "2026-01-01");
        assert_eq!(s.decision.recommended, pick, "{name}");
        let bytes = pdf::render(&s).unwrap();
        let (pages, text) = read_pdf(&bytes);
        assert_eq!(pages, 1, "{name}");
        assert!(text.contains(&format!("Recommended: {pick}")), "{name}:\n{text}");
        for want in [
            "The board's limits",
            "P(abort or rollback)",
            "likely",
            "high impact",
            "Generated 2026-01-01",
            "SHA-256 abababababababab",
        ] {
            assert!(text.contains(want), "{name}: no {want:?} in\n{text}");
        }
        // Every strategy has its row, and its place in the matrix: its name
        // at least twice.
        for s in &sc.strategies {
            assert!(text.matches(s.as_str()).count() >= 2, "{name}: {s} in\n{text}");
        }
        // The same summary, the same bytes.
        assert_eq!(pdf::render(&s).unwrap(), bytes, "{name}");
    }
}

/// `cutover report` of the default into `out`, dated by `epoch`.
fn report(dir: &Path, out: &str, epoch: Option<&str>) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cutover"));
    cmd.args(["report", "--runs", "30", "--threads", "1", "--quiet", "--out", out])
        .current_dir(dir);
    match epoch {
        Some(e) => cmd.env("SOURCE_DATE_EPOCH", e),
        None => cmd.env_remove("SOURCE_DATE_EPOCH"),
    };
    cmd.output().expect("the binary runs")
}

#[test]
fn report_writes_the_summary_dated_by_source_date_epoch() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // 2026-01-01 00:00 UTC, and a second later on the same day.
    for (out, epoch) in [("a", "1767225600"), ("b", "1767225601")] {
        let o = report(t, out, Some(epoch));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let (a, b) = (t.join("a"), t.join("b"));
    for f in ["summary.pdf", "report.html", "report.md", "manifest.json"] {
        let (x, y) = (std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap());
        if f == "manifest.json" {
            // It holds the command line (--out differs): its files' hashes do not.
            let files = |m: &[u8]| serde_json::from_slice::<serde_json::Value>(m).unwrap()["files"].clone();
            assert_eq!(files(&x), files(&y), "{f}");
        } else {
            assert_eq!(x, y, "{f} differs between two reports of the same results and date");
        }
    }
    let pdf_bytes = std::fs::read(a.join("summary.pdf")).unwrap();
    let (pages, text) = read_pdf(&pdf_bytes);
    assert_eq!(pages, 1);
    let md = std::fs::read_to_string(a.join("report.md")).unwrap();
    assert!(text.contains(&format!("Recommended: {}", recommended(&md))), "{text}");
    assert!(text.contains("Generated 2026-01-01 (UTC)."), "{text}");
    assert!(String::from_utf8_lossy(&pdf_bytes).contains("/CreationDate (D:20260101000000Z)"));
    let html = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert!(
        html.contains("Generated 2026-01-01 (UTC).</p>"),
        "no date in report.html"
    );
    assert!(!md.contains("Generated"), "report.md carries no date");
    // Listed in the manifest with its hash, like every output.
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    let listed = m["files"].to_string();
    assert!(listed.contains("summary.pdf"), "{listed}");

    // Another day, another date: the PDF and the HTML change, the Markdown
    // does not.
    let o = report(t, "c", Some("1767312000"));
    assert!(o.status.success());
    let c = t.join("c");
    assert_ne!(std::fs::read(c.join("summary.pdf")).unwrap(), pdf_bytes);
    assert!(
        read_pdf(&std::fs::read(c.join("summary.pdf")).unwrap())
            .1
            .contains("Generated 2026-01-02")
    );
    assert_eq!(std::fs::read(c.join("report.md")).unwrap(), md.as_bytes());

    // Without it, today's date.
    let o = report(t, "d", None);
    assert!(o.status.success());
    let (_, text) = read_pdf(&std::fs::read(t.join("d/summary.pdf")).unwrap());
    let line = text.lines().find(|l| l.starts_with("Generated ")).unwrap();
    let date = &line["Generated ".len()..];
    assert!(
        date.len() > 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-',
        "{line}"
    );
    assert!(date.starts_with("20"), "{line}");
}

#[test]
fn a_bad_source_date_epoch_is_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in ["yesterday", "1.5", "99999999999999999999", "-99999999999999"] {
        let o = report(tmp.path(), "r", Some(bad));
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("SOURCE_DATE_EPOCH"), "{bad}: {err}");
        assert!(!tmp.path().join("r").exists(), "{bad}: something was written");
    }
    // Empty is unset.
    let o = report(tmp.path(), "r", Some(""));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

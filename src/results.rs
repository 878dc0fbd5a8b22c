//! Reading a study's results back: `manifest.json` and `runs.csv`, checked.
//!
//! `merge` and `report` read folders that anyone could have edited, so
//! nothing here trusts what it reads: a manifest must describe a study this
//! tool could have written (a baseline among the strategies, shard bounds
//! that fit, hashes that are hashes, file names that stay inside the folder),
//! and every row of `runs.csv` must be one this tool writes (the strategies in
//! order, contiguous replications, the manifest's seed, each metric in its
//! column's format and range). Lines are read one at a time with a length
//! limit, so an endless or enormous file costs bounded memory, and anything
//! echoed in an error is cut short.
//!
//! Pure: bytes and any [`io::Read`] in, values and errors out. The command
//! line opens the files.

use std::fmt;
use std::io::{self, Read};

use sha2::{Digest, Sha256};

use crate::export::{Manifest, runs_header};
use crate::metrics::{METRICS, Metric, Metrics, Unit};
use crate::montecarlo::shard_range;
use crate::rng::MAX_REPLICATIONS;

/// Largest `manifest.json` read (1 MiB; a manifest is a few kilobytes).
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Longest line of `runs.csv` read (8 KiB; a row is a few hundred bytes).
pub const MAX_RUNS_LINE_BYTES: usize = 8 * 1024;
/// Most characters of a value echoed in an error message.
pub const MAX_ECHO_CHARS: usize = 200;
/// Most strategies a manifest may name.
pub const MAX_STRATEGIES: usize = 1000;
/// Most files a manifest may list.
pub const MAX_FILES: usize = 4096;
/// The manifest format this version writes: 2 lists every file the tool
/// wrote into the folder (charts and reports included) and the scenario's
/// path relative to the folder; 1 (older versions) listed only the CSV files.
pub const MANIFEST_FORMAT: u32 = 2;

/// What a manifest's `kind` may be.
pub const KINDS: [&str; 6] = ["compare", "sweep", "run", "report", "fit-workload", "fleet"];

/// `s` cut to [`MAX_ECHO_CHARS`] characters (with `…` when cut), for messages.
pub fn shorten(s: &str) -> String {
    match s.char_indices().nth(MAX_ECHO_CHARS) {
        None => s.to_string(),
        Some((i, _)) => format!("{}… ({} bytes in all)", &s[..i], s.len()),
    }
}

/// SHA-256 of `bytes`, as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// True for 64 lowercase hex digits.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// True for a name a manifest may list: `NAME` or `charts/NAME`, where NAME
/// is not empty, not hidden, and has no separator (so it stays inside the folder).
pub fn is_output_name(path: &str) -> bool {
    let leaf = path.strip_prefix("charts/").unwrap_or(path);
    !leaf.is_empty()
        && leaf.len() <= 255
        && !leaf.starts_with('.')
        && !leaf.contains(['/', '\\', '\0'])
        && leaf != "manifest.json"
        && leaf != "charts"
}

fn is_name(s: &str) -> bool {
    crate::scenario::validate::is_folder_name(s)
}

/// Parses and checks a manifest; the error says which field is wrong.
pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, String> {
    let m: Manifest = serde_json::from_slice(bytes).map_err(|e| shorten(&e.to_string()))?;
    check_manifest(&m)?;
    Ok(m)
}

/// Checks that a manifest describes results this tool could have written.
pub fn check_manifest(m: &Manifest) -> Result<(), String> {
    if m.tool != "cutover" {
        return Err(format!("tool: {:?}, not \"cutover\"", shorten(&m.tool)));
    }
    if !(1..=MANIFEST_FORMAT).contains(&m.format) {
        return Err(format!(
            "format: {} (this version reads 1 to {MANIFEST_FORMAT})",
            m.format
        ));
    }
    if !KINDS.contains(&m.kind.as_str()) {
        return Err(format!(
            "kind: {:?} is not one of {}",
            shorten(&m.kind),
            KINDS.join(", ")
        ));
    }
    if !is_name(&m.scenario) {
        return Err(format!("scenario: {:?} is not a scenario name", shorten(&m.scenario)));
    }
    if !is_sha256(&m.scenario_sha256) {
        return Err(format!(
            "scenario_sha256: {:?} is not 64 lowercase hex digits",
            shorten(&m.scenario_sha256)
        ));
    }
    if m.kind == "fit-workload" {
        // A fit of a session export: the `scenario` fields name the export; no strategy.
        if !m.strategies.is_empty() || !m.baseline.is_empty() {
            return Err("strategies: a fit-workload folder has none".into());
        }
    } else if m.strategies.is_empty() {
        return Err("strategies: empty".into());
    }
    if m.strategies.len() > MAX_STRATEGIES {
        return Err(format!("strategies: {} (at most {MAX_STRATEGIES})", m.strategies.len()));
    }
    for (i, s) in m.strategies.iter().enumerate() {
        if !is_name(s) {
            return Err(format!("strategies[{i}]: {:?} is not a strategy name", shorten(s)));
        }
        if m.strategies[..i].contains(s) {
            return Err(format!("strategies[{i}]: {s:?} is listed twice"));
        }
    }
    if m.kind != "fit-workload" && !m.strategies.contains(&m.baseline) {
        return Err(format!(
            "baseline: {:?} is not one of the strategies",
            shorten(&m.baseline)
        ));
    }
    if m.runs == 0 || m.runs > MAX_REPLICATIONS {
        return Err(format!("runs: {} (must be 1 to {MAX_REPLICATIONS})", m.runs));
    }
    match m.shard {
        Some([k, n]) => {
            if (m.kind != "compare" && m.kind != "fleet") || k == 0 || n == 0 || k > n || n > m.runs {
                return Err(format!("shard: [{k}, {n}] does not fit {} runs", m.runs));
            }
            let r = shard_range(m.runs, k, n);
            if m.first_replication != r.start || m.replications != r.end - r.start {
                return Err(format!(
                    "first_replication {} and replications {}: shard {k}/{n} of {} runs holds {} from {}",
                    m.first_replication,
                    m.replications,
                    m.runs,
                    r.end - r.start,
                    r.start
                ));
            }
        }
        None => {
            if m.first_replication != 0 || m.replications != m.runs {
                return Err(format!(
                    "first_replication {} and replications {}: an unsplit study holds all {} runs from 0",
                    m.first_replication, m.replications, m.runs
                ));
            }
        }
    }
    for (metric, value) in &m.thresholds {
        if !Metrics::COLUMNS.contains(&metric.as_str()) {
            return Err(format!("thresholds: unknown metric {:?}", shorten(metric)));
        }
        if !value.is_finite() {
            return Err(format!("thresholds: {metric} = {value} is not a number"));
        }
    }
    if let Some(c) = m.ci_target
        && !(c > 0.0 && c.is_finite())
    {
        return Err(format!("ci_target: {c} is not a positive fraction"));
    }
    if m.files.len() > MAX_FILES {
        return Err(format!("files: {} (at most {MAX_FILES})", m.files.len()));
    }
    for (i, (name, sha)) in m.files.iter().enumerate() {
        if !is_output_name(name) {
            return Err(format!(
                "files[{i}]: {:?} is not a file name inside the folder",
                shorten(name)
            ));
        }
        if !is_sha256(sha) {
            return Err(format!("files[{i}]: the hash of {name} is not 64 lowercase hex digits"));
        }
        if m.files[..i].iter().any(|(n, _)| n == name) {
            return Err(format!("files[{i}]: {name} is listed twice"));
        }
    }
    if let Some(p) = &m.scenario_path
        && (p.is_empty() || p.contains('\0'))
    {
        return Err("scenario_path: not a path".into());
    }
    Ok(())
}

/// The format of a metric column in `runs.csv`: its metric's unit, and
/// whether the cell may be empty (the metric does not apply to every site).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Seconds and instants: seconds with three decimals, from whole
    /// milliseconds (`12.345`); counts: decimal digits; flags: `0` or `1`;
    /// probabilities: 0 to 1; ratios: 0 to [`MAX_RATIO`].
    pub unit: Unit,
    /// Empty stands for "does not apply".
    pub optional: bool,
}

impl Column {
    /// The column of `metric`, from its row in [`crate::metrics::METRICS`].
    pub fn of(metric: &Metric) -> Column {
        Column {
            unit: metric.unit,
            optional: metric.sites.empty_elsewhere(),
        }
    }
}

/// Largest ratio accepted (`peak_load_ratio`): far beyond any real load.
pub const MAX_RATIO: f64 = 1e12;

/// `digits[.digits]`: the integer part and the decimals, when `s` is a plain
/// non-negative decimal (no sign, no exponent, no `inf`, no `NaN`).
fn plain_decimal(s: &str) -> Option<(&str, &str)> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    (!int.is_empty() && digits(int) && digits(frac) && (s.contains('.') != frac.is_empty())).then_some((int, frac))
}

/// Checks one cell against its column's format and range.
pub fn check_cell(column: Column, cell: &str) -> Result<(), String> {
    let shown = || format!("{:?}", shorten(cell));
    if cell.is_empty() {
        return if column.optional {
            Ok(())
        } else {
            Err("empty, and this column is never empty".into())
        };
    }
    match column.unit {
        Unit::Seconds | Unit::Instant => {
            let ok = plain_decimal(cell).is_some_and(|(int, frac)| {
                frac.len() == 3
                    && int
                        .parse::<u64>()
                        .ok()
                        .and_then(|s| s.checked_mul(1000))
                        .and_then(|ms| ms.checked_add(frac.parse().ok()?))
                        .is_some()
            });
            if ok {
                Ok(())
            } else {
                Err(format!("{} is not a time in seconds with three decimals", shown()))
            }
        }
        Unit::Count => {
            if cell.bytes().all(|b| b.is_ascii_digit()) && cell.parse::<u64>().is_ok() {
                Ok(())
            } else {
                Err(format!("{} is not a count (a whole number)", shown()))
            }
        }
        Unit::Flag => match cell {
            "0" | "1" => Ok(()),
            _ => Err(format!("{} is not 0 or 1", shown())),
        },
        Unit::Probability | Unit::Ratio => {
            let (max, what) = if column.unit == Unit::Probability {
                (1.0, "a probability from 0 to 1")
            } else {
                (MAX_RATIO, "a ratio from 0 to 1e12")
            };
            match plain_decimal(cell).and_then(|_| cell.parse::<f64>().ok()) {
                Some(x) if x.is_finite() && (0.0..=max).contains(&x) => Ok(()),
                _ => Err(format!("{} is not {what}", shown())),
            }
        }
    }
}

/// What a `runs.csv` must hold, from its manifest.
#[derive(Clone, Debug)]
pub struct Expected<'a> {
    /// The strategies, in the order of each replication's rows.
    pub strategies: &'a [String],
    /// The master seed: every row's `seed`.
    pub seed: u64,
    /// The first replication.
    pub first: u64,
    /// How many replications.
    pub count: u64,
}

/// A `runs.csv` problem, with its line when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunsError {
    /// 1-based line number.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RunsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for RunsError {}

/// Hashes what passes through and refuses lines longer than the limit.
pub(crate) struct Guard<R> {
    inner: R,
    hasher: Sha256,
    /// Longest line, bytes.
    limit: usize,
    /// Newlines seen so far.
    newlines: u64,
    /// Bytes since the last newline.
    line_len: usize,
    /// The line that was too long.
    pub(crate) too_long: Option<u64>,
}

impl<R> Guard<R> {
    /// A guard of `inner` refusing lines longer than `limit` bytes.
    pub(crate) fn new(inner: R, limit: usize) -> Guard<R> {
        Guard {
            inner,
            hasher: Sha256::new(),
            limit,
            newlines: 0,
            line_len: 0,
            too_long: None,
        }
    }

    /// The SHA-256 of every byte read, as 64 lowercase hex digits.
    pub(crate) fn sha256(self) -> String {
        hex(&self.hasher.finalize())
    }
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        self.hasher.update(chunk);
        for &b in chunk {
            if b == b'\n' {
                self.newlines += 1;
                self.line_len = 0;
            } else {
                self.line_len += 1;
                if self.line_len > self.limit {
                    self.too_long = Some(self.newlines + 1);
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
                }
            }
        }
        Ok(n)
    }
}

/// Reads a `runs.csv` one replication at a time, checking every row.
pub struct RunsReader<R: Read> {
    csv: csv::Reader<Guard<R>>,
    strategies: Vec<String>,
    seed: String,
    first: u64,
    next: u64,
    end: u64,
    kinds: Vec<Column>,
    group: Vec<csv::StringRecord>,
    header_read: bool,
}

impl<R: Read> RunsReader<R> {
    /// A reader of `input` that expects what `exp` says.
    pub fn new(input: R, exp: &Expected) -> RunsReader<R> {
        let guard = Guard::new(input, MAX_RUNS_LINE_BYTES);
        RunsReader {
            csv: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(guard),
            strategies: exp.strategies.to_vec(),
            seed: exp.seed.to_string(),
            first: exp.first,
            next: exp.first,
            end: exp.first.saturating_add(exp.count),
            kinds: METRICS.iter().map(Column::of).collect(),
            group: Vec::new(),
            header_read: false,
        }
    }

    fn read_record(&mut self) -> Result<Option<csv::StringRecord>, RunsError> {
        let mut rec = csv::StringRecord::new();
        match self.csv.read_record(&mut rec) {
            Ok(true) => Ok(Some(rec)),
            Ok(false) => Ok(None),
            Err(e) => {
                if let Some(line) = self.csv.get_ref().too_long {
                    return Err(RunsError {
                        line: Some(line),
                        message: format!("longer than {MAX_RUNS_LINE_BYTES} bytes: not a row of runs.csv"),
                    });
                }
                let line = e.position().map(|p| p.line());
                let message = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
                    csv::ErrorKind::Io(err) => format!("cannot read: {err}"),
                    _ => shorten(&e.to_string()),
                };
                Err(RunsError { line, message })
            }
        }
    }

    /// The rows of the next replication (one per strategy, in order), or
    /// `None` after the last; every row checked.
    pub fn next_replication(&mut self) -> Result<Option<&[csv::StringRecord]>, RunsError> {
        if !self.header_read {
            self.header_read = true;
            let header = self.read_record()?.ok_or_else(|| RunsError {
                line: Some(1),
                message: "empty: no header".into(),
            })?;
            if header.iter().ne(runs_header()) {
                return Err(RunsError {
                    line: Some(1),
                    message: crate::export::header_mismatch(&header.iter().collect::<Vec<_>>(), &runs_header()),
                });
            }
        }
        self.group.clear();
        let k = self.strategies.len();
        while self.group.len() < k {
            let Some(rec) = self.read_record()? else {
                if self.group.is_empty() && self.next == self.end {
                    return Ok(None);
                }
                return Err(RunsError {
                    line: None,
                    message: if self.group.is_empty() {
                        format!(
                            "holds {} of the {} replications its manifest promises",
                            self.next - self.first,
                            self.end - self.first
                        )
                    } else {
                        format!("ends inside replication {}", self.next)
                    },
                });
            };
            self.check_row(&rec)?;
            self.group.push(rec);
        }
        self.next += 1;
        Ok(Some(&self.group))
    }

    fn check_row(&self, rec: &csv::StringRecord) -> Result<(), RunsError> {
        let line = rec.position().map(|p| p.line());
        let bad = |message: String| RunsError { line, message };
        let want = 3 + Metrics::COLUMNS.len();
        if rec.len() != want {
            return Err(bad(format!("{} fields where {want} were expected", rec.len())));
        }
        if self.next >= self.end {
            return Err(bad(format!(
                "a row past the last expected replication ({})",
                self.end as i128 - 1
            )));
        }
        let strategy = &self.strategies[self.group.len()];
        if &rec[0] != strategy {
            return Err(bad(format!(
                "strategy {:?} where {strategy:?} was expected",
                shorten(&rec[0])
            )));
        }
        if rec[1] != *self.next.to_string() {
            return Err(bad(format!(
                "replication {:?} where {} was expected",
                shorten(&rec[1]),
                self.next
            )));
        }
        if rec[2] != *self.seed {
            return Err(bad(format!(
                "seed {:?} where the manifest's seed {} was expected",
                shorten(&rec[2]),
                self.seed
            )));
        }
        for ((cell, kind), name) in rec.iter().skip(3).zip(&self.kinds).zip(Metrics::COLUMNS) {
            check_cell(*kind, cell).map_err(|e| bad(format!("{name}: {e}")))?;
        }
        Ok(())
    }

    /// The SHA-256 of every byte read; call after `next_replication` gave `None`.
    pub fn finish(self) -> String {
        self.csv.into_inner().sha256()
    }
}

/// The SHA-256 a manifest records for the file `name`, when it lists it.
pub fn listed<'a>(m: &'a Manifest, name: &str) -> Option<&'a str> {
    m.files.iter().find(|(n, _)| n == name).map(|(_, h)| h.as_str())
}

/// Why a `runs.csv` could not be read to its end.
#[derive(Debug)]
pub enum ReadRuns<E> {
    /// A row is not one this tool writes for the manifest.
    Bad(RunsError),
    /// Every row is fine, but the file's SHA-256 is not the one recorded:
    /// it was changed after it was written.
    Changed,
    /// `each` refused a replication.
    Stopped(E),
}

/// Reads the `runs.csv` of a results folder from `input`, one replication at
/// a time, every row checked against the manifest `m` ([`RunsReader`]) and
/// the SHA-256 of all of it against `sha256` (the one `m` records); hands
/// each replication's rows (one per strategy) to `each`.
pub fn read_runs<R: Read, E>(
    input: R,
    m: &Manifest,
    sha256: &str,
    mut each: impl FnMut(&[csv::StringRecord]) -> Result<(), E>,
) -> Result<(), ReadRuns<E>> {
    let exp = Expected {
        strategies: &m.strategies,
        seed: m.seed,
        first: m.first_replication,
        count: m.replications,
    };
    let mut r = RunsReader::new(input, &exp);
    while let Some(group) = r.next_replication().map_err(ReadRuns::Bad)? {
        each(group).map_err(ReadRuns::Stopped)?;
    }
    if r.finish() != sha256 {
        return Err(ReadRuns::Changed);
    }
    Ok(())
}

/// The metric values of one replication's rows, as [`crate::montecarlo::Aggregator::push`]
/// takes them (`strategy,replication,seed` left out).
pub fn values(group: &[csv::StringRecord]) -> Vec<Vec<String>> {
    group
        .iter()
        .map(|rec| rec.iter().skip(3).map(String::from).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::write_runs;
    use crate::montecarlo::Replication;

    fn manifest() -> Manifest {
        Manifest {
            tool: "cutover".into(),
            version: "0.1.0".into(),
            kind: "compare".into(),
            command: vec![],
            scenario: "failover-pair".into(),
            scenario_file: None,
            scenario_sha256: "a".repeat(64),
            seed: 5,
            strategies: vec!["x".into(), "y".into()],
            baseline: "x".into(),
            runs: 10,
            first_replication: 0,
            replications: 10,
            shard: None,
            thresholds: vec![("downtime_s".into(), 900.0)],
            ci_target: None,
            files: vec![("runs.csv".into(), "b".repeat(64))],
            format: MANIFEST_FORMAT,
            scenario_path: None,
        }
    }

    #[test]
    fn a_written_manifest_reads_back() {
        let mut buf = Vec::new();
        crate::export::write_manifest(&mut buf, &manifest()).unwrap();
        assert_eq!(parse_manifest(&buf).unwrap(), manifest());
    }

    #[test]
    fn an_older_manifest_without_format_reads_as_format_1() {
        let mut v: serde_json::Value = serde_json::to_value(manifest()).unwrap();
        v.as_object_mut().unwrap().remove("format");
        v.as_object_mut().unwrap().remove("scenario_path");
        let m = parse_manifest(v.to_string().as_bytes()).unwrap();
        assert_eq!((m.format, m.scenario_path), (1, None));
    }

    #[test]
    fn hand_edited_manifests_are_refused_naming_the_field() {
        type Edit = fn(&mut Manifest);
        let cases: Vec<(&str, Edit)> = vec![
            ("scenario_sha256", |m| m.scenario_sha256 = "é".repeat(32)),
            ("scenario_sha256", |m| m.scenario_sha256 = "abc".into()),
            ("strategies: empty", |m| m.strategies.clear()),
            ("strategies[1]", |m| m.strategies[1] = "x".into()),
            ("strategies[0]", |m| m.strategies[0] = "../x".into()),
            ("baseline", |m| m.baseline = "z".into()),
            ("runs", |m| m.runs = 0),
            ("runs", |m| m.runs = MAX_REPLICATIONS + 1),
            ("shard", |m| m.shard = Some([3, 2])),
            ("first_replication", |m| m.shard = Some([1, 2])),
            ("first_replication", |m| m.replications = 9),
            ("thresholds", |m| m.thresholds[0].0 = "colour".into()),
            ("thresholds", |m| m.thresholds[0].1 = f64::NAN),
            ("files[0]", |m| m.files[0].0 = "../etc/passwd".into()),
            ("files[0]", |m| m.files[0].0 = "/etc/passwd".into()),
            ("files[0]", |m| m.files[0].1 = "zz".into()),
            ("files[1]", |m| m.files.push(m.files[0].clone())),
            ("kind", |m| m.kind = "weird".into()),
            ("tool", |m| m.tool = "other".into()),
            ("format", |m| m.format = 9),
            ("ci_target", |m| m.ci_target = Some(f64::INFINITY)),
        ];
        for (field, edit) in cases {
            let mut m = manifest();
            edit(&mut m);
            let e = check_manifest(&m).expect_err(field);
            assert!(e.starts_with(field), "{field}: {e}");
        }
        let mut m = manifest();
        m.shard = Some([2, 2]);
        (m.first_replication, m.replications) = (5, 5);
        check_manifest(&m).unwrap();
        assert!(parse_manifest(b"{").is_err());
        assert!(parse_manifest(b"[]").is_err());
    }

    #[test]
    fn cells_are_checked_by_column() {
        let col = |unit, optional| Column { unit, optional };
        for (kind, good, bad) in [
            (
                col(Unit::Seconds, false),
                &["0.000", "12.345", "18446744073709551.615"][..],
                &[
                    "1e308",
                    "NaN",
                    "inf",
                    "-1.000",
                    "1.5",
                    "abc",
                    "",
                    "18446744073709551.616",
                    "+1.000",
                ][..],
            ),
            (
                col(Unit::Count, false),
                &["0", "17", "18446744073709551615"],
                &["1.0", "-1", "+1", "abc", "", "18446744073709551616", "1e3"],
            ),
            (col(Unit::Flag, false), &["0", "1"], &["2", "", "true"]),
            (
                col(Unit::Probability, false),
                &["0.000000000", "1.000000000", "0.5"],
                &["1.000000001", "NaN", "inf", "1e-3", "-0.1", ""],
            ),
            (
                col(Unit::Ratio, false),
                &["0.000000", "3.500000"],
                &["1e308", "inf", "-1.0", "", "2000000000000.0"],
            ),
            (col(Unit::Instant, true), &["", "3.000"], &["x", "3"]),
            (col(Unit::Flag, true), &["", "0", "1"], &["2"]),
        ] {
            for g in good {
                assert_eq!(check_cell(kind, g), Ok(()), "{kind:?} {g:?}");
            }
            for b in bad {
                assert!(check_cell(kind, b).is_err(), "{kind:?} accepts {b:?}");
            }
        }
        // Every column the simulation writes has a format that accepts what it writes.
        let m = Metrics {
            exposure_risk: 0.25,
            peak_load_ratio: 1.5,
            scheduled_at_ms: Some(3_600_000),
            in_preferred_window: Some(true),
            aborted: 1,
            ..Metrics::default()
        };
        for (v, metric) in m.values().iter().zip(METRICS) {
            assert_eq!(check_cell(Column::of(metric), v), Ok(()), "{} = {v:?}", metric.name);
        }
        for (v, metric) in Metrics::default().values().iter().zip(METRICS) {
            assert_eq!(check_cell(Column::of(metric), v), Ok(()), "{} = {v:?}", metric.name);
        }
    }

    fn runs_csv(strategies: &[String], seed: u64, reps: std::ops::Range<u64>) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(runs_header()).unwrap();
        for i in reps {
            let m = Metrics {
                downtime_ms: 1000 * i,
                ..Metrics::default()
            };
            let rep = Replication {
                index: i,
                values: strategies.iter().map(|_| m.values().to_vec()).collect(),
                regions: Vec::new(),
            };
            write_runs(&mut w, strategies, seed, &rep).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    fn read_all(text: &str, exp: &Expected) -> Result<(u64, String), RunsError> {
        let mut r = RunsReader::new(text.as_bytes(), exp);
        let mut n = 0;
        while let Some(g) = r.next_replication()? {
            assert_eq!(g.len(), exp.strategies.len());
            n += 1;
        }
        Ok((n, r.finish()))
    }

    #[test]
    fn runs_read_back_with_their_hash() {
        let s = vec!["x".to_string(), "y".to_string()];
        let text = runs_csv(&s, 5, 3..7);
        let exp = Expected {
            strategies: &s,
            seed: 5,
            first: 3,
            count: 4,
        };
        assert_eq!(read_all(&text, &exp).unwrap(), (4, sha256_hex(text.as_bytes())));
    }

    #[test]
    fn read_runs_hands_over_values_and_checks_the_recorded_hash() {
        let mut m = manifest();
        (m.runs, m.replications) = (4, 4);
        let text = runs_csv(&m.strategies, 5, 0..4);
        let sha = sha256_hex(text.as_bytes());
        m.files = vec![("runs.csv".into(), sha.clone())];
        assert_eq!(listed(&m, "runs.csv"), Some(sha.as_str()));
        assert_eq!(listed(&m, "diff.csv"), None);
        let mut seen = Vec::new();
        let r: Result<(), ReadRuns<()>> = read_runs(text.as_bytes(), &m, &sha, |group| {
            let v = values(group);
            assert_eq!((v.len(), v[0].len()), (2, Metrics::COLUMNS.len()));
            seen.push(group[0][1].to_string());
            Ok(())
        });
        assert!(r.is_ok());
        assert_eq!(seen, ["0", "1", "2", "3"]);
        // Another hash: changed after it was written.
        let r = read_runs(text.as_bytes(), &m, &"0".repeat(64), |_| Ok::<(), ()>(()));
        assert!(matches!(r, Err(ReadRuns::Changed)));
        // A refusal of `each` stops the read and comes back.
        let r = read_runs(text.as_bytes(), &m, &sha, |group| {
            if &group[0][1] == "2" { Err("full") } else { Ok(()) }
        });
        assert!(matches!(r, Err(ReadRuns::Stopped("full"))));
        // A bad row is named by its line.
        let bad = text.replacen("x,1,5,", "x,1,6,", 1);
        let r = read_runs(bad.as_bytes(), &m, &sha, |_| Ok::<(), ()>(()));
        assert!(
            matches!(r, Err(ReadRuns::Bad(RunsError { line: Some(4), .. }))),
            "{r:?}"
        );
    }

    #[test]
    fn tampered_runs_are_refused_naming_the_line() {
        let s = vec!["x".to_string(), "y".to_string()];
        let text = runs_csv(&s, 5, 0..3);
        let exp = Expected {
            strategies: &s,
            seed: 5,
            first: 0,
            count: 3,
        };
        let line3: Vec<&str> = text.lines().nth(2).unwrap().split(',').collect();
        let edit = |col: usize, value: &str| -> String {
            let mut cells = line3.clone();
            cells[col] = value;
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            lines[2] = cells.join(",");
            lines.join("\n") + "\n"
        };
        for (col, value, says) in [
            (3, "NaN", "downtime_s"),
            (3, "inf", "downtime_s"),
            (3, "1e308", "downtime_s"),
            (4, "abc", "failed_connects"),
            (4, "2.5", "failed_connects"),
            (4, "", "never empty"),
            (2, "6", "seed"),
            (1, "2", "replication"),
            (0, "x", "strategy"),
        ] {
            let e = read_all(&edit(col, value), &exp).unwrap_err();
            assert_eq!(e.line, Some(3), "{value}: {e}");
            assert!(e.message.contains(says), "{value}: {e}");
        }
        // A missing field, a missing replication, one too many.
        let e = read_all(&edit(5, "1,2"), &exp).unwrap_err();
        assert!(e.message.contains("fields"), "{e}");
        let short: String = text.lines().take(5).map(|l| format!("{l}\n")).collect();
        let e = read_all(&short, &exp).unwrap_err();
        assert!(e.message.contains("holds 2 of the 3"), "{e}");
        let e = read_all(&runs_csv(&s, 5, 0..4), &exp).unwrap_err();
        assert!(e.message.contains("past the last"), "{e}");
        let e = read_all("strategy,seed\n", &exp).unwrap_err();
        assert!(e.message.contains("header"), "{e}");
        let e = read_all("", &exp).unwrap_err();
        assert!(e.message.contains("no header"), "{e}");
    }

    #[test]
    fn an_endless_line_is_refused_after_the_limit_and_not_echoed() {
        let s = vec!["x".to_string()];
        let exp = Expected {
            strategies: &s,
            seed: 5,
            first: 0,
            count: 1,
        };
        // An endless reader: it would never end if read whole.
        let e = read_all_from(io::repeat(b'7'), &exp).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("longer than"), "{e}");
        // A long malformed row is echoed at most MAX_ECHO_CHARS characters.
        let row = runs_csv(&s, 5, 0..1)
            .lines()
            .nth(1)
            .unwrap()
            .replacen('x', &"z".repeat(5000), 1);
        let text = format!("{}\n{row}\n", runs_header().join(","));
        let e = read_all(&text, &exp).unwrap_err();
        assert!(e.message.contains("strategy"), "{e}");
        assert!(e.to_string().len() < 2 * MAX_ECHO_CHARS, "{e}");
        assert_eq!(e.line, Some(2));
    }

    fn read_all_from(input: impl Read, exp: &Expected) -> Result<u64, RunsError> {
        let mut r = RunsReader::new(input, exp);
        let mut n = 0;
        while r.next_replication()?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    #[test]
    fn long_echoes_are_cut() {
        assert_eq!(shorten("abc"), "abc");
        let long = "é".repeat(1000);
        let s = shorten(&long);
        assert!(s.chars().count() < MAX_ECHO_CHARS + 40, "{s}");
        assert!(s.contains("2000 bytes"));
    }
}

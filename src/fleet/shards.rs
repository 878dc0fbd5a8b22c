//! Reading a fleet study's results back: every row of `runs.csv` and
//! `sites.csv` checked against the fleet that wrote them.
//!
//! `merge` reads shard folders that anyone could have edited (and whose
//! manifest hashes anyone could have recomputed), so no value is trusted:
//! each cell must be one this tool writes for that fleet, in its column's
//! format and range — counts whole and at most the fleet's sites, times
//! finite, non-negative and with three decimals, flags 0 or 1, words among
//! their allowed values — and the rows must come in the order written: the
//! plans in order, replications contiguous from the manifest's first, the
//! manifest's seed, every site of the fleet once per plan (a site run
//! twice: its first run just before its last), each site's wave, strategy
//! and seed the ones the fleet gives it, and the sites' states adding up to
//! the campaign's counts. A problem names the file, the line and the column.
//!
//! Both files are read together, one replication at a time, with a length
//! limit on each line, so an edited file costs bounded memory. Pure: any
//! [`Read`] in, rows and errors out.

use std::fmt;
use std::io::Read;

use csv::StringRecord;

use super::campaign::SiteState;
use super::study::{RUNS_KEY_COLUMNS, runs_header, sites_header};
use super::table::{CAMPAIGN_METRICS, Outcome, WORD_COLUMNS, index};
use super::{Fleet, StopOn, site_seed, site_seed_again};
use crate::metrics::{METRICS, Unit};
use crate::results::{Column, Guard, MAX_RUNS_LINE_BYTES, check_cell, shorten};

/// Longest line of a fleet's `sites.csv` read (1 MiB: a row is a few
/// hundred bytes plus the site's labels).
pub const MAX_SITES_LINE_BYTES: usize = 1 << 20;

/// Columns of `sites.csv` before the site's metrics.
const SITES_KEY_COLUMNS: usize = 13;

/// A problem in a fleet shard's `runs.csv` or `sites.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardError {
    /// `runs.csv` or `sites.csv`.
    pub file: &'static str,
    /// 1-based line number, when known.
    pub line: Option<u64>,
    /// The column holding the value, when one does.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ShardError {
    /// `line 7, column sites_done: …` (the file is left to the caller,
    /// which knows its folder).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, &self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            (Some(l), None) => write!(f, "line {l}: {}", self.message),
            (None, Some(c)) => write!(f, "column {c}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ShardError {}

/// Why a fleet shard could not be read to its end.
#[derive(Debug)]
pub enum ShardRead<E> {
    /// A row is not one this tool writes for the fleet.
    Bad(ShardError),
    /// The caller's handler refused a row.
    Stopped(E),
}

/// What the manifest promises: the seed and the replications.
#[derive(Clone, Copy, Debug)]
pub struct Expected {
    /// The master seed: every row's `seed` in `runs.csv`.
    pub seed: u64,
    /// The first replication.
    pub first: u64,
    /// How many replications.
    pub count: u64,
}

/// The sites of each state in one plan's replication.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct States {
    done: u64,
    aborted: u64,
    recovered: u64,
    not_started: u64,
    /// Sessions that lost work, all the sites' runs.
    lost_work: u64,
}

/// The `lost_work_sessions` of a checked row of `sites.csv` (0 for a site
/// not started: its cell is empty).
fn lost_work(rec: &StringRecord) -> u64 {
    let i = SITES_KEY_COLUMNS + crate::metrics::index("lost_work_sessions").expect("a site metric");
    rec.get(i).and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// One file being read: the CSV reader over its guard, and the row read
/// ahead (`sites.csv` looks one row ahead for a site run twice).
struct Source<R: Read> {
    name: &'static str,
    csv: csv::Reader<Guard<R>>,
    limit: usize,
    ahead: Option<StringRecord>,
}

impl<R: Read> Source<R> {
    fn new(name: &'static str, input: R, limit: usize) -> Source<R> {
        Source {
            name,
            csv: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(Guard::new(input, limit)),
            limit,
            ahead: None,
        }
    }

    fn err(&self, line: Option<u64>, column: Option<&str>, message: String) -> ShardError {
        ShardError {
            file: self.name,
            line,
            column: column.map(String::from),
            message,
        }
    }

    fn read(&mut self) -> Result<Option<StringRecord>, ShardError> {
        if let Some(r) = self.ahead.take() {
            return Ok(Some(r));
        }
        let mut rec = StringRecord::new();
        match self.csv.read_record(&mut rec) {
            Ok(true) => Ok(Some(rec)),
            Ok(false) => Ok(None),
            Err(e) => {
                if let Some(line) = self.csv.get_ref().too_long {
                    return Err(self.err(
                        Some(line),
                        None,
                        format!("longer than {} bytes: not a row cutover writes", self.limit),
                    ));
                }
                let line = e.position().map(|p| p.line());
                let message = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
                    csv::ErrorKind::Io(err) => format!("cannot read: {err}"),
                    _ => shorten(&e.to_string()),
                };
                Err(self.err(line, None, message))
            }
        }
    }

    fn peek(&mut self) -> Result<Option<&StringRecord>, ShardError> {
        if self.ahead.is_none() {
            self.ahead = self.read()?;
        }
        Ok(self.ahead.as_ref())
    }

    fn header(&mut self, want: &[&str]) -> Result<(), ShardError> {
        let h = self
            .read()?
            .ok_or_else(|| self.err(Some(1), None, "empty: no header".into()))?;
        if h.iter().ne(want.iter().copied()) {
            return Err(self.err(
                Some(1),
                None,
                crate::export::header_mismatch(&h.iter().collect::<Vec<_>>(), want),
            ));
        }
        Ok(())
    }
}

/// Reads a fleet shard's `runs.csv` and `sites.csv` together, one
/// replication at a time, every row checked (see the module doc).
pub struct ShardReader<'a, R: Read, S: Read> {
    fleet: &'a Fleet,
    seed: String,
    seed_value: u64,
    first: u64,
    next: u64,
    end: u64,
    runs: Source<R>,
    /// None for a shard run with `--sites-csv off`: the runs are checked alone.
    sites: Option<Source<S>>,
    headers_read: bool,
    group: Vec<StringRecord>,
}

/// `cell` as a whole number (already checked by [`check_cell`]).
fn whole(cell: &str) -> u64 {
    cell.parse().unwrap_or(0)
}

/// True for seconds with three decimals, perhaps negative (`sites.csv`'s
/// `work_start_s` and `end_s`: a run starts a warm-up before its window).
fn signed_secs(cell: &str) -> bool {
    let col = Column {
        unit: Unit::Seconds,
        optional: false,
    };
    check_cell(col, cell.strip_prefix('-').unwrap_or(cell)).is_ok()
}

impl<'a, R: Read, S: Read> ShardReader<'a, R, S> {
    /// A reader of `runs` and `sites` (the two files of one shard; no
    /// `sites` for a shard run with `--sites-csv off`) that expects what
    /// `exp` says, for `fleet`.
    pub fn new(fleet: &'a Fleet, runs: R, sites: Option<S>, exp: Expected) -> ShardReader<'a, R, S> {
        ShardReader {
            fleet,
            seed: exp.seed.to_string(),
            seed_value: exp.seed,
            first: exp.first,
            next: exp.first,
            end: exp.first.saturating_add(exp.count),
            runs: Source::new("runs.csv", runs, MAX_RUNS_LINE_BYTES),
            sites: sites.map(|s| Source::new("sites.csv", s, MAX_SITES_LINE_BYTES)),
            headers_read: false,
            group: Vec::new(),
        }
    }

    /// The rows of `runs.csv` of the next replication (one per plan, in
    /// order), after every row of `sites.csv` of that replication was
    /// checked and handed to `site`; `None` after the last replication
    /// (both files then read to their end).
    pub fn next_replication<E>(
        &mut self,
        mut site: impl FnMut(&StringRecord) -> Result<(), E>,
    ) -> Result<Option<&[StringRecord]>, ShardRead<E>> {
        if !self.headers_read {
            self.headers_read = true;
            self.runs.header(&runs_header()).map_err(ShardRead::Bad)?;
            if let Some(sites) = &mut self.sites {
                sites.header(&sites_header()).map_err(ShardRead::Bad)?;
            }
        }
        self.group.clear();
        let plans = self.fleet.plans.len();
        let mut counts = Vec::with_capacity(plans);
        while self.group.len() < plans {
            let Some(rec) = self.runs.read().map_err(ShardRead::Bad)? else {
                if self.group.is_empty() && self.next == self.end {
                    // Every replication read: sites.csv must end too.
                    if let Some(sites) = &mut self.sites
                        && let Some(extra) = sites.read().map_err(ShardRead::Bad)?
                    {
                        let line = extra.position().map(|p| p.line());
                        return Err(ShardRead::Bad(sites.err(
                            line,
                            None,
                            format!("a row past the last replication ({})", self.end as i128 - 1),
                        )));
                    }
                    return Ok(None);
                }
                return Err(ShardRead::Bad(self.runs.err(
                    None,
                    None,
                    if self.group.is_empty() {
                        format!(
                            "holds {} of the {} replications its manifest promises (a replication is missing)",
                            self.next - self.first,
                            self.end - self.first
                        )
                    } else {
                        format!("ends inside replication {}", self.next)
                    },
                )));
            };
            let p = self.group.len();
            counts.push(self.check_run(&rec, p).map_err(ShardRead::Bad)?);
            self.group.push(rec);
        }
        for (p, want) in counts.iter().enumerate() {
            if self.sites.is_none() {
                break;
            }
            let got = self.read_sites(p, &mut site)?;
            if got.lost_work != want.lost_work {
                let line = self.group[p].position().map(|x| x.line());
                return Err(ShardRead::Bad(self.runs.err(
                    line,
                    Some("lost_work_sessions"),
                    format!(
                        "{} where sites.csv's rows add up to {} for plan {:?}, replication {}",
                        want.lost_work, got.lost_work, self.fleet.plans[p].name, self.next
                    ),
                )));
            }
            if got != *want {
                let line = self.group[p].position().map(|x| x.line());
                return Err(ShardRead::Bad(self.runs.err(
                    line,
                    Some("sites_done"),
                    format!(
                        "{} done, {} aborted, {} recovered and {} not started, where sites.csv holds {} done, {} aborted, {} recovered and {} not started for plan {:?}, replication {}",
                        want.done,
                        want.aborted,
                        want.recovered,
                        want.not_started,
                        got.done,
                        got.aborted,
                        got.recovered,
                        got.not_started,
                        self.fleet.plans[p].name,
                        self.next
                    ),
                )));
            }
        }
        self.next += 1;
        Ok(Some(&self.group))
    }

    /// The SHA-256 of every byte read of `runs.csv` and of `sites.csv`
    /// (none without it); call after `next_replication` gave `None`.
    pub fn finish(self) -> (String, Option<String>) {
        (
            self.runs.csv.into_inner().sha256(),
            self.sites.map(|s| s.csv.into_inner().sha256()),
        )
    }

    /// Checks one row of `runs.csv` (plan `p` of the current replication);
    /// returns the sites of each state it counts.
    fn check_run(&self, rec: &StringRecord, p: usize) -> Result<States, ShardError> {
        let line = rec.position().map(|x| x.line());
        let bad = |column: &str, message: String| self.runs.err(line, Some(column), message);
        let want = runs_header().len();
        if rec.len() != want {
            return Err(self
                .runs
                .err(line, None, format!("{} fields where {want} were expected", rec.len())));
        }
        if self.next >= self.end {
            return Err(self.runs.err(
                line,
                None,
                format!("a row past the last replication ({})", self.end as i128 - 1),
            ));
        }
        let fleet = self.fleet;
        let plan = &fleet.plans[p];
        if rec[0] != *plan.name {
            return Err(bad(
                "plan",
                format!("{:?} where plan {:?} was expected", shorten(&rec[0]), plan.name),
            ));
        }
        if rec[1] != *self.next.to_string() {
            return Err(bad(
                "replication",
                format!(
                    "{:?} where {} was expected (a replication is missing or out of order)",
                    shorten(&rec[1]),
                    self.next
                ),
            ));
        }
        if rec[2] != *self.seed {
            return Err(bad(
                "seed",
                format!(
                    "{:?} where the manifest's seed {} was expected",
                    shorten(&rec[2]),
                    self.seed
                ),
            ));
        }
        let k = RUNS_KEY_COLUMNS;
        let outcome = Outcome::parse(&rec[k]).ok_or_else(|| {
            bad(
                WORD_COLUMNS[0].0,
                format!("{:?} is not one of done, stopped, unfinished", shorten(&rec[k])),
            )
        })?;
        let cause = match &rec[k + 1] {
            "" => None,
            word => Some(StopOn::ALL.into_iter().find(|s| s.word() == word).ok_or_else(|| {
                bad(
                    WORD_COLUMNS[1].0,
                    format!(
                        "{:?} is not one of {} (or empty)",
                        shorten(word),
                        StopOn::ALL.map(|s| s.word()).join(", ")
                    ),
                )
            })?),
        };
        let at = |name: &str| k + WORD_COLUMNS.len() + index(name).expect("a campaign column");
        for (i, metric) in CAMPAIGN_METRICS.iter().enumerate() {
            let column = Column {
                unit: metric.unit,
                optional: matches!(metric.name, "done_by_deadline" | "stop_s"),
            };
            let cell = &rec[k + WORD_COLUMNS.len() + i];
            check_cell(column, cell).map_err(|e| bad(metric.name, e))?;
        }
        let n = fleet.sites.len() as u64;
        let count = |name: &str| whole(&rec[at(name)]);
        for name in [
            "sites_done",
            "sites_aborted",
            "sites_recovered",
            "sites_not_started",
            "defect_sites",
        ] {
            if count(name) > n {
                return Err(bad(name, format!("{} is more than the fleet's {n} sites", count(name))));
            }
        }
        // A site run again after the version's defect was found counts twice.
        for name in ["peak_sites_without_failover", "defects_escaped"] {
            if count(name) > 2 * n {
                return Err(bad(
                    name,
                    format!(
                        "{} is more than the fleet's {n} sites, each run at most twice",
                        count(name)
                    ),
                ));
            }
        }
        let states = States {
            done: count("sites_done"),
            aborted: count("sites_aborted"),
            recovered: count("sites_recovered"),
            not_started: count("sites_not_started"),
            lost_work: count("lost_work_sessions"),
        };
        let sum = states.done + states.aborted + states.recovered + states.not_started;
        if sum != n {
            return Err(bad(
                "sites_done",
                format!("sites done, aborted, recovered and not started add up to {sum}, not the fleet's {n} sites"),
            ));
        }
        let waves = plan.waves.len() as u64;
        if count("stopped_at_wave") > waves {
            return Err(bad(
                "stopped_at_wave",
                format!("{} is past the plan's last wave ({waves})", count("stopped_at_wave")),
            ));
        }
        let stop_s = !rec[at("stop_s")].is_empty();
        let stopped_at = count("stopped_at_wave") > 0;
        if cause.is_some() != stop_s || cause.is_some() != stopped_at {
            return Err(bad(
                "stop_cause",
                "stop_cause, stop_s and stopped_at_wave must all be given (a stop fired) or all be empty and 0".into(),
            ));
        }
        let done = states.done == n;
        match outcome {
            Outcome::Done if !done => {
                return Err(bad(
                    "outcome",
                    format!("done, yet {} of the {n} sites are done", states.done),
                ));
            }
            Outcome::Stopped | Outcome::Unfinished if done => {
                return Err(bad("outcome", format!("{}, yet every site is done", outcome.word())));
            }
            Outcome::Stopped if cause.is_none() => {
                return Err(bad("outcome", "stopped without a stop_cause".into()));
            }
            Outcome::Unfinished if cause.is_some() => {
                return Err(bad("outcome", "unfinished with a stop_cause: that is stopped".into()));
            }
            _ => {}
        }
        let flag = &rec[at("done_by_deadline")];
        match (fleet.deadline_unix_ms.is_some(), flag.is_empty()) {
            (true, true) => {
                return Err(bad("done_by_deadline", "empty, yet the fleet has a deadline".into()));
            }
            (false, false) => {
                return Err(bad(
                    "done_by_deadline",
                    format!("{flag:?}, yet the fleet has no deadline (empty expected)"),
                ));
            }
            _ => {}
        }
        if flag == "1" && outcome != Outcome::Done {
            return Err(bad(
                "done_by_deadline",
                format!(
                    "1 with outcome {}: only a done campaign is done by the deadline",
                    outcome.word()
                ),
            ));
        }
        Ok(states)
    }

    /// Reads and checks the rows of `sites.csv` of plan `p` in the current
    /// replication; returns the states of the sites' last runs.
    /// `sites.csv`, read only when the shard has one.
    fn src(&mut self) -> &mut Source<S> {
        self.sites
            .as_mut()
            .expect("sites.csv is read only when the shard has one")
    }

    fn read_sites<E>(
        &mut self,
        p: usize,
        site: &mut impl FnMut(&StringRecord) -> Result<(), E>,
    ) -> Result<States, ShardRead<E>> {
        let mut states = States::default();
        let (fleet, next) = (self.fleet, self.next);
        for s in 0..fleet.sites.len() {
            let name = &fleet.sites[s].name;
            let Some(rec) = self.src().read().map_err(ShardRead::Bad)? else {
                return Err(ShardRead::Bad(self.src().err(
                    None,
                    None,
                    format!(
                        "ends before site {name:?} of plan {:?}, replication {}",
                        fleet.plans[p].name, next
                    ),
                )));
            };
            let mut attempt = self.check_site(&rec, p, s).map_err(ShardRead::Bad)?;
            states.lost_work += lost_work(&rec);
            let mut last = rec;
            if attempt.0 == 1 {
                // A site run again: its first run's row, then its last.
                let again = match self.src().peek().map_err(ShardRead::Bad)? {
                    Some(next_row) => {
                        next_row.get(0) == Some(fleet.plans[p].name.as_str())
                            && next_row.get(1) == Some(next.to_string().as_str())
                            && next_row.get(2) == Some(name.as_str())
                    }
                    None => false,
                };
                if again {
                    site(&last).map_err(ShardRead::Stopped)?;
                    let rec = self.src().read().map_err(ShardRead::Bad)?.expect("peeked");
                    let a = self.check_site(&rec, p, s).map_err(ShardRead::Bad)?;
                    states.lost_work += lost_work(&rec);
                    if a.0 != 2 {
                        let line = rec.position().map(|x| x.line());
                        return Err(ShardRead::Bad(self.src().err(
                            line,
                            Some("attempt"),
                            format!("site {name:?} listed twice, the second time not as attempt 2"),
                        )));
                    }
                    (attempt, last) = (a, rec);
                }
            } else {
                let line = last.position().map(|x| x.line());
                return Err(ShardRead::Bad(self.src().err(
                    line,
                    Some("attempt"),
                    format!("attempt 2 of site {name:?} without its first run's row just before"),
                )));
            }
            match attempt.1 {
                SiteState::Done => states.done += 1,
                SiteState::Aborted => states.aborted += 1,
                SiteState::Recovered => states.recovered += 1,
                SiteState::NotStarted => states.not_started += 1,
            }
            site(&last).map_err(ShardRead::Stopped)?;
        }
        Ok(states)
    }

    /// Checks one row of `sites.csv`: site `s` of plan `p` in the current
    /// replication. Returns its attempt and state.
    fn check_site(&self, rec: &StringRecord, p: usize, s: usize) -> Result<(u32, SiteState), ShardError> {
        let line = rec.position().map(|x| x.line());
        let sites = self
            .sites
            .as_ref()
            .expect("sites.csv is read only when the shard has one");
        let bad = |column: &str, message: String| sites.err(line, Some(column), message);
        let want = sites_header().len();
        if rec.len() != want {
            return Err(sites.err(line, None, format!("{} fields where {want} were expected", rec.len())));
        }
        let fleet = self.fleet;
        let (plan, site) = (&fleet.plans[p], &fleet.sites[s]);
        let expect = |column: &str, i: usize, want: &str| {
            if rec[i] == *want {
                Ok(())
            } else {
                Err(bad(
                    column,
                    format!("{:?} where {:?} was expected", shorten(&rec[i]), shorten(want)),
                ))
            }
        };
        expect("plan", 0, &plan.name)?;
        expect("replication", 1, &self.next.to_string())?;
        expect("site", 2, &site.name)?;
        expect("group", 3, &fleet.groups[site.group].name)?;
        let labels: Vec<String> = site.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        expect("labels", 4, &labels.join(";"))?;
        let wave = plan.waves.iter().position(|m| m.contains(&s)).unwrap_or(0) + 1;
        expect("wave", 5, &wave.to_string())?;
        let attempt: u32 = match &rec[6] {
            "1" => 1,
            "2" => 2,
            other => return Err(bad("attempt", format!("{:?} is not 1 or 2", shorten(other)))),
        };
        expect("strategy", 7, &plan.strategies[s])?;
        let seed = if attempt == 1 {
            site_seed(self.seed_value, self.next, s)
        } else {
            site_seed_again(self.seed_value, self.next, s)
        };
        expect("seed", 8, &seed.to_string())?;
        let state = [
            SiteState::Done,
            SiteState::Aborted,
            SiteState::Recovered,
            SiteState::NotStarted,
        ]
        .into_iter()
        .find(|st| st.word() == &rec[9])
        .ok_or_else(|| {
            bad(
                "state",
                format!(
                    "{:?} is not one of done, aborted, recovered, not_started",
                    shorten(&rec[9])
                ),
            )
        })?;
        let started = state != SiteState::NotStarted;
        let header = sites_header();
        if !started {
            // Nothing else is known of a site the campaign never started.
            if let Some(i) = (10..want).find(|&i| !rec[i].is_empty()) {
                return Err(bad(
                    header[i],
                    format!("{:?} for a site not started (empty expected)", shorten(&rec[i])),
                ));
            }
            return Ok((attempt, state));
        }
        if rec[10].parse::<jiff::civil::DateTime>().is_err() {
            return Err(bad(
                "run_start",
                format!("{:?} is not a local date-time", shorten(&rec[10])),
            ));
        }
        for (i, column) in [(11, "work_start_s"), (12, "end_s")] {
            if !rec[i].is_empty() && !signed_secs(&rec[i]) {
                return Err(bad(
                    column,
                    format!("{:?} is not a time in seconds with three decimals", shorten(&rec[i])),
                ));
            }
        }
        for (i, metric) in METRICS.iter().enumerate() {
            check_cell(Column::of(metric), &rec[SITES_KEY_COLUMNS + i]).map_err(|e| bad(metric.name, e))?;
        }
        Ok((attempt, state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_columns_are_the_ones_written() {
        assert_eq!(sites_header()[SITES_KEY_COLUMNS - 1], "end_s");
        assert_eq!(sites_header().len(), SITES_KEY_COLUMNS + METRICS.len());
        assert!(signed_secs("-12.345") && signed_secs("0.000"));
        assert!(!signed_secs("NaN") && !signed_secs("--1.000") && !signed_secs("1e308"));
    }
}

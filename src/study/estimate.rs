//! An estimate before long work: a few pilot replications, timed, and the
//! bytes their rows take, scaled to the whole study; and the limits beyond
//! which a study is refused unless the user says to go on.
//!
//! The pilot replications are the study's own first ones (the same seed and
//! indices), run on the calling thread and then discarded: the study runs
//! every replication again, so its outputs are the same bytes with and
//! without the estimate, whatever the thread count. The cost of the pilot
//! is one replication when the work is short (nothing is printed then), and
//! at most [`PILOT_REPLICATIONS`] (and a twentieth of the study) otherwise.
//!
//! The command line times each pilot replication (nothing here reads a
//! clock).

use crate::export::thousands;

/// CPU-hours beyond which a study is refused by default.
pub const DEFAULT_MAX_CPU_HOURS: f64 = 1.0;
/// Bytes of output beyond which a study is refused by default (10 GB).
pub const DEFAULT_MAX_OUTPUT: u64 = 10_000_000_000;
/// Below this much CPU time in all (and within the limits) no estimate is
/// printed: short work goes on without a word.
pub const QUIET_BELOW_S: f64 = 60.0;
/// At most this many pilot replications.
pub const PILOT_REPLICATIONS: u64 = 3;
/// No further pilot replication starts once the pilot has taken this many
/// seconds: a replication of half a minute is its own pilot.
pub const PILOT_SECONDS: f64 = 10.0;

/// The limits a study must stay within, and whether to go on regardless.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// `--max-cpu-hours`.
    pub max_cpu_hours: f64,
    /// `--max-output`, in bytes.
    pub max_output: u64,
    /// `--yes`: print the estimate, and go on whatever it says.
    pub yes: bool,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            max_cpu_hours: DEFAULT_MAX_CPU_HOURS,
            max_output: DEFAULT_MAX_OUTPUT,
            yes: false,
        }
    }
}

impl Budget {
    /// The budget of the flags as given, checked: `max_output` as written
    /// (`10GB`, `500 MB`, `2TB`, `123` bytes).
    pub fn new(max_cpu_hours: Option<f64>, max_output: Option<&str>, yes: bool) -> Result<Budget, String> {
        let mut b = Budget {
            yes,
            ..Budget::default()
        };
        if let Some(h) = max_cpu_hours {
            if !(h.is_finite() && h > 0.0) {
                return Err(format!(
                    "--max-cpu-hours {h}: give a number of hours above 0 (e.g. 0.5 or 24)"
                ));
            }
            b.max_cpu_hours = h;
        }
        if let Some(s) = max_output {
            b.max_output = parse_size(s).map_err(|e| format!("--max-output {s:?}: {e}"))?;
        }
        Ok(b)
    }
}

/// A size in bytes from `10GB`, `500 MB`, `1.5TB`, `2 KB` or a plain
/// number of bytes (decimal units: 1 GB is 10^9 bytes).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = (&t[..split], t[split..].trim());
    let n: f64 = num
        .parse()
        .map_err(|_| "give a size such as 500MB, 10GB or 2TB".to_string())?;
    let mult = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        _ => return Err(format!("unknown unit {unit:?}: use B, KB, MB, GB or TB")),
    };
    let bytes = n * mult;
    if !(1.0..1e18).contains(&bytes) {
        return Err("give a size from 1 byte to 1,000,000 TB".to_string());
    }
    Ok(bytes as u64)
}

/// A size for people: `370 GB`, `1.2 MB`, `512 bytes`.
pub fn fmt_bytes(b: u64) -> String {
    let units = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB")];
    for (size, unit) in units {
        let v = b as f64 / size;
        if v >= 1.0 {
            return if v >= 100.0 {
                format!("{v:.0} {unit}")
            } else {
                format!("{v:.1} {unit}")
            };
        }
    }
    format!("{b} bytes")
}

/// What the pilot measured: per replication of the study (every strategy
/// or plan), its time on one thread and the bytes of each streamed file.
#[derive(Clone, Debug, PartialEq)]
pub struct Pilot {
    /// Pilot replications run.
    pub replications: u64,
    /// Mean seconds per replication on one thread.
    pub secs: f64,
    /// Mean bytes per replication of each file the study streams.
    pub bytes: Vec<(String, f64)>,
}

/// Runs the pilot: replication `first` through `one` (which returns the
/// CPU-seconds it took and the bytes each streamed file takes for it, in
/// the order of `files`), then
/// up to [`PILOT_REPLICATIONS`] in all when the work looks long (none once
/// the pilot has taken [`PILOT_SECONDS`]). `planned`
/// is the number of replications the study will run, `work` how many
/// replication-equivalents the whole command costs (more than `planned`
/// when a sensitivity study follows). `None` when the first replication
/// shows that the work is short and within `budget`: nothing is printed
/// then. `one` returns `None` when interrupted, and so does this.
pub fn pilot(
    files: &[&str],
    first: u64,
    planned: u64,
    work: f64,
    budget: &Budget,
    mut one: impl FnMut(u64) -> Option<(f64, Vec<u64>)>,
) -> Option<Option<Pilot>> {
    let mut secs = 0.0;
    let mut bytes = vec![0.0; files.len()];
    let mut n = 0;
    let want = PILOT_REPLICATIONS.min((planned / 20).max(1));
    while n < want && secs < PILOT_SECONDS {
        let (took, b) = one(first + n)?;
        secs += took;
        for (sum, x) in bytes.iter_mut().zip(b) {
            *sum += x as f64;
        }
        n += 1;
        if n == 1 {
            let cpu = secs * work;
            let out: f64 = bytes.iter().sum::<f64>() * planned as f64;
            let short = cpu < QUIET_BELOW_S && cpu < budget.max_cpu_hours * 3600.0 && out < budget.max_output as f64;
            if short {
                return Some(None);
            }
        }
    }
    let n_f = n as f64;
    Some(Some(Pilot {
        replications: n,
        secs: secs / n_f,
        bytes: files.iter().zip(bytes).map(|(f, b)| (f.to_string(), b / n_f)).collect(),
    }))
}

/// The estimate of a whole study from its pilot.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// What the study is (`compare: 1,000 replications × 5 strategies`).
    pub what: String,
    /// CPU seconds of the whole command.
    pub cpu_s: f64,
    /// Worker threads it will run on.
    pub workers: usize,
    /// Bytes of each streamed file.
    pub files: Vec<(String, u64)>,
    /// Pilot replications it rests on.
    pub pilots: u64,
}

impl Estimate {
    /// Scales `pilot` to `planned` replications (their rows) and `work`
    /// replication-equivalents of CPU time.
    pub fn new(what: String, pilot: &Pilot, planned: u64, work: f64, workers: usize) -> Estimate {
        Estimate {
            what,
            cpu_s: pilot.secs * work,
            workers: workers.max(1),
            files: pilot
                .bytes
                .iter()
                .map(|(f, b)| (f.clone(), (b * planned as f64).round() as u64))
                .collect(),
            pilots: pilot.replications,
        }
    }

    /// Bytes of output in all.
    pub fn output_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.1).sum()
    }

    /// The estimate in one line: `estimate for compare: … (from 3 pilot
    /// replications): 7.9 CPU-hours (about 4.0 h on 2 threads), 1.2 MB of
    /// output (runs.csv 1.2 MB, charts and summaries are small)`.
    pub fn describe(&self) -> String {
        let files: Vec<String> = self
            .files
            .iter()
            .map(|(f, b)| format!("{f} {}", fmt_bytes(*b)))
            .chain(["charts and summaries are small".to_string()])
            .collect();
        format!(
            "estimate for {} (from {} pilot replication{}): {} (about {} on {} thread{}), {} of output ({})",
            self.what,
            self.pilots,
            if self.pilots == 1 { "" } else { "s" },
            fmt_cpu(self.cpu_s),
            fmt_hours(self.cpu_s / self.workers as f64),
            self.workers,
            if self.workers == 1 { "" } else { "s" },
            fmt_bytes(self.output_bytes()),
            files.join(", ")
        )
    }

    /// Why the study goes beyond `budget`, with how to go on; `None` when
    /// it does not (or `--yes` was given).
    pub fn refusal(&self, budget: &Budget) -> Option<String> {
        if budget.yes {
            return None;
        }
        let mut over = Vec::new();
        let mut flags = Vec::new();
        if self.cpu_s > budget.max_cpu_hours * 3600.0 {
            over.push(format!(
                "{}, over the limit of {}",
                fmt_cpu(self.cpu_s),
                fmt_cpu(budget.max_cpu_hours * 3600.0)
            ));
            flags.push(format!("--max-cpu-hours {}", round_up(self.cpu_s / 3600.0)));
        }
        if self.output_bytes() > budget.max_output {
            over.push(format!(
                "{} of output, over the limit of {}",
                fmt_bytes(self.output_bytes()),
                fmt_bytes(budget.max_output)
            ));
            flags.push(format!(
                "--max-output {}",
                fmt_bytes(self.output_bytes() * 11 / 10).replace(' ', "")
            ));
        }
        if over.is_empty() {
            return None;
        }
        Some(format!(
            "{} would take {}; nothing was written. To go on, give --yes (or {}); or make it smaller (fewer --runs, strategies or plans, --shard K/N on several machines{})",
            self.what,
            over.join(" and "),
            flags.join(" and "),
            if self.files.iter().any(|f| f.0 == "sites.csv" && f.1 > 0) {
                ", --sites-csv off"
            } else {
                ""
            }
        ))
    }
}

/// CPU time for people: `0.04 CPU-seconds`, `12 CPU-minutes`, `7.9 CPU-hours`.
fn fmt_cpu(s: f64) -> String {
    if s < 1.0 {
        format!("{s:.3} CPU-seconds")
    } else if s < 10.0 {
        format!("{s:.2} CPU-seconds")
    } else if s < 60.0 {
        format!("{s:.0} CPU-seconds")
    } else if s < 3600.0 {
        format!("{:.0} CPU-minutes", s / 60.0)
    } else {
        format!("{:.1} CPU-hours", s / 3600.0)
    }
}

/// Elapsed time for people: `40 s`, `12 min`, `3.9 h`.
fn fmt_hours(s: f64) -> String {
    if s < 60.0 {
        format!("{s:.0} s")
    } else if s < 3600.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// A limit a little above `x`, short to write: two significant digits, up.
fn round_up(x: f64) -> String {
    let x = x * 1.1;
    if x <= 0.0 {
        return "0.01".into();
    }
    let mag = 10f64.powf(x.log10().floor() - 1.0);
    let v = (x / mag).ceil() * mag;
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    if s.is_empty() { "0.01".into() } else { s }
}

/// `1,000 replications × 5 strategies` (`one` and `many`: the word for
/// what each replication runs).
pub fn replications_times(replications: u64, n: usize, one: &str, many: &str) -> String {
    format!(
        "{} replication{} × {} {}",
        thousands(replications),
        if replications == 1 { "" } else { "s" },
        thousands(n as u64),
        if n == 1 { one } else { many }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_decimal_units() {
        assert_eq!(parse_size("10GB"), Ok(10_000_000_000));
        assert_eq!(parse_size("500 mb"), Ok(500_000_000));
        assert_eq!(parse_size("1.5TB"), Ok(1_500_000_000_000));
        assert_eq!(parse_size("123"), Ok(123));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5 PB").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn an_estimate_over_a_limit_says_how_to_go_on() {
        let p = Pilot {
            replications: 3,
            secs: 30.0,
            bytes: vec![("runs.csv".into(), 1000.0)],
        };
        let e = Estimate::new("compare: 1,000 replications × 5 strategies".into(), &p, 1000, 1000.0, 2);
        assert!((e.cpu_s - 30_000.0).abs() < 1e-6);
        assert_eq!(e.output_bytes(), 1_000_000);
        let why = e.refusal(&Budget::default()).expect("8.3 CPU-hours is over 1");
        assert!(why.contains("8.3 CPU-hours"), "{why}");
        assert!(why.contains("--yes") && why.contains("--max-cpu-hours 9.2"), "{why}");
        let yes = Budget {
            yes: true,
            ..Budget::default()
        };
        assert_eq!(e.refusal(&yes), None);
        let more = Budget::new(Some(9.0), None, false).unwrap();
        assert_eq!(e.refusal(&more), None);
        let small = Budget::new(Some(9.0), Some("500KB"), false).unwrap();
        assert!(e.refusal(&small).unwrap().contains("--max-output 1.1MB"));
    }

    #[test]
    fn a_short_first_replication_skips_the_rest_of_the_pilot() {
        let mut calls = Vec::new();
        let p = pilot(&["runs.csv"], 5, 1000, 1000.0, &Budget::default(), |i| {
            calls.push(i);
            Some((0.001, vec![10]))
        });
        assert_eq!(p, Some(None));
        assert_eq!(calls, [5]);
        // A tiny limit: the pilot goes on and reports, from the study's
        // own first replications.
        let tiny = Budget::new(None, Some("1KB"), false).unwrap();
        let mut calls = Vec::new();
        let p = pilot(&["runs.csv"], 5, 1000, 1000.0, &tiny, |i| {
            calls.push(i);
            Some((0.001, vec![10]))
        })
        .unwrap()
        .unwrap();
        assert_eq!(calls, [5, 6, 7]);
        assert_eq!(p.bytes, [("runs.csv".to_string(), 10.0)]);
    }
}

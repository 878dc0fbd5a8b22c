//! Command-line parsing (the only clap-aware code) and the commands. This
//! module and its children are the only code that touches files.
//!
//! **Errors.** Every command returns a [`CliError`]; `main` prints it and
//! picks the exit code from it alone: bad input and refusals of the
//! environment (a file in the way, a read-only folder, a full disk,
//! permission denied) exit 2 with a plain message, a closed standard
//! output ends the command quietly with 141, Ctrl-C with 130, and only a
//! bug (a panic, a broken invariant) is an "internal error" with 1. Output
//! to the terminal goes through [`outln!`] and [`out!`] (never
//! `println!`, which panics on a closed pipe), progress and notes through
//! [`errln!`], which ignores a closed standard error.

/// `println!` that cannot panic: a closed standard output (a pipe to
/// `head`) becomes [`CliError::BrokenPipe`]; use as `outln!(...)?`.
macro_rules! outln {
    () => {
        $crate::cli::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that cannot panic (see [`outln!`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*))
    };
}

/// `eprintln!` that cannot panic: a closed standard error is ignored (the
/// messages it carries are progress and notes; errors go through `main`).
#[allow(unused_macros)]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod fit;
mod fleet;
mod new;
mod optimise;
mod outdir;
mod report;
mod run;
mod study;

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use cutover::scenario::Scenario;

/// Simulate software upgrades of appliance fleets and compare strategies.
#[derive(Parser, Debug)]
#[command(name = "cutover", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Flags shared by `compare` and `sweep`.
#[derive(clap::Args, Debug, Clone)]
pub struct StudyFlags {
    /// Strategies to compare, comma-separated; all that the scenario enables when omitted.
    #[arg(long, value_delimiter = ',')]
    pub strategies: Option<Vec<String>>,
    /// Replications per strategy (with --ci-target: the least).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Master seed; the scenario's `seed` when omitted.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads; all cores when omitted. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Strategy the paired differences are taken against; the first when omitted.
    #[arg(long)]
    pub baseline: Option<String>,
    /// Output folder.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// No progress bar and no table.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write the numbers only, no charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Print the table and the bottom line when done (not when a report
    /// runs the comparison).
    #[arg(skip = true)]
    pub print_table: bool,
    #[command(flatten)]
    pub budget: BudgetFlags,
}

/// The limits of a long study: beyond them it is refused before it
/// starts, after an estimate from a few pilot replications.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct BudgetFlags {
    /// Go on whatever the estimate of CPU time and output says.
    #[arg(long)]
    pub yes: bool,
    /// Refuse a study estimated to take more CPU-hours than this (default 1).
    #[arg(long, value_name = "HOURS", allow_negative_numbers = true)]
    pub max_cpu_hours: Option<f64>,
    /// Refuse a study estimated to write more than this, e.g. 500MB, 10GB (default 10GB).
    #[arg(long, value_name = "SIZE")]
    pub max_output: Option<String>,
}

impl BudgetFlags {
    /// The budget, checked.
    pub fn budget(&self) -> Result<cutover::study::estimate::Budget, CliError> {
        cutover::study::estimate::Budget::new(self.max_cpu_hours, self.max_output.as_deref(), self.yes)
            .map_err(CliError::BadInput)
    }
}

/// What a fleet study writes of `sites.csv`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SitesCsv {
    /// One row per plan, replication and site.
    #[default]
    Full,
    /// No sites.csv: for huge fleets (runs.csv, the summaries, the charts
    /// and the report do not need it; `merge` joins shards run alike).
    Off,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one replication of one strategy (or one campaign of each plan of
    /// a fleet file); write events.csv, metrics.csv and the timeline.
    #[command(
        after_help = "Examples:\n  cutover run                                          # the built-in default, its first strategy\n  cutover run berlin.toml --strategy failover-async-dns  # one run: timeline.png, events.csv, metrics.csv\n  cutover run fleet.toml                               # one campaign of each plan of a fleet"
    )]
    Run {
        /// Scenario or fleet file (TOML); the built-in default when omitted.
        scenario: Option<PathBuf>,
        /// Strategy (runbook) to run; the scenario's first one when omitted.
        #[arg(long, short)]
        strategy: Option<String>,
        /// Master seed; the scenario's `seed` when omitted.
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder; `output/<scenario>/<strategy>/` when omitted.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Also log every session (arrival, connect, end) in events.csv.
        #[arg(long)]
        trace_sessions: bool,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Write no timeline chart.
        #[arg(long)]
        no_charts: bool,
        /// A fleet file's sites.csv: full (a row per plan and site) or off.
        #[arg(long, value_enum)]
        sites_csv: Option<SitesCsv>,
        #[command(flatten)]
        budget: BudgetFlags,
    },
    /// Compare strategies over many replications with common random numbers
    /// (or the plans of a fleet file); write runs.csv, summary.csv, diff.csv,
    /// the charts and manifest.json.
    #[command(
        after_help = "Examples:\n  cutover compare                                      # the built-in default, 1,000 runs per strategy\n  cutover compare berlin.toml --strategies failover-sync,failover-async-dns --runs 5000\n  cutover compare fleet.toml                           # a fleet file: 200 campaigns of each plan"
    )]
    Compare {
        /// Scenario or fleet file (TOML); the built-in default when omitted.
        scenario: Option<PathBuf>,
        #[command(flatten)]
        flags: StudyFlags,
        /// Add replications in batches until every mean's 95 % half-width is
        /// within this fraction of the mean (e.g. 0.05), or within its
        /// metric's absolute tolerance, or --max-runs.
        #[arg(long)]
        ci_target: Option<f64>,
        /// Metrics the precision target applies to, comma-separated; all when omitted.
        #[arg(long, value_delimiter = ',')]
        ci_metrics: Option<Vec<String>>,
        /// Absolute tolerances on a half-width, e.g. downtime_s=1,exposure_risk=1e-4
        /// (in the metric's unit); by default 1 s for times, 0.05 for counts,
        /// 0.005 for shares and ratios, 1e-5 for probabilities.
        #[arg(long, value_delimiter = ',')]
        ci_abs: Option<Vec<String>>,
        /// Cap on replications per strategy with --ci-target.
        #[arg(long, default_value_t = cutover::study::ci::DEFAULT_MAX_RUNS)]
        max_runs: u64,
        /// Run only shard K of N (contiguous replications), e.g. 2/8; merge the shards with `cutover merge`.
        #[arg(long)]
        shard: Option<String>,
        /// Skip the sensitivity study (sensitivity.csv, charts/sensitivity-*).
        #[arg(long)]
        no_sensitivity: bool,
        /// A fleet file's sites.csv: full (a row per plan, replication and site) or off.
        #[arg(long, value_enum)]
        sites_csv: Option<SitesCsv>,
    },
    /// Search a fleet file's [search] space for the plan with the best
    /// objective that meets the constraints (racing with common random
    /// numbers), check it on fresh seeds; write best-plan.toml, search.csv,
    /// verified.csv, the chart and manifest.json.
    #[command(
        after_help = "Examples:\n  cutover optimise fleet.toml                          # the default budget: 30 campaigns per plan of the space\n  cutover optimise fleet.toml --budget 2000 --delta 0.02 --out best\n  cutover optimise fleet.toml --exhaustive             # every plan at --verify campaigns, to measure the search against"
    )]
    Optimise {
        /// Fleet file (TOML) with a [search] table.
        fleet: PathBuf,
        #[command(flatten)]
        flags: optimise::OptimiseFlags,
    },
    /// Combine the folders of a sharded compare into the files an unsplit run writes.
    #[command(
        after_help = "Examples:\n  cutover compare site.toml --shard 1/2 --out part1   # on one machine\n  cutover compare site.toml --shard 2/2 --out part2   # on another\n  cutover merge part1 part2 --out whole              # the same bytes as one unsplit compare"
    )]
    Merge {
        /// Shard folders, in any order.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, short, required = true)]
        out: PathBuf,
    },
    /// Compare strategies at every point of a one- or two-parameter grid; write sweep.csv.
    #[command(
        after_help = "Examples:\n  cutover sweep berlin.toml --set site.data_gb=100,200,400,800\n  cutover sweep berlin.toml --set calendar.interim=12h,1d,3d --set network.dns_ttl=60s,1h"
    )]
    Sweep {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// A field and its values, e.g. `site.data_gb=50,200,800`; once or twice.
        #[arg(long = "set", required = true)]
        sets: Vec<String>,
        #[command(flatten)]
        flags: StudyFlags,
    },
    /// Write a change-board report (report.html, report.md, charts, and
    /// the one-page summary.pdf) from a compare folder, or run the
    /// comparison of a scenario or a fleet file first. Dated by
    /// SOURCE_DATE_EPOCH when set, else today (UTC).
    #[command(
        after_help = "Examples:\n  cutover report berlin.toml                  # compare, then report.html, report.md, summary.pdf\n  cutover report output/berlin/compare        # report on a compare folder already written\n  cutover report fleet.toml                   # a fleet file: the campaign report across plans"
    )]
    Report {
        /// A compare folder (one with manifest.json), a scenario file, or
        /// nothing for the built-in default.
        input: Option<PathBuf>,
        /// Output folder; the compare folder when omitted.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Replications per strategy when the comparison is run first.
        #[arg(long)]
        runs: Option<u64>,
        /// Master seed when the comparison is run first.
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads.
        #[arg(long)]
        threads: Option<usize>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
        /// Leave out the sensitivity study ("What would change the decision").
        #[arg(long)]
        no_sensitivity: bool,
        #[command(flatten)]
        budget: BudgetFlags,
    },
    /// Fit the workload (weekly profile, rates, durations) to a session
    /// export; write workload.toml, profile.csv and charts.
    #[command(
        after_help = "Examples:\n  cutover fit-workload sessions.csv --time-zone Europe/Berlin   # paste workload.toml into a scenario in Europe/Berlin\n  cutover fit-workload sessions.csv --from 2024-03-04 --to 2024-04-01"
    )]
    FitWorkload {
        /// Session export (CSV): columns start and end (ISO 8601 date-times),
        /// optionally kind (support or console); other columns are ignored.
        sessions: PathBuf,
        /// IANA time zone the profile is read in, and times without an offset
        /// (e.g. Europe/Paris); UTC when omitted.
        #[arg(long)]
        time_zone: Option<String>,
        /// Start of the export's window (a date, or a date-time); local
        /// midnight before the first session when omitted.
        #[arg(long)]
        from: Option<String>,
        /// End of the export's window (excluded); local midnight after the
        /// last session when omitted.
        #[arg(long)]
        to: Option<String>,
        /// Output folder; `output/<file stem>/fit-workload/` when omitted.
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Write no charts.
        #[arg(long)]
        no_charts: bool,
    },
    /// Check a scenario or a fleet file; exit 0 when valid, 2 with every
    /// problem when not.
    #[command(
        after_help = "Examples:\n  cutover validate berlin.toml     # every mistake at once, each at its line\n  cutover validate fleet.toml      # a fleet file and every site file it names"
    )]
    Validate {
        /// Scenario or fleet file (TOML).
        scenario: PathBuf,
    },
    /// Write a commented scenario to start from: it validates as written
    /// and says, field by field, what to change.
    #[command(
        after_help = "Examples:\n  cutover new pair --out berlin.toml     # then edit, and: cutover report berlin.toml\n  cutover new fleet --out fleet.toml     # writes fleet.toml and fleet-site.toml"
    )]
    New {
        /// What to describe: pair, single, atlas, pod, or fleet (with its site file).
        kind: new::Kind,
        /// The file to write; `<kind>.toml` in the current folder when
        /// omitted. Never overwritten.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// List the strategies (runbooks) and their steps.
    #[command(
        after_help = "Examples:\n  cutover strategies               # every built-in runbook and its steps\n  cutover strategies berlin.toml   # the scenario's strategies, resolved against its site"
    )]
    Strategies {
        /// Scenario file: its strategies, resolved against its site; every
        /// built-in runbook when omitted.
        scenario: Option<PathBuf>,
    },
}

/// An error with its exit code: the one type every command returns.
#[derive(Debug)]
pub enum CliError {
    /// Bad input: a scenario, a flag, a name, a results folder. Exit code 2.
    BadInput(String),
    /// The environment refused what the command needs: a file in the way,
    /// a read-only folder, a full disk, permission denied. Not a bug of
    /// cutover, nor of the input: exit code 2, a plain message.
    Environment(String),
    /// The standard output was closed by its reader (a pipe to `head`):
    /// the command ends quietly with exit code 141 (128 + SIGPIPE, as a
    /// command killed by the signal).
    BrokenPipe,
    /// A bug: an invariant broken, a chart that cannot be drawn. Exit code 1.
    Internal(String),
    /// Stopped by Ctrl-C; nothing was written. Exit code 130.
    Interrupted,
}

/// Exit code of a command whose standard output was closed.
pub const EXIT_BROKEN_PIPE: u8 = 141;

/// Longest word of an error message printed whole; a longer one (a path
/// of kilobytes) keeps its first and last parts.
const MAX_WORD_CHARS: usize = 240;

/// `word` cut in the middle when longer than [`MAX_WORD_CHARS`]: its first
/// and last parts (at a `/` where there is one), `…` between.
fn shorten_word(word: &str) -> String {
    let n = word.chars().count();
    if n <= MAX_WORD_CHARS {
        return word.to_string();
    }
    let head: String = word.chars().take(60).collect();
    let tail: String = word.chars().skip(n - 100).collect();
    let head = match head.rfind('/') {
        Some(i) if i > 0 => &head[..=i],
        _ => head.as_str(),
    };
    let tail = match tail.find('/') {
        Some(i) if i + 1 < tail.len() => &tail[i..],
        _ => tail.as_str(),
    };
    format!("{head}…{tail}")
}

/// `text` with every word longer than [`MAX_WORD_CHARS`] shortened.
fn shorten_long_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(1 << 12));
    for piece in text.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end_matches(char::is_whitespace);
        out.push_str(&shorten_word(word));
        out.push_str(&piece[word.len()..]);
    }
    out
}

/// A path for a message: whole, or its first and last parts when long.
pub fn shown(path: impl AsRef<Path>) -> String {
    shorten_word(&path.as_ref().display().to_string())
}

impl CliError {
    /// The message without its `error:` prefix.
    pub fn message(&self) -> String {
        match self {
            CliError::BadInput(m) | CliError::Environment(m) | CliError::Internal(m) => m.clone(),
            CliError::BrokenPipe => "the standard output was closed".into(),
            CliError::Interrupted => "interrupted".into(),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::BadInput(_) | CliError::Environment(_) => 2,
            CliError::BrokenPipe => EXIT_BROKEN_PIPE,
            CliError::Internal(_) => 1,
            CliError::Interrupted => 130,
        }
    }

    /// An I/O error while doing `what` (e.g. "cannot write out/runs.csv"):
    /// the environment's refusal, in plain words.
    pub fn io(what: impl fmt::Display, e: &std::io::Error) -> CliError {
        use std::io::ErrorKind as K;
        let why = match e.kind() {
            K::AlreadyExists => "a file of that name is in the way".to_string(),
            K::PermissionDenied => "permission denied".into(),
            K::ReadOnlyFilesystem => "the file system is read-only".into(),
            K::StorageFull => "no space left on the device".into(),
            K::QuotaExceeded => "the disk quota is used up".into(),
            K::FileTooLarge => "the file is too large for the file system".into(),
            K::NotADirectory => "a part of the path is a file, not a folder".into(),
            K::IsADirectory => "a folder is in the way".into(),
            K::NotFound => "no such file or folder".into(),
            K::DirectoryNotEmpty => "the folder is not empty".into(),
            K::BrokenPipe => "the reader closed the pipe".into(),
            _ => e.to_string(),
        };
        CliError::Environment(format!("{what}: {why}"))
    }

    /// An error of a step that failed with `e`: the environment's refusal
    /// when `e` is an I/O error (or a CSV error carrying one), else a bug.
    pub fn of(what: impl fmt::Display, e: impl fmt::Display + 'static) -> CliError {
        let any = &e as &dyn std::any::Any;
        if let Some(io) = any.downcast_ref::<std::io::Error>() {
            return CliError::io(what, io);
        }
        if let Some(c) = any.downcast_ref::<csv::Error>()
            && let csv::ErrorKind::Io(io) = c.kind()
        {
            return CliError::io(what, io);
        }
        CliError::Internal(format!("{what}: {e}"))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::BadInput(m) | CliError::Environment(m) => write!(f, "error: {}", shorten_long_words(m)),
            CliError::BrokenPipe => Ok(()),
            CliError::Internal(m) => write!(f, "internal error: {}", shorten_long_words(m)),
            CliError::Interrupted => write!(f, "interrupted: no output was written"),
        }
    }
}

/// Writes to the standard output (see [`outln!`]): a closed pipe is
/// [`CliError::BrokenPipe`], any other failure an environment error.
pub fn write_stdout(args: fmt::Arguments) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args).and_then(|()| out.flush()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::io("cannot write to the standard output", &e)
        }
    })
}

/// Writes to the standard error (see [`errln!`]), ignoring a failure.
pub fn write_stderr(args: fmt::Arguments) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// Parses the command line and runs the command.
pub fn run() -> Result<(), CliError> {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Help and version go to stdout with exit 0; usage errors exit 2.
            let code = e.exit_code();
            let _ = e.print();
            if code == 0 {
                return Ok(());
            }
            return Err(CliError::BadInput("see the usage above".into()));
        }
    };
    match cli.command {
        Command::Run {
            scenario: Some(path),
            strategy,
            seed,
            out,
            trace_sessions,
            quiet,
            no_charts,
            sites_csv,
            budget,
        } if fleet::is_fleet_file(&path) => {
            if strategy.is_some() || trace_sessions {
                return Err(CliError::BadInput(format!(
                    "{}: a fleet file: {} is for a site scenario (each site of a fleet uses the strategy its entry or plan names; `cutover run SITE.toml` traces one site)",
                    path.display(),
                    if trace_sessions {
                        "--trace-sessions"
                    } else {
                        "--strategy"
                    }
                )));
            }
            let flags = StudyFlags {
                strategies: None,
                runs: Some(1),
                seed,
                threads: None,
                baseline: None,
                out,
                quiet,
                no_charts,
                print_table: true,
                budget,
            };
            fleet::cmd_compare(
                &path,
                flags,
                &cutover::study::CiFlags::default(),
                None,
                true,
                sites_csv.unwrap_or_default(),
            )
            .map(|_| ())
        }
        Command::Run {
            scenario,
            strategy,
            seed,
            out,
            trace_sessions,
            quiet,
            no_charts,
            sites_csv,
            budget: _,
        } => {
            if sites_csv.is_some() {
                return Err(CliError::BadInput(
                    "--sites-csv is for fleet files (a site's run writes no sites.csv)".into(),
                ));
            }
            run::cmd_run(
                scenario.as_deref(),
                strategy,
                seed,
                out,
                trace_sessions,
                quiet,
                no_charts,
            )
        }
        Command::Compare {
            scenario,
            flags,
            ci_target,
            ci_metrics,
            ci_abs,
            max_runs,
            shard,
            no_sensitivity,
            sites_csv,
        } => {
            let ci = cutover::study::CiFlags {
                target: ci_target,
                metrics: ci_metrics,
                abs: ci_abs,
                max_runs,
            };
            match scenario.as_deref() {
                Some(p) if fleet::is_fleet_file(p) => {
                    fleet::cmd_compare(p, flags, &ci, shard, false, sites_csv.unwrap_or_default()).map(|_| ())
                }
                _ if sites_csv.is_some() => Err(CliError::BadInput(
                    "--sites-csv is for fleet files (a site comparison writes no sites.csv)".into(),
                )),
                _ => study::cmd_compare(scenario.as_deref(), flags, &ci, shard, !no_sensitivity).map(|_| ()),
            }
        }
        Command::New { kind, out } => new::cmd_new(kind, out),
        Command::Optimise { fleet, flags } => optimise::cmd_optimise(&fleet, flags),
        Command::Merge { dirs, out } => {
            let fleet_shards = dirs
                .first()
                .and_then(|d| outdir::read_manifest(d).ok())
                .is_some_and(|m| m.kind == "fleet");
            if fleet_shards {
                fleet::cmd_merge(&dirs, &out)
            } else {
                study::cmd_merge(&dirs, &out)
            }
        }
        Command::Report {
            input: Some(path),
            out,
            runs,
            seed,
            threads,
            quiet,
            budget,
            ..
        } if path.is_file() && fleet::is_fleet_file(&path) => {
            // A fleet's comparison writes its report: run it into --out.
            let flags = StudyFlags {
                strategies: None,
                runs,
                seed,
                threads,
                baseline: None,
                out,
                quiet,
                no_charts: false,
                print_table: true,
                budget,
            };
            let dir = fleet::cmd_compare(
                &path,
                flags,
                &cutover::study::CiFlags::default(),
                None,
                false,
                SitesCsv::Full,
            )?;
            if !quiet {
                outln!("report: {}", dir.join("report.html").display())?;
            }
            Ok(())
        }
        Command::Report {
            input,
            out,
            runs,
            seed,
            threads,
            quiet,
            no_sensitivity,
            budget,
        } => report::cmd_report(
            input.as_deref(),
            out,
            runs,
            seed,
            threads,
            quiet,
            !no_sensitivity,
            budget,
        ),
        Command::Sweep { scenario, .. } if fleet::is_fleet_file(&scenario) => Err(CliError::BadInput(format!(
            "{}: a fleet file: sweep varies a site scenario; compare a fleet's variants as [[plans]]",
            scenario.display()
        ))),
        Command::Sweep { scenario, sets, flags } => study::cmd_sweep(&scenario, &sets, flags),
        Command::FitWorkload {
            sessions,
            time_zone,
            from,
            to,
            out,
            no_charts,
        } => fit::cmd_fit_workload(&sessions, time_zone, [from, to], out, no_charts),
        Command::Validate { scenario } if fleet::is_fleet_file(&scenario) => fleet::cmd_validate(&scenario),
        Command::Validate { scenario } => {
            let s = load(Some(&scenario))?;
            outln!(
                "{}: valid ({} site, strategies: {})",
                scenario.display(),
                s.site.kind.name(),
                s.strategies.join(", ")
            )
        }
        Command::Strategies { scenario: Some(path) } if fleet::is_fleet_file(&path) => {
            Err(CliError::BadInput(format!(
                "{}: a fleet file: `cutover validate` lists its sites and plans; `cutover strategies SITE.toml` the strategies of one of its sites",
                path.display()
            )))
        }
        Command::Strategies { scenario: Some(path) } => {
            let s = load(Some(&path))?;
            out!("{}", cutover::report::terminal::strategies(&s))
        }
        Command::Strategies { scenario: None } => {
            out!("{}", cutover::report::terminal::builtins())
        }
    }
}

/// Largest scenario file read: the library's limit (2 MiB; the shipped ones
/// are a few kilobytes), so that a bigger file is refused without being read whole.
pub const MAX_SCENARIO_BYTES: u64 = cutover::scenario::MAX_SCENARIO_BYTES as u64;

/// Opens a file that must be a regular file (after following symbolic
/// links): a device such as `/dev/zero`, a pipe or a folder is refused
/// before it is read.
fn open_regular(path: &Path, what: &str) -> Result<std::fs::File, CliError> {
    let not_regular = || {
        CliError::BadInput(format!(
            "{}: not a regular file (a device, a pipe or a folder); {what} is read only from a regular file",
            path.display()
        ))
    };
    let cannot = |e: std::io::Error| CliError::BadInput(format!("{}: cannot read the file: {e}", path.display()));
    if !std::fs::metadata(path).map_err(cannot)?.is_file() {
        return Err(not_regular());
    }
    let f = std::fs::File::open(path).map_err(cannot)?;
    // Checked again on what was opened, in case the path changed meanwhile.
    if !f.metadata().map_err(cannot)?.is_file() {
        return Err(not_regular());
    }
    Ok(f)
}

/// Reads a whole regular file of at most `limit` bytes; bigger, or not a
/// regular file, is bad input naming the file.
fn read_limited(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, CliError> {
    let f = open_regular(path, what)?;
    let mut bytes = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::BadInput(format!("{}: cannot read the file: {e}", path.display())))?;
    if bytes.len() as u64 > limit {
        return Err(CliError::BadInput(format!(
            "{}: larger than {} MiB, the most cutover reads as {what}",
            path.display(),
            limit >> 20
        )));
    }
    Ok(bytes)
}

/// SHA-256 of a regular file, read in blocks (memory does not grow with it).
fn sha256_file(path: &Path) -> Result<String, CliError> {
    use sha2::{Digest, Sha256};
    let mut f = open_regular(path, "an output file")?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| CliError::BadInput(format!("{}: cannot read the file: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The scenario name a file gives when it has no `name`: its stem, with
/// every character a folder name may not hold replaced by `-` (so
/// `my plan.toml` is `my-plan`).
fn default_name(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let safe: String = safe.trim_start_matches('.').chars().take(100).collect();
    if safe.is_empty() { "scenario".into() } else { safe }
}

/// Reads a scenario file (or the built-in default) with its text.
fn load_text(path: Option<&Path>) -> Result<(Scenario, String), CliError> {
    let bad = |e: cutover::scenario::ScenarioError| CliError::BadInput(format!("invalid scenario\n{e}"));
    match path {
        None => Ok((
            Scenario::default_scenario(),
            cutover::scenario::DEFAULT_TOML.to_string(),
        )),
        Some(p) => {
            let bytes = read_limited(p, MAX_SCENARIO_BYTES, "a scenario")
                .map_err(|e| CliError::BadInput(format!("invalid scenario\n{}", e.message())))?;
            let text = String::from_utf8(bytes).map_err(|e| {
                CliError::BadInput(format!(
                    "invalid scenario\n{}: not UTF-8 text (byte {})",
                    p.display(),
                    e.utf8_error().valid_up_to()
                ))
            })?;
            let sc = Scenario::parse(&text, &p.display().to_string(), &default_name(p)).map_err(bad)?;
            Ok((sc, text))
        }
    }
}

/// `target` relative to the folder `base` (both must exist), e.g.
/// `../../scenarios/x.toml`; absolute when they share no root. `None`
/// when either cannot be resolved or the path is not UTF-8.
fn relative_path(base: &Path, target: &Path) -> Option<String> {
    let base = std::fs::canonicalize(base).ok()?;
    let target = std::fs::canonicalize(target).ok()?;
    let (b, t): (Vec<_>, Vec<_>) = (base.components().collect(), target.components().collect());
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return target.to_str().map(String::from);
    }
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c);
    }
    rel.to_str().map(String::from)
}

fn load(path: Option<&Path>) -> Result<Scenario, CliError> {
    load_text(path).map(|(s, _)| s)
}

/// Renders a chart and writes `NAME.svg` and `NAME.png` into `dir`.
fn write_chart(dir: &Path, name: &str, chart: &impl cutover::report::chart::Chart) -> Result<(), CliError> {
    let r = cutover::report::chart::render(chart).map_err(|e| CliError::Internal(format!("chart {name}: {e}")))?;
    write_atomic(&dir.join(format!("{name}.svg")), |w| w.write_all(r.svg.as_bytes()))?;
    write_atomic(&dir.join(format!("{name}.png")), |w| w.write_all(&r.png))?;
    Ok(())
}

/// A temporary file in `dir` (so that the final rename stays on one file
/// system), readable like any other output file (0644 less the umask's
/// usual bits, instead of the temporary file's private 0600).
fn temp_file(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut b = tempfile::Builder::new();
    b.prefix(".cutover-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o644));
    }
    b.tempfile_in(dir)
}

/// Writes a file atomically: into a temporary file beside it, then renamed.
/// A reader (or a crash) sees the old complete file or the new one, never half.
fn write_atomic(path: &Path, body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), CliError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| CliError::io(format!("cannot write {}", shown(path)), &e);
    let mut tmp = temp_file(dir).map_err(fail)?;
    {
        let mut buf = std::io::BufWriter::new(tmp.as_file_mut());
        body(&mut buf).map_err(fail)?;
        buf.flush().map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};

    #[test]
    fn refusals_of_the_environment_are_plain_errors_with_exit_code_2() {
        for (kind, says) in [
            (ErrorKind::AlreadyExists, "a file of that name is in the way"),
            (ErrorKind::PermissionDenied, "permission denied"),
            (ErrorKind::ReadOnlyFilesystem, "the file system is read-only"),
            (ErrorKind::StorageFull, "no space left on the device"),
            (ErrorKind::NotADirectory, "a part of the path is a file, not a folder"),
        ] {
            let e = CliError::of("cannot write out/runs.csv", Error::from(kind));
            assert_eq!(e.exit_code(), 2, "{kind:?}");
            assert_eq!(e.to_string(), format!("error: cannot write out/runs.csv: {says}"));
            // Inside a CSV error too.
            let csv_err = csv::Error::from(Error::from(kind));
            assert_eq!(CliError::of("write runs.csv", csv_err).exit_code(), 2, "{kind:?}");
        }
        // What is no I/O error stays a bug.
        let e = CliError::of("chart x", "no axis".to_string());
        assert_eq!(
            (e.exit_code(), e.to_string()),
            (1, "internal error: chart x: no axis".into())
        );
        assert_eq!(CliError::BrokenPipe.exit_code(), EXIT_BROKEN_PIPE);
        assert_eq!(CliError::BrokenPipe.to_string(), "");
    }

    #[test]
    fn long_paths_keep_their_first_and_last_parts() {
        let long = format!("/tmp/work/{}/out", vec!["x".repeat(100); 50].join("/"));
        let s = shown(Path::new(&long));
        assert!(s.starts_with("/tmp/work/") && s.contains('…'), "{s}");
        assert!(s.ends_with("…/out"), "{s}");
        assert!(s.chars().count() < 200, "{s}");
        assert_eq!(shown(Path::new("out/d")), "out/d");
        // Any long word of a message is cut the same way; the rest stays.
        let e = CliError::BadInput(format!("cannot use {long}: it is taken"));
        let text = e.to_string();
        assert!(
            text.starts_with("error: cannot use /tmp/work/…/") && text.ends_with("…/out: it is taken"),
            "{text}"
        );
        assert!(text.len() < 300, "{text}");
    }
}

//! Command-line parsing (the only clap-aware code) and the commands.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use cutover::export;
use cutover::model::calendar::WEEKDAYS;
use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};
use cutover::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN, SimDuration};

/// Simulate software upgrades of appliance fleets and compare strategies.
#[derive(Parser, Debug)]
#[command(name = "cutover", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one replication of one strategy; write events.csv and metrics.csv.
    Run {
        /// Scenario file (TOML); the built-in default when omitted.
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
    },
    /// Check a scenario file; exit 0 when valid, 2 with every problem when not.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
    },
    /// List the strategies (runbooks) and their steps.
    Strategies {
        /// Scenario file: its strategies, resolved against its site; every
        /// built-in runbook when omitted.
        scenario: Option<PathBuf>,
    },
}

/// An error with its exit code.
#[derive(Debug)]
pub enum CliError {
    /// Bad input: a scenario, a flag, a name. Exit code 2.
    BadInput(String),
    /// Something failed that is not the user's input (e.g. a disk error). Exit code 1.
    Internal(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::BadInput(_) => 2,
            CliError::Internal(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::BadInput(m) => write!(f, "error: {m}"),
            CliError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
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
            scenario,
            strategy,
            seed,
            out,
            trace_sessions,
            quiet,
        } => cmd_run(
            scenario.as_deref(),
            strategy,
            seed,
            out,
            trace_sessions,
            quiet,
        ),
        Command::Validate { scenario } => {
            let s = load(Some(&scenario))?;
            println!(
                "{}: valid ({} site, strategies: {})",
                scenario.display(),
                s.site.kind.name(),
                s.strategies.join(", ")
            );
            Ok(())
        }
        Command::Strategies {
            scenario: Some(path),
        } => {
            let s = load(Some(&path))?;
            print!("{}", describe_strategies(&s));
            Ok(())
        }
        Command::Strategies { scenario: None } => {
            print!("{}", describe_builtins());
            Ok(())
        }
    }
}

fn load(path: Option<&Path>) -> Result<Scenario, CliError> {
    match path {
        None => Ok(Scenario::default_scenario()),
        Some(p) => {
            Scenario::load(p).map_err(|e| CliError::BadInput(format!("invalid scenario\n{e}")))
        }
    }
}

fn describe_strategies(s: &Scenario) -> String {
    let mut out = String::new();
    for rb in &s.runbooks {
        out.push_str(&format!("{}\n  {}\n", rb.name, rb.summary));
        for (i, step) in rb.steps.iter().enumerate() {
            out.push_str(&format!("  {:>2}. {}\n", i + 1, step.describe(&s.site)));
        }
        out.push('\n');
    }
    out
}

/// Every built-in runbook, as written (groups and nodes unresolved).
fn describe_builtins() -> String {
    let mut out = String::from(
        "Built-in runbooks (give a scenario to see them resolved against its site):\n\n",
    );
    for rb in cutover::runbook::builtin() {
        out.push_str(&format!(
            "{} [{} site]\n  {}\n",
            rb.name, rb.site, rb.summary
        ));
        for (i, step) in rb.steps.iter().enumerate() {
            let mut args = Vec::new();
            for (k, v) in [
                ("node", &step.node),
                ("group", &step.group),
                ("method", &step.method),
                ("to", &step.to),
                ("primary", &step.primary),
                ("backup", &step.backup),
                ("duration", &step.duration),
                ("timeout", &step.timeout),
                ("what", &step.what),
            ] {
                if let Some(v) = v {
                    args.push(format!("{k}={v}"));
                }
            }
            if let Some(v) = &step.nodes {
                args.push(format!("nodes={}", v.join(",")));
            }
            if let Some(v) = step.value {
                args.push(format!("value={v}"));
            }
            if let Some(v) = step.wait {
                args.push(format!("wait={v}"));
            }
            let line = format!("  {:>2}. {} {}", i + 1, step.verb, args.join(" "));
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

fn cmd_run(
    path: Option<&Path>,
    strategy: Option<String>,
    seed: Option<u64>,
    out: Option<PathBuf>,
    trace_sessions: bool,
    quiet: bool,
) -> Result<(), CliError> {
    // Everything the user gave is checked before anything is written.
    let sc = load(path)?;
    let name = strategy.unwrap_or_else(|| sc.strategies[0].clone());
    let runbook = sc.strategy(&name).map_err(CliError::BadInput)?;
    let seed = seed.unwrap_or(sc.seed);
    let dir = out.unwrap_or_else(|| Path::new("output").join(&sc.name).join(&runbook.name));

    let result = simulate(
        &sc,
        runbook,
        seed,
        0,
        RunOptions {
            log_events: true,
            trace_sessions,
        },
    );
    if let Some(why) = result.metrics.conservation_error() {
        return Err(CliError::Internal(format!("conservation violated: {why}")));
    }

    std::fs::create_dir_all(&dir)
        .map_err(|e| CliError::Internal(format!("cannot create {}: {e}", dir.display())))?;
    let events_path = dir.join("events.csv");
    let metrics_path = dir.join("metrics.csv");
    write_atomic(&events_path, |w| export::write_events(w, &result.events))?;
    write_atomic(&metrics_path, |w| {
        export::write_metrics(w, &[(runbook.name.as_str(), seed, &result.metrics)])
    })?;
    if !quiet {
        print!("{}", summary(&sc, &runbook.name, seed, &result.metrics));
        println!(
            "wrote {} ({} events) and {}",
            events_path.display(),
            result.events.len(),
            metrics_path.display()
        );
    }
    Ok(())
}

/// Writes a file atomically: into a temporary file beside it, then renamed.
/// A reader (or a crash) sees the old complete file or the new one, never half.
fn write_atomic(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let fail =
        |e: std::io::Error| CliError::Internal(format!("cannot write {}: {e}", path.display()));
    let mut tmp = tempfile::Builder::new()
        .prefix(".cutover-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    {
        let mut buf = std::io::BufWriter::new(tmp.as_file_mut());
        body(&mut buf).map_err(fail)?;
        buf.flush().map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

fn human(ms: u64) -> String {
    SimDuration(ms - ms % 1000).to_string()
}

fn weekday_time(ms: u64, offset: u64) -> String {
    let abs = ms + offset;
    let day = (abs / MS_PER_DAY) % 7;
    let week = abs / (7 * MS_PER_DAY);
    format!(
        "{} {:02}:{:02} (week {})",
        WEEKDAYS[day as usize],
        (abs % MS_PER_DAY) / MS_PER_HOUR,
        (abs % MS_PER_HOUR) / MS_PER_MIN,
        week + 1
    )
}

fn summary(sc: &Scenario, strategy: &str, seed: u64, m: &cutover::metrics::Metrics) -> String {
    let mut s = String::new();
    s.push_str(&format!("{} / {strategy}, seed {seed}\n", sc.name));
    s.push_str(&format!(
        "  procedure         starts {}, takes {}; {} window(s), {} outside windows\n",
        weekday_time(m.procedure_start_ms, sc.calendar.start_offset_ms),
        human(m.procedure_ms),
        m.windows_used,
        human(m.window_overrun_ms)
    ));
    s.push_str(&format!("  downtime          {}\n", human(m.downtime_ms)));
    s.push_str(&format!(
        "  failed connects   {} ({} retries made)\n",
        m.failed_connects, m.retries
    ));
    s.push_str(&format!("  dropped sessions  {}\n", m.dropped_sessions));
    s.push_str(&format!(
        "  exposure          {} without failover (crash risk {:.4}%)\n",
        human(m.exposure_ms),
        m.exposure_risk * 100.0
    ));
    s.push_str(&format!(
        "  unsynced peak     {} records\n",
        m.unsynced_peak
    ));
    s.push_str(&format!(
        "  sessions          {} arrivals ({} reconnects), {} served, {} completed, {} active at end, over {}\n",
        m.arrivals,
        m.reconnects,
        m.served,
        m.completed,
        m.active_at_end,
        human(m.span_ms)
    ));
    s
}

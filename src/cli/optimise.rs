//! `cutover optimise FLEET`: the plan of the fleet's `[search]` space with
//! the best objective that meets the constraints, found by racing with
//! common random numbers and measured again on fresh seeds
//! ([`cutover::fleet::search::race`]).
//!
//! The folder holds `best-plan.toml` (a `[[plans]]` entry named
//! `optimised`), `search.csv` (a row per plan of the space),
//! `verified.csv` (the chosen plan, its runner-ups and the file's own
//! plans on fresh seeds), `charts/search.{svg,png}` and `manifest.json`
//! (kind `optimise`), written atomically as `compare` writes its own.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use cutover::export::{self, Manifest};
use cutover::fleet::Fleet;
use cutover::fleet::search::race::{self, Ending, Estimate, Race, Settings};
use cutover::fleet::search::{Search, plan_toml};
use cutover::results::MANIFEST_FORMAT;

use super::outdir::staged;
use super::study::{Progress, internal};
use super::{CliError, relative_path, write_atomic};

/// The flags of `cutover optimise`.
#[derive(clap::Args, Debug, Clone)]
pub(super) struct OptimiseFlags {
    /// Most campaigns the search runs, all plans together; 30 per plan of the space (at most 20,000) when omitted.
    #[arg(long)]
    pub budget: Option<u64>,
    /// Indifference zone: plans whose objectives differ by less than this share of the best are ties.
    #[arg(long, default_value_t = cutover::fleet::search::race::DEFAULT_DELTA)]
    pub delta: f64,
    /// Master seed; the fleet's `seed` when omitted.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads; all cores when omitted. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder; `output/<fleet>/optimise/` when omitted.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// No progress and no printed answer.
    #[arg(long, short)]
    pub quiet: bool,
    /// Fresh campaigns of each verified plan (not counted in the budget).
    #[arg(long, default_value_t = cutover::fleet::search::race::DEFAULT_VERIFY)]
    pub verify: u64,
    /// No search: every plan of the space at --verify fresh campaigns.
    #[arg(long)]
    pub exhaustive: bool,
    /// Write no chart.
    #[arg(long)]
    pub no_charts: bool,
}

/// Most replications `--budget` and `--verify` may ask for.
const MAX_REPLICATIONS: u64 = 10_000_000;

/// One verified plan: its name, its role and its estimates on fresh seeds.
struct Verified {
    name: String,
    role: &'static str,
    estimate: Estimate,
}

/// `cutover optimise FLEET`.
pub(super) fn cmd_optimise(path: &Path, flags: OptimiseFlags) -> Result<(), CliError> {
    let (mut fleet, sha) = super::fleet::load_fleet(path)?;
    let Some(search) = fleet.search.take() else {
        return Err(CliError::BadInput(format!(
            "{}: no [search] table: give the objective (minimise = \"campaign_s\"), the constraints (subject_to) and the values to try of the plan's fields (max_sites_per_window = [2, 4, 8])",
            path.display()
        )));
    };
    let k = search.candidates.len();
    let budget = flags.budget.unwrap_or_else(|| race::default_budget(k));
    if budget == 0 || budget > MAX_REPLICATIONS {
        return Err(CliError::BadInput(format!(
            "--budget {budget}: give from 1 to {MAX_REPLICATIONS} replications"
        )));
    }
    if !(flags.delta.is_finite() && (0.0..1.0).contains(&flags.delta)) {
        return Err(CliError::BadInput(format!(
            "--delta {}: give a share of the best objective from 0 to below 1 (0.01 is 1 %)",
            flags.delta
        )));
    }
    if flags.verify == 0 || flags.verify > MAX_REPLICATIONS {
        return Err(CliError::BadInput(format!(
            "--verify {}: give from 1 to {MAX_REPLICATIONS} replications",
            flags.verify
        )));
    }
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let workers = cutover::study::workers(flags.threads, cores).map_err(CliError::BadInput)?;
    let seed = flags.seed.unwrap_or(fleet.seed);
    let fresh = race::verification_seed(seed);
    let own = fleet.plans.len();
    fleet.plans.extend(search.candidates.iter().map(|c| c.plan.clone()));
    let dir = flags.out.clone().unwrap_or_else(|| {
        Path::new("output")
            .join(&fleet.name)
            .join(if flags.exhaustive { "exhaustive" } else { "optimise" })
    });
    let staging = staged(&dir, "optimise", Some(&sha))?;
    let out = staging.path().to_path_buf();
    super::study::install_interrupt_handler();
    let started = std::time::Instant::now();
    let stop = &super::study::INTERRUPTED;
    let verify_n = (1 + race::RUNNER_UPS).min(k) + own;
    let search_n = if flags.exhaustive {
        flags.verify * k as u64
    } else {
        budget.max(k as u64)
    };
    let mut bar = Progress::new(search_n + flags.verify * verify_n as u64, flags.quiet, "optimise");
    let mut tick = || bar.inc(1);
    let result = if flags.exhaustive {
        race::exhaustive(&fleet, &search, own, flags.verify, fresh, workers, stop, &mut tick)
    } else {
        let settings = Settings {
            budget,
            delta: flags.delta,
            seed,
            workers,
        };
        race::race(&fleet, &search, own, settings, stop, &mut tick)
    };
    let result = result.ok_or(CliError::Interrupted)?;
    // The chosen plan and its runner-ups, then the file's own plans, on
    // fresh seeds (in exhaustive mode the space's figures are already
    // fresh: only the file's plans are run).
    let ranking = result.ranking(&search);
    let top: Vec<usize> = ranking.iter().copied().take(1 + race::RUNNER_UPS).collect();
    let mut plans: Vec<usize> = Vec::new();
    if !flags.exhaustive {
        plans.extend(top.iter().map(|&i| own + i));
    }
    plans.extend(0..own);
    let figures = race::verify(&fleet, &search, &plans, flags.verify, fresh, workers, stop, &mut tick)
        .ok_or(CliError::Interrupted)?;
    if stop.load(Ordering::SeqCst) {
        return Err(CliError::Interrupted);
    }
    bar.finish();
    let mut figures = figures.into_iter();
    let mut verified: Vec<(usize, Verified)> = Vec::new();
    for (n, &i) in top.iter().enumerate() {
        let estimate = if flags.exhaustive {
            result.tried[i].estimate.clone()
        } else {
            figures
                .next()
                .ok_or_else(|| CliError::Internal("a verification is missing".into()))?
        };
        verified.push((
            i,
            Verified {
                name: search.candidates[i].name.clone(),
                role: if n == 0 { "chosen" } else { "runner-up" },
                estimate,
            },
        ));
    }
    let file_plans: Vec<Verified> = fleet.plans[..own]
        .iter()
        .zip(figures)
        .map(|(p, estimate)| Verified {
            name: p.name.clone(),
            role: "file plan",
            estimate,
        })
        .collect();
    // The answer: the first of the ranking whose fresh figures meet every
    // constraint; else the closest plan, with the constraint that binds.
    let answer = verified
        .iter()
        .find(|(_, v)| v.estimate.meets(&search))
        .map(|(i, _)| *i);
    let closest = verified
        .iter()
        .min_by(|a, b| {
            a.1.estimate
                .violation(&search)
                .total_cmp(&b.1.estimate.violation(&search))
                .then(
                    (search.objective.sign() * a.1.estimate.mean)
                        .total_cmp(&(search.objective.sign() * b.1.estimate.mean)),
                )
                .then(a.0.cmp(&b.0))
        })
        .map(|(i, _)| *i)
        .ok_or_else(|| CliError::Internal("no plan was verified".into()))?;
    let pick = answer.unwrap_or(closest);
    let pick_v = &verified
        .iter()
        .find(|(i, _)| *i == pick)
        .ok_or_else(|| CliError::Internal("the chosen plan was not verified".into()))?
        .1;
    let best = best_plan(&fleet, &search, pick, pick_v, answer.is_some(), seed, flags.verify);
    write_atomic(&out.join("best-plan.toml"), |w| w.write_all(best.as_bytes()))?;
    write_atomic(&out.join("search.csv"), |w| write_search_csv(w, &search, &result))?;
    let mut all: Vec<&Verified> = verified.iter().map(|(_, v)| v).collect();
    all.extend(&file_plans);
    write_atomic(&out.join("verified.csv"), |w| write_verified_csv(w, &search, &all))?;
    if !flags.no_charts {
        let charts = out.join("charts");
        std::fs::create_dir_all(&charts).map_err(|e| internal(&format!("cannot create {}", charts.display()), e))?;
        let chart = cutover::report::optimise::SearchChart::new(&search, &result, pick);
        let r = cutover::report::chart::render(&chart).map_err(|e| internal("chart search", e))?;
        write_atomic(&charts.join("search.svg"), |w| w.write_all(r.svg.as_bytes()))?;
        write_atomic(&charts.join("search.png"), |w| w.write_all(&r.png))?;
    }
    let answer_words = answer_text(
        &fleet,
        &search,
        &result,
        pick,
        answer.is_some(),
        &verified,
        &file_plans,
        budget,
        flags.verify,
    );
    let report = report_md(&fleet, &answer_words, !flags.no_charts);
    write_atomic(&out.join("report.md"), |w| w.write_all(report.as_bytes()))?;
    let manifest = Manifest {
        tool: "cutover".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        kind: "optimise".into(),
        command: std::env::args().collect(),
        scenario: fleet.name.clone(),
        scenario_file: Some(path.display().to_string()),
        scenario_sha256: sha,
        seed,
        strategies: all.iter().map(|v| v.name.clone()).collect(),
        baseline: search.candidates[pick].name.clone(),
        runs: result.spent,
        first_replication: 0,
        replications: result.spent,
        shard: None,
        thresholds: Vec::new(),
        ci_target: None,
        files: staging.hashes()?,
        format: MANIFEST_FORMAT,
        scenario_path: relative_path(&dir, path),
    };
    write_atomic(&out.join("manifest.json"), |w| export::write_manifest(w, &manifest))?;
    staging.commit(&[])?;
    if !flags.quiet {
        let secs = started.elapsed().as_secs_f64();
        out!("{answer_words}")?;
        outln!("in {secs:.1} s")?;
        outln!(
            "wrote {}/{{best-plan.toml, search.csv, verified.csv, report.md}}, charts/search.png and manifest.json",
            dir.display()
        )?;
    }
    Ok(())
}

/// `report.md`: the answer as printed, the search chart, and how the
/// answer was reached, for a change record.
fn report_md(fleet: &Fleet, answer: &str, chart: bool) -> String {
    let mut s = format!("# Plan search: {}\n\n", fleet.name);
    if !fleet.description.is_empty() {
        s.push_str(&format!("{}\n\n", fleet.description));
    }
    s.push_str("## The answer\n\n```text\n");
    s.push_str(answer.trim_end());
    s.push_str("\n```\n\n");
    if chart {
        s.push_str(
            "## The trade\n\n![Each plan's objective against the constraint most plans miss, with the Pareto front](charts/search.png)\n\n",
        );
    }
    s.push_str(
        "## How it was found\n\nThe plans of the fleet file's `[search]` raced on the same random draws (common random numbers): \
         every plan a few campaigns, then twice as many for the plans still in the race, a plan leaving when a constraint is broken \
         beyond doubt or when it is clearly worse than the leader, until the leader is within the indifference zone of every plan left \
         or the budget is spent. The figures above are those of fresh campaigns, on seeds the search never used: the best of many noisy \
         estimates is biased in its favour, the fresh ones are not. `search.csv` holds every plan tried, `verified.csv` the fresh figures, \
         `best-plan.toml` the plan ready to paste. The method and its guarantee: docs/model.md, \"Choosing the plan\".\n",
    );
    s
}

/// A number for the CSV files: six decimals, empty when not finite.
fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.6}")
    } else {
        String::new()
    }
}

/// A number in words: about four significant digits.
fn short(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let a = x.abs();
    if a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.3}")
    }
}

/// A figure of campaign metric `metric` in words: times in days, other
/// values as [`short`] writes them.
fn fig(metric: usize, x: f64) -> String {
    let unit = cutover::fleet::table::CAMPAIGN_METRICS[metric].unit;
    if x.is_finite() && unit == cutover::metrics::Unit::Seconds {
        format!("{:.2} d", x / 86_400.0)
    } else {
        short(x)
    }
}

/// `best-plan.toml`: a comment saying where it comes from and what it
/// gives on fresh seeds, then the `[[plans]]` entry named `optimised`.
fn best_plan(fleet: &Fleet, search: &Search, pick: usize, v: &Verified, meets: bool, seed: u64, runs: u64) -> String {
    use std::fmt::Write as _;
    let c = &search.candidates[pick];
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# cutover optimise of {}, seed {seed}: {} {} ({} of the space)",
        fleet.name,
        if search.objective.maximise {
            "maximise"
        } else {
            "minimise"
        },
        search.objective.name(),
        c.name
    );
    for k in &search.constraints {
        let _ = writeln!(s, "#   subject to {}", k.text);
    }
    if !meets {
        let _ = writeln!(
            s,
            "# NO plan of the space met every constraint on fresh seeds: this is the closest."
        );
    }
    let _ = writeln!(
        s,
        "# On {runs} fresh campaigns (seeds the search never used): {} mean {} [{} to {}]",
        search.objective.name(),
        fig(search.objective.metric, v.estimate.mean),
        fig(search.objective.metric, v.estimate.ci_low),
        fig(search.objective.metric, v.estimate.ci_high)
    );
    for (k, j) in search.constraints.iter().zip(&v.estimate.constraints) {
        let _ = writeln!(
            s,
            "#   {}: {} [{} to {}] {}",
            k.text,
            fig(k.metric, j.value),
            fig(k.metric, j.low),
            fig(k.metric, j.high),
            if k.met_by(j.value) { "met" } else { "MISSED" }
        );
    }
    let desc = format!(
        "Found by cutover optimise ({}): {}",
        c.name,
        search
            .fields
            .iter()
            .zip(&c.settings)
            .map(|(f, v)| format!("{f} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    s.push_str(&plan_toml(
        "optimised",
        &desc,
        &c.plan,
        &c.strategies,
        fleet.sites.len(),
    ));
    s
}

fn csv_err(e: csv::Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// `search.csv`: a row per plan of the space, in space order.
fn write_search_csv(w: &mut dyn std::io::Write, search: &Search, race: &Race) -> std::io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    let mut header: Vec<String> = vec!["plan".into()];
    header.extend(search.fields.iter().cloned());
    header.extend(
        [
            "replications",
            "objective_mean",
            "objective_ci95_low",
            "objective_ci95_high",
        ]
        .map(String::from),
    );
    header.extend(search.constraints.iter().map(|k| k.text.clone()));
    header.extend(["feasible", "eliminated_at", "eliminated_by"].map(String::from));
    c.write_record(&header).map_err(csv_err)?;
    for (cand, t) in search.candidates.iter().zip(&race.tried) {
        let e = &t.estimate;
        let mut row: Vec<String> = vec![cand.name.clone()];
        row.extend(cand.settings.iter().cloned());
        row.push(e.replications.to_string());
        row.extend([num(e.mean), num(e.ci_low), num(e.ci_high)]);
        row.extend(e.constraints.iter().map(|j| num(j.value)));
        row.push(e.feasible_word(search).into());
        match &t.eliminated {
            Some((n, why)) => row.extend([n.to_string(), why.clone()]),
            None => row.extend([String::new(), String::new()]),
        }
        c.write_record(&row).map_err(csv_err)?;
    }
    c.flush()
}

/// `verified.csv`: the verified plans on fresh seeds.
fn write_verified_csv(w: &mut dyn std::io::Write, search: &Search, all: &[&Verified]) -> std::io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    let mut header: Vec<String> = [
        "plan",
        "role",
        "replications",
        "objective_mean",
        "objective_ci95_low",
        "objective_ci95_high",
    ]
    .map(String::from)
    .to_vec();
    for k in &search.constraints {
        header.extend([
            k.text.clone(),
            format!("{} ci95_low", k.text),
            format!("{} ci95_high", k.text),
        ]);
    }
    header.push("meets_constraints".into());
    c.write_record(&header).map_err(csv_err)?;
    for v in all {
        let e = &v.estimate;
        let mut row = vec![
            v.name.clone(),
            v.role.to_string(),
            e.replications.to_string(),
            num(e.mean),
            num(e.ci_low),
            num(e.ci_high),
        ];
        for j in &e.constraints {
            row.extend([num(j.value), num(j.low), num(j.high)]);
        }
        row.push(if e.meets(search) { "yes" } else { "no" }.into());
        c.write_record(&row).map_err(csv_err)?;
    }
    c.flush()
}

/// The printed answer: the search in one line, the plan, its fresh
/// figures and what it trades against the file's own plans.
#[allow(clippy::too_many_arguments)]
fn answer_text(
    fleet: &Fleet,
    search: &Search,
    race: &Race,
    pick: usize,
    meets: bool,
    verified: &[(usize, Verified)],
    file_plans: &[Verified],
    budget: u64,
    runs: u64,
) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let k = search.candidates.len();
    let ending = match race.ending {
        Ending::Separated => "the best was separated from the rest",
        Ending::Budget => "the budget was spent",
        Ending::NoneFeasible => "every plan broke a constraint",
        Ending::LastOne => "one plan was left",
    };
    let _ = writeln!(
        s,
        "{}: {k} plans searched with {} campaigns in {} round{} (budget {budget}; every plan at {runs}: {}); stopped because {ending}",
        fleet.name,
        race.spent,
        race.rounds,
        if race.rounds == 1 { "" } else { "s" },
        runs * k as u64
    );
    let c = &search.candidates[pick];
    let v = &verified.iter().find(|(i, _)| *i == pick).expect("verified").1;
    if meets {
        let _ = writeln!(s, "\nThe plan: {} (best-plan.toml names it optimised)", c.name);
    } else {
        let (binding, _) = v.estimate.worst(search).unwrap_or((0, 0.0));
        let _ = writeln!(
            s,
            "\nNo plan of the space meets every constraint on fresh seeds. The binding constraint: {}. The closest plan: {} (best-plan.toml)",
            search.constraints.get(binding).map_or("-", |k| k.text.as_str()),
            c.name
        );
    }
    for (f, val) in search.fields.iter().zip(&c.settings) {
        let _ = writeln!(s, "  {f} = {val}");
    }
    let _ = writeln!(s, "\nOn {runs} fresh campaigns (seeds the search never used):");
    let line = |s: &mut String, v: &Verified| {
        let e = &v.estimate;
        let mut cells = vec![format!(
            "{} {}",
            search.objective.name(),
            fig(search.objective.metric, e.mean)
        )];
        for (kk, j) in search.constraints.iter().zip(&e.constraints) {
            cells.push(format!(
                "{} {}{}",
                kk.text.split(['<', '>']).next().unwrap_or("").trim(),
                fig(kk.metric, j.value),
                if kk.met_by(j.value) { "" } else { " (missed)" }
            ));
        }
        let _ = writeln!(s, "  {:<16} {:<10} {}", v.name, v.role, cells.join(", "));
    };
    for (_, v) in verified {
        line(&mut s, v);
    }
    if !file_plans.is_empty() {
        let _ = writeln!(s, "\nAgainst the file's own plans (the same fresh campaigns):");
        for f in file_plans {
            line(&mut s, f);
        }
        let base = v.estimate.mean;
        let better = file_plans.iter().filter(|f| f.estimate.meets(search)).min_by(|a, b| {
            (search.objective.sign() * a.estimate.mean).total_cmp(&(search.objective.sign() * b.estimate.mean))
        });
        if let Some(f) = better {
            let change = if f.estimate.mean != 0.0 {
                (base - f.estimate.mean) / f.estimate.mean.abs() * 100.0
            } else {
                0.0
            };
            let _ = writeln!(
                s,
                "  {} {}: {:+.1} % against {}, the best of the file's plans that meets the constraints",
                search.objective.name(),
                fig(search.objective.metric, base),
                change,
                f.name
            );
        } else {
            let _ = writeln!(
                s,
                "  none of the file's plans meets every constraint on these campaigns"
            );
        }
    }
    s
}

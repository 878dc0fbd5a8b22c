//! `cutover fit-workload`: sessions drawn from known parameters by a
//! generator independent of the fit (thinning of a homogeneous Poisson
//! process on the real timeline, the local hour read with the zone
//! database), written as a CSV export, fitted by the library and by the
//! binary; the fitted weekly count, medians and p95s against the truth; bad
//! exports refused by line; the written `workload.toml` accepted by a
//! scenario; the shipped example and the book's output of it (docs/src/workload.md).
//!
//! The example export and the book's block are regenerated with
//!
//!     CUTOVER_BLESS=1 cargo test --test it fit

use std::path::{Path, PathBuf};
use std::process::Output;

use cutover::fit::{self, Window, WorkloadFit};
use cutover::model::dist::Dist;
use jiff::Timestamp;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1};

use crate::cutover;

/// Known parameters of a site's workload.
struct Truth {
    days: [f64; 7],
    hours: [f64; 24],
    /// Arrivals per hour at multiplier 1: support, console.
    rates: [f64; 2],
    /// Lognormal durations (median, p95) in seconds: support, console.
    durations: [(f64, f64); 2],
}

impl Truth {
    /// The scenario defaults: weekdays busy, weekends quiet, business hours.
    fn defaults() -> Truth {
        Truth {
            days: cutover::scenario::validate::DEFAULT_DAYS,
            hours: cutover::scenario::validate::DEFAULT_HOURS,
            rates: [30.0, 2.0],
            durations: [(12.0 * 60.0, 3600.0), (3.0 * 3600.0, 8.0 * 3600.0)],
        }
    }

    fn per_week(&self) -> f64 {
        (self.rates[0] + self.rates[1]) * self.days.iter().sum::<f64>() * self.hours.iter().sum::<f64>()
    }
}

/// How the export writes its times.
#[derive(Clone, Copy, PartialEq)]
enum Times {
    /// `2024-03-04T09:15:00.123+01:00`.
    WithOffset,
    /// `2024-03-04 09:15:00.123`, local time in the zone.
    Local,
}

/// Draws sessions from `truth` between the instants `from` and `to`: a
/// homogeneous Poisson process at the peak rate, each arrival kept with
/// probability days[d] × hours[h] of its local weekday and hour (thinning),
/// a kind by the rates' shares, a lognormal duration. Returns the CSV
/// (with an ignored `id` column first) and the sessions per kind.
fn export(truth: &Truth, zone: &str, [from, to]: [&str; 2], times: Times, seed: u64) -> (String, [usize; 2]) {
    let tz = fit::time_zone(zone).unwrap();
    let from: Timestamp = from.parse().unwrap();
    let to: Timestamp = to.parse().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let total = truth.rates[0] + truth.rates[1];
    let per_ms = total / 3_600_000.0;
    let end = to.as_millisecond() as f64;
    let durations = truth.durations.map(|(m, p)| Dist::lognormal(m * 1000.0, p * 1000.0));
    let fmt = match times {
        Times::WithOffset => "%Y-%m-%dT%H:%M:%S%.3f%:z",
        Times::Local => "%Y-%m-%d %H:%M:%S%.3f",
    };
    let mut csv = String::from("id,start,end,kind,client\n");
    let mut t = from.as_millisecond() as f64;
    let mut counts = [0usize; 2];
    let mut id = 0;
    loop {
        let e: f64 = Exp1.sample(&mut rng);
        t += e / per_ms;
        if t >= end {
            break;
        }
        let start = Timestamp::from_millisecond(t as i64).unwrap();
        let local = start.to_zoned_datetime(tz.clone());
        let d = local.weekday().to_monday_zero_offset() as usize;
        let h = local.hour() as usize;
        let keep: f64 = rng.random();
        if keep >= truth.days[d] * truth.hours[h] {
            continue;
        }
        let u: f64 = rng.random();
        let k = if u < truth.rates[0] / total { 0 } else { 1 };
        let ms = durations[k].sample(&mut rng).0.max(1);
        let stop = Timestamp::from_millisecond(t as i64 + ms as i64).unwrap();
        id += 1;
        counts[k] += 1;
        csv.push_str(&format!(
            "{id},{},{},{},c{}\n",
            local.strftime(fmt),
            stop.to_zoned_datetime(tz.clone()).strftime(fmt),
            ["support", "console"][k],
            id % 17
        ));
    }
    (csv, counts)
}

/// Four weeks from Monday 4 March 2024, UTC.
const UTC_WEEKS: [&str; 2] = ["2024-03-04T00:00:00Z", "2024-04-01T00:00:00Z"];
/// Four weeks of Paris local time around the change of 31 March 2024
/// (02:00 → 03:00): 671 hours.
const PARIS_WEEKS: [&str; 2] = ["2024-03-11T00:00:00+01:00", "2024-04-08T00:00:00+02:00"];

fn fit_text(csv: &str, zone: &str) -> Result<WorkloadFit, String> {
    let tz = fit::time_zone(zone).map_err(|e| e.0)?;
    let s = fit::read_sessions(csv.as_bytes(), "sessions.csv", &tz).map_err(|e| e.0)?;
    fit::fit(&s, Window::default()).map_err(|e| e.0)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The `[workload]` of a `workload.toml`, parsed as a scenario.
fn scenario_of(toml: &str) -> cutover::scenario::Scenario {
    crate::scenario(toml)
}

/// Checks a fit against the truth: the weekly count within 5 %, each
/// kind's median within 10 % and p95 within 15 %, and the profile's
/// goodness of fit where a correct model puts it.
///
/// Why these tolerances hold for any seed: with N sessions the fitted
/// weekly count has a relative standard error of 1/√N (about 1 % for the
/// 9,000 sessions here: 5 % is 4.7 of them); the lognormal median's is σ/√n
/// (support: σ = 0.98, n ≈ 8,400: 1.1 %; console: σ = 0.60, n ≈ 570: 2.5 %,
/// so 10 % is 4 of them); the p95's is about σ·√(1 + 1.645²/2)/√n = 1.53σ/√n
/// (console 3.8 %: 15 % is 3.9 of them). Under the true model the Pearson
/// chi-square per degree of freedom is 1 ± √(2/138) = 1 ± 0.12, so
/// [0.6, 1.4] is more than 3 standard deviations either side.
fn check_recovery(f: &WorkloadFit, truth: &Truth, counts: [usize; 2]) -> String {
    let weeks = f.weeks();
    let per_week = f.profile.per_week();
    let true_week = truth.per_week();
    let mut report = format!(
        "{} sessions over {weeks:.3} weeks: {per_week:.1} a week fitted, {true_week:.1} true ({:+.2} %)",
        f.sessions,
        100.0 * (per_week / true_week - 1.0)
    );
    assert!((per_week / true_week - 1.0).abs() < 0.05, "{report}");
    assert_eq!(f.sessions, counts[0] + counts[1]);
    for (i, k) in f.kinds.iter().enumerate() {
        assert_eq!(k.sessions, counts[i]);
        let d = k
            .durations
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", k.kind.name()));
        let (m, p) = truth.durations[i];
        report.push_str(&format!(
            "; {}: rate {:.3} (true {}), median {:.0} s (true {m}, {:+.2} %), p95 {:.0} s (true {p}, {:+.2} %), KS {:.4} (x sqrt(n) {:.3})",
            k.kind.name(),
            k.rate_per_hour,
            truth.rates[i],
            d.median_s,
            100.0 * (d.median_s / m - 1.0),
            d.p95_s,
            100.0 * (d.p95_s / p - 1.0),
            d.ks,
            d.ks * (k.sessions as f64).sqrt()
        ));
        assert!((d.median_s / m - 1.0).abs() < 0.10, "{report}");
        assert!((d.p95_s / p - 1.0).abs() < 0.15, "{report}");
    }
    let p = &f.profile;
    let chi = p.pearson / p.df as f64;
    report.push_str(&format!(
        "; chi-square/df {chi:.3}, deviance/df {:.3}, {} of {} cells outside their band",
        p.deviance / p.df as f64,
        p.outside,
        p.cells
    ));
    assert!((0.6..1.4).contains(&chi), "{report}");
    assert!(p.outside <= 17, "{report}");
    report
}

/// The fitted numbers as `workload.toml` writes them, read back through a scenario.
fn check_toml(toml: &str, truth: &Truth) {
    let sc = scenario_of(toml);
    let w = &sc.workload;
    let per_week = (w.support.rate_per_hour + w.console.rate_per_hour) * w.profile.iter().sum::<f64>();
    assert!(
        (per_week / truth.per_week() - 1.0).abs() < 0.05,
        "{per_week} vs {}",
        truth.per_week()
    );
    for (spec, (m, _)) in [(&w.support, truth.durations[0]), (&w.console, truth.durations[1])] {
        match spec.duration {
            Dist::LogNormal { median_ms, .. } => assert!((median_ms / 1000.0 / m - 1.0).abs() < 0.10),
            ref other => panic!("{other:?}"),
        }
    }
}

fn run_binary(dir: &Path, csv: &str, zone: &str, truth: &Truth) -> String {
    std::fs::write(dir.join("sessions.csv"), csv).unwrap();
    let o = cutover(
        dir,
        &["fit-workload", "sessions.csv", "--time-zone", zone, "--out", "fit"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let toml = std::fs::read_to_string(dir.join("fit/workload.toml")).unwrap();
    check_toml(&toml, truth);
    let out = stdout(&o);
    for needle in [
        "deviance/df",
        "outside their Poisson 95 % band",
        "Kolmogorov-Smirnov",
        "weeks",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    toml
}

#[test]
fn fit_recovers_known_parameters_in_utc() {
    let truth = Truth::defaults();
    let (csv, counts) = export(&truth, "UTC", UTC_WEEKS, Times::WithOffset, 1);
    let f = fit_text(&csv, "UTC").unwrap();
    let report = check_recovery(&f, &truth, counts);
    eprintln!("UTC: {report}");
    assert_eq!(f.weeks(), 4.0);
    let tmp = tempfile::tempdir().unwrap();
    let toml = run_binary(tmp.path(), &csv, "UTC", &truth);
    assert_eq!(toml, f.toml, "the binary writes what the library fits");
    assert!(!toml.contains("local time; a scenario reads them in UTC"));
}

#[test]
fn fit_recovers_known_parameters_across_a_daylight_saving_change() {
    // Four weeks in Paris local time around the change of 31 March 2024
    // (02:00 → 03:00), written without offsets and read in the zone.
    let truth = Truth::defaults();
    let (csv, counts) = export(&truth, "Europe/Paris", PARIS_WEEKS, Times::Local, 2);
    let f = fit_text(&csv, "Europe/Paris").unwrap();
    let report = check_recovery(&f, &truth, counts);
    eprintln!("Europe/Paris: {report}");
    // The week of the change has 167 hours; Sunday 02:00 happened three times, not four.
    assert_eq!(f.weeks(), 671.0 / 168.0);
    assert_eq!(f.profile.exposure[6 * 24 + 2], 3.0);
    assert_eq!(f.profile.exposure[6 * 24 + 3], 4.0);
    let tmp = tempfile::tempdir().unwrap();
    let toml = run_binary(tmp.path(), &csv, "Europe/Paris", &truth);
    assert_eq!(toml, f.toml);
    assert!(
        toml.contains("Europe/Paris local time: paste them into a scenario whose calendar\n# is in Europe/Paris"),
        "{toml}"
    );
    // The same sessions written with offsets fit the same; read in UTC, the
    // profile moves by one hour in the last weeks and two before: it fits worse.
    let (with_offsets, _) = export(&truth, "Europe/Paris", PARIS_WEEKS, Times::WithOffset, 2);
    let g = fit_text(&with_offsets, "Europe/Paris").unwrap();
    assert_eq!(g.profile, f.profile);
    let utc = fit_text(&with_offsets, "UTC").unwrap();
    assert!(
        utc.profile.pearson > f.profile.pearson * 1.2,
        "{} vs {}",
        utc.profile.pearson,
        f.profile.pearson
    );
}

/// The shipped example export: four weeks of a small site in Paris around
/// the spring change, 2 support sessions an hour and 0.25 console sessions
/// at multiplier 1, the default profile and durations.
fn example_export() -> String {
    let truth = Truth {
        rates: [2.0, 0.25],
        ..Truth::defaults()
    };
    export(&truth, "Europe/Paris", PARIS_WEEKS, Times::WithOffset, 7).0
}

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn bless() -> bool {
    std::env::var_os("CUTOVER_BLESS").is_some()
}

/// Replaces the text between `<!-- NAME: begin -->` and `<!-- NAME: end -->`.
fn between(text: &str, name: &str) -> Option<(usize, usize)> {
    let begin = format!("<!-- {name}: begin -->\n");
    let start = text.find(&begin)? + begin.len();
    let end = start + text[start..].find(&format!("<!-- {name}: end -->"))?;
    Some((start, end))
}

#[test]
fn the_example_export_is_what_its_generator_makes() {
    let path = repo("examples/sessions.csv");
    let want = example_export();
    if bless() {
        std::fs::write(&path, &want).unwrap();
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "examples/sessions.csv differs from its generator (CUTOVER_BLESS=1 rewrites it)"
    );
    let rows = want.lines().count() - 1;
    assert!((300..1000).contains(&rows), "{rows} rows");
}

#[test]
fn the_readme_shows_the_example_fit_as_the_binary_prints_it() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("examples")).unwrap();
    std::fs::write(tmp.path().join("examples/sessions.csv"), example_export()).unwrap();
    let o = cutover(
        tmp.path(),
        &["fit-workload", "examples/sessions.csv", "--time-zone", "Europe/Paris"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = tmp.path().join("output/sessions/fit-workload");
    let toml = std::fs::read_to_string(dir.join("workload.toml")).unwrap();
    let blocks = [
        (
            "fit-workload output",
            format!(
                "```text\n$ cutover fit-workload examples/sessions.csv --time-zone Europe/Paris\n{}```\n",
                stdout(&o)
            ),
        ),
        ("fit-workload toml", format!("```toml\n{toml}```\n")),
    ];
    let path = repo("docs/src/workload.md");
    let mut readme = std::fs::read_to_string(&path).unwrap();
    for (name, want) in &blocks {
        let (a, b) = between(&readme, name).unwrap_or_else(|| panic!("docs/src/workload.md has no {name} block"));
        if bless() {
            readme.replace_range(a..b, want);
        } else {
            assert!(
                readme[a..b] == *want,
                "docs/src/workload.md's {name} block is not what the binary gives (CUTOVER_BLESS=1 rewrites it); it should read:\n{want}"
            );
        }
    }
    if bless() {
        std::fs::write(&path, &readme).unwrap();
        // The book's pictures of the example.
        for stem in ["fit-profile", "fit-durations"] {
            std::fs::copy(
                dir.join(format!("charts/{stem}.png")),
                repo(&format!("docs/src/img/{stem}.png")),
            )
            .unwrap();
        }
    }
}

#[test]
fn an_explicit_window_is_used_and_sessions_outside_it_are_refused() {
    // Four weeks from Monday 09:30: the default window (whole days) would
    // add a day without sessions; --from and --to give the real one.
    let truth = Truth::defaults();
    let window = ["2024-03-04T09:30:00Z", "2024-04-01T09:30:00Z"];
    let (csv, counts) = export(&truth, "UTC", window, Times::WithOffset, 3);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("sessions.csv"), &csv).unwrap();
    let o = cutover(
        tmp.path(),
        &[
            "fit-workload",
            "sessions.csv",
            "--from",
            "2024-03-04T09:30Z",
            "--to",
            "2024-04-01T09:30:00+00:00",
            "--out",
            "fit",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(": 4.00 weeks, UTC"), "{}", stdout(&o));
    check_toml(
        &std::fs::read_to_string(tmp.path().join("fit/workload.toml")).unwrap(),
        &truth,
    );
    let tz = fit::time_zone("UTC").unwrap();
    let s = fit::read_sessions(csv.as_bytes(), "sessions.csv", &tz).unwrap();
    let w = Window {
        from: Some(window[0].parse().unwrap()),
        to: Some(window[1].parse().unwrap()),
    };
    check_recovery(&fit::fit(&s, w).unwrap(), &truth, counts);
    // A window that leaves out the first session is refused, naming its line.
    let o = cutover(
        tmp.path(),
        &["fit-workload", "sessions.csv", "--from", "2024-03-05", "--out", "late"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("sessions.csv:2: the session starts at 2024-03-04T"),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("late").exists());
}

/// Runs the binary on `csv` with `args` and checks that it is refused
/// (exit code 2, nothing written); returns the message.
fn refused(csv: &str, args: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("sessions.csv"), csv).unwrap();
    let mut all = vec!["fit-workload", "sessions.csv", "--out", "fit"];
    all.extend_from_slice(args);
    let o = cutover(tmp.path(), &all);
    assert_eq!(o.status.code(), Some(2), "{}\n{}", stdout(&o), stderr(&o));
    assert!(!tmp.path().join("fit").exists(), "nothing is written");
    assert!(!tmp.path().join("output").exists(), "nothing is written");
    let e = stderr(&o);
    assert!(!e.contains("panicked"), "{e}");
    e
}

/// The example export with line `line` (1-based, the header is 1) replaced.
fn with_line(line: usize, text: &str) -> String {
    let mut lines: Vec<&str> = example_lines();
    lines[line - 1] = text;
    lines.join("\n") + "\n"
}

fn example_lines() -> Vec<&'static str> {
    use std::sync::OnceLock;
    static EXAMPLE: OnceLock<String> = OnceLock::new();
    EXAMPLE.get_or_init(example_export).lines().collect()
}

#[test]
fn an_unknown_time_zone_is_refused() {
    let e = refused(&example_export(), &["--time-zone", "Mars/Olympus_Mons"]);
    assert!(e.contains("unknown time zone \"Mars/Olympus_Mons\""), "{e}");
    assert!(e.contains("Europe/Paris"), "names an example: {e}");
}

#[test]
fn a_bad_date_is_refused_by_file_line_and_column() {
    let e = refused(
        &with_line(3, "2,2024-02-30T10:00:00+01:00,2024-03-11T10:00:00+01:00,support,c2"),
        &[],
    );
    assert!(
        e.contains("sessions.csv:3: column 2 (start): \"2024-02-30T10:00:00+01:00\" is not an ISO 8601 date-time"),
        "{e}"
    );
    assert!(e.contains("1 bad row"), "{e}");
    let e = refused(&with_line(4, "3,2024-03-11T10:00:00+01:00,tomorrow,support,c2"), &[]);
    assert!(
        e.contains("sessions.csv:4: column 3 (end): \"tomorrow\" has no time of day"),
        "{e}"
    );
    // A local time the zone skips.
    let e = refused(
        &with_line(5, "4,2024-03-31 02:30:00,2024-03-31 03:30:00,support,c2"),
        &["--time-zone", "Europe/Paris"],
    );
    assert!(
        e.contains("sessions.csv:5: column 2 (start): \"2024-03-31 02:30:00\" does not exist in Europe/Paris"),
        "{e}"
    );
}

#[test]
fn an_end_before_its_start_is_refused() {
    let e = refused(
        &with_line(6, "5,2024-03-11T10:00:00+01:00,2024-03-11T09:59:59+01:00,support,c2"),
        &[],
    );
    assert!(
        e.contains("sessions.csv:6: column 3 (end): 2024-03-11T08:59:59Z is before the start 2024-03-11T09:00:00Z"),
        "{e}"
    );
    let e = refused(
        &with_line(6, "5,2024-03-11T10:00:00+01:00,2024-03-11T09:00:00Z,support,c2"),
        &[],
    );
    assert!(
        e.contains("sessions.csv:6: column 3 (end): 2024-03-11T09:00:00Z is the start"),
        "{e}"
    );
}

#[test]
fn an_unknown_kind_is_refused() {
    let e = refused(
        &with_line(7, "6,2024-03-11T10:00:00+01:00,2024-03-11T11:00:00+01:00,admin,c2"),
        &[],
    );
    assert!(
        e.contains("sessions.csv:7: column 4 (kind): unknown kind \"admin\": support or console"),
        "{e}"
    );
    let e = refused(
        &with_line(7, "6,2024-03-11T10:00:00+01:00,2024-03-11T11:00:00+01:00"),
        &[],
    );
    assert!(
        e.contains("sessions.csv:7: column 4 (kind): missing (the row has 3 fields)"),
        "{e}"
    );
}

#[test]
fn an_empty_file_and_one_without_sessions_are_refused() {
    let e = refused("", &[]);
    assert!(e.contains("sessions.csv:1: empty"), "{e}");
    let e = refused("start,end,kind\n", &[]);
    assert!(e.contains("sessions.csv:1: no session"), "{e}");
    let e = refused("begin,end\n2024-03-11T10:00Z,2024-03-11T11:00Z\n", &[]);
    assert!(
        e.contains("sessions.csv:1: no column start in the header (found: begin, end)"),
        "{e}"
    );
    let e = refused("start,end,start\n", &[]);
    assert!(
        e.contains("sessions.csv:1: the header has the column start twice (columns 1 and 3)"),
        "{e}"
    );
}

#[test]
fn bad_rows_are_all_counted_and_fifty_listed() {
    let mut lines: Vec<String> = example_lines().iter().map(|l| l.to_string()).collect();
    for l in lines.iter_mut().skip(1).take(60) {
        *l = l.replace("support", "suport").replace("console", "consol");
    }
    let e = refused(&(lines.join("\n") + "\n"), &[]);
    assert!(e.contains("sessions.csv: 60 bad rows"), "{e}");
    assert_eq!(e.matches("unknown kind").count(), 50, "{e}");
    assert!(e.contains("sessions.csv:51: column 4 (kind)"), "{e}");
    assert!(!e.contains("sessions.csv:52:"), "{e}");
    assert!(e.contains("… and 10 more bad rows"), "{e}");
}

#[test]
fn endless_lines_huge_echoes_and_special_files_are_bounded() {
    // A line longer than the limit is refused at that line, unread beyond it.
    let long = format!("7,2024-03-11T10:00:00+01:00,{},support,c1", "x".repeat(10_000));
    let e = refused(&with_line(8, &long), &[]);
    assert!(e.contains("sessions.csv:8: longer than 8192 bytes"), "{e}");
    // A long bad value is echoed cut short.
    let e = refused(
        &with_line(8, &format!("7,{},2024-03-11T10:00Z,support,c1", "9".repeat(5000))),
        &[],
    );
    assert!(e.contains("… (5000 bytes in all)"), "{e}");
    assert!(e.len() < 2000, "{} bytes", e.len());
    // A folder is not a regular file.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("dir.csv")).unwrap();
    let o = cutover(tmp.path(), &["fit-workload", "dir.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("dir.csv: not a regular file"), "{}", stderr(&o));
}

#[test]
fn too_little_data_is_refused_and_a_thin_kind_is_left_out() {
    // Less than a week.
    let short: Vec<&str> = example_lines().into_iter().take(60).collect();
    let e = refused(&(short.join("\n") + "\n"), &[]);
    assert!(
        e.contains("fitting a weekly profile needs every weekday and every hour of the day"),
        "{e}"
    );
    // Too few of any kind.
    let e = refused(
        "start,end\n2024-03-04T10:00Z,2024-03-04T11:00Z\n2024-03-11T10:00Z,2024-03-11T11:00Z\n",
        &[],
    );
    assert!(e.contains("too few sessions to fit (support 2, console 0)"), "{e}");
    // Ten console sessions: their section is left out with a note, and the rest still fits.
    let mut console = 0;
    let lines: Vec<&str> = example_lines()
        .into_iter()
        .filter(|l| {
            if l.contains(",console,") {
                console += 1;
                console <= 10
            } else {
                true
            }
        })
        .collect();
    let f = fit_text(&(lines.join("\n") + "\n"), "UTC").unwrap();
    assert!(f.toml.contains("[workload.support]"));
    assert!(!f.toml.lines().any(|l| l == "[workload.console]"), "{}", f.toml);
    assert!(
        f.toml
            .contains("# [workload.console] left out: 10 sessions, fewer than the 30 needed to fit a duration"),
        "{}",
        f.toml
    );
    assert!(fit::summary(&f).contains("console: 10 sessions, fewer than the 30 needed"));
    // The console sessions still count in the profile and the support rate's share.
    let sc = scenario_of(&f.toml);
    let share = f.kinds[0].sessions as f64 / f.sessions as f64;
    assert!((sc.workload.support.rate_per_hour - f.profile.rate_per_hour * share).abs() < 0.01);
}

#[test]
fn durations_that_never_vary_are_refused_for_what_they_are() {
    // Two weeks of sessions, one every 20 minutes, each exactly 30 minutes
    // long: plenty of sessions, but no spread for a lognormal.
    let mut csv = String::from("start,end,kind\n");
    for day in 4..18 {
        for hour in 0..24 {
            for minute in [0, 20, 40] {
                let end = (minute + 30) % 60;
                let end_hour = hour + (minute + 30) / 60;
                let (end_day, end_hour) = if end_hour == 24 { (day + 1, 0) } else { (day, end_hour) };
                csv.push_str(&format!(
                    "2024-03-{day:02}T{hour:02}:{minute:02}:00Z,2024-03-{end_day:02}T{end_hour:02}:{end:02}:00Z,support\n"
                ));
            }
        }
    }
    let e = refused(&csv, &[]);
    assert!(!e.contains("too few sessions"), "{e}");
    assert!(e.contains("no kind's session durations can be fitted"), "{e}");
    assert!(e.contains("support: the 1008 durations hardly vary"), "{e}");
    assert!(e.contains("write a constant duration instead"), "{e}");
    assert!(e.contains("console: 0 sessions, fewer than the 30 needed"), "{e}");
}

#[test]
fn a_leap_second_is_refused_by_name() {
    let e = refused(
        &with_line(3, "2,2024-03-11T23:59:60Z,2024-03-12T01:00:00Z,support,c2"),
        &[],
    );
    assert!(
        e.contains("sessions.csv:3: column 2 (start): \"2024-03-11T23:59:60Z\": leap seconds are not supported"),
        "{e}"
    );
    let e = refused(&example_export(), &["--from", "2024-03-04T23:59:60"]);
    assert!(
        e.contains("--from: \"2024-03-04T23:59:60\": leap seconds are not supported"),
        "{e}"
    );
}

#[test]
fn the_written_workload_is_accepted_by_a_scenario_and_by_validate() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("sessions.csv"), example_export()).unwrap();
    let o = cutover(tmp.path(), &["fit-workload", "sessions.csv", "--out", "fit"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let toml = std::fs::read_to_string(tmp.path().join("fit/workload.toml")).unwrap();
    let scenario = format!("name = \"site\"\n\n[site]\nkind = \"single\"\ndata_gb = 50\n\n{toml}");
    std::fs::write(tmp.path().join("site.toml"), &scenario).unwrap();
    let o = cutover(tmp.path(), &["validate", "site.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let sc = crate::scenario(&scenario);
    let f = fit_text(&example_export(), "UTC").unwrap();
    let expect: Vec<f64> = (0..168)
        .map(|c| f.profile.days[c / 24] * f.profile.hours[c % 24])
        .collect();
    for (a, b) in sc.workload.profile.iter().zip(&expect) {
        assert!((a - b).abs() < 1e-3, "{a} vs {b}");
    }
    // The manifest lists what was written; a second fit replaces it, byte for byte the same.
    let manifest = std::fs::read_to_string(tmp.path().join("fit/manifest.json")).unwrap();
    for name in [
        "workload.toml",
        "profile.csv",
        "charts/fit-profile.png",
        "charts/fit-profile.svg",
        "charts/fit-durations.png",
        "charts/fit-durations.svg",
    ] {
        assert!(manifest.contains(&format!("\"{name}\"")), "{name}: {manifest}");
    }
    assert!(manifest.contains("\"kind\": \"fit-workload\""), "{manifest}");
    let before: Vec<Vec<u8>> = [
        "workload.toml",
        "profile.csv",
        "charts/fit-profile.png",
        "charts/fit-durations.svg",
    ]
    .iter()
    .map(|n| std::fs::read(tmp.path().join("fit").join(n)).unwrap())
    .collect();
    let o = cutover(
        tmp.path(),
        &["fit-workload", "sessions.csv", "--out", "fit", "--no-charts"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !tmp.path().join("fit/charts").exists(),
        "the previous charts are removed"
    );
    assert_eq!(std::fs::read(tmp.path().join("fit/workload.toml")).unwrap(), before[0]);
    let o = cutover(tmp.path(), &["fit-workload", "sessions.csv", "--out", "again"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for (n, b) in [
        "workload.toml",
        "profile.csv",
        "charts/fit-profile.png",
        "charts/fit-durations.svg",
    ]
    .iter()
    .zip(&before)
    {
        assert_eq!(&std::fs::read(tmp.path().join("again").join(n)).unwrap(), b, "{n}");
    }
    // A folder holding something else is refused.
    let o = cutover(tmp.path(), &["fit-workload", "sessions.csv", "--out", "."]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn mutated_exports_never_panic() {
    // A bounded mutation fuzz of the reader and the fit: 400 exports made
    // from the example by byte edits, line swaps and truncation.
    let base: Vec<u8> = example_export().into_bytes();
    let tz = fit::time_zone("Europe/Paris").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let alphabet = b"0123456789-:+TZ ,\n\"\r.supportconsole\xff\xfe";
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..400 {
        let mut bytes = base.clone();
        let edits = rng.random_range(1..20);
        for _ in 0..edits {
            let at = rng.random_range(0..bytes.len().max(1));
            match rng.random_range(0..4) {
                0 => bytes[at] = alphabet[rng.random_range(0..alphabet.len())],
                1 => {
                    bytes.remove(at);
                }
                2 => bytes.insert(at, alphabet[rng.random_range(0..alphabet.len())]),
                _ => bytes.truncate(at),
            }
            if bytes.is_empty() {
                break;
            }
        }
        match fit::read_sessions(bytes.as_slice(), "m.csv", &tz).and_then(|s| fit::fit(&s, Window::default())) {
            Ok(f) => {
                ok += 1;
                assert!(f.profile.per_week().is_finite());
                scenario_of(&f.toml);
            }
            Err(e) => {
                refused += 1;
                assert!(e.0.starts_with("m.csv"), "{e}");
            }
        }
    }
    assert!(ok > 0 && refused > 0, "{ok} fitted, {refused} refused");
}

/// A fit in Europe/Paris pasted into a scenario whose calendar is in
/// Europe/Paris keeps the peak at the same local hours: the sessions of a
/// run, counted by the local hour `events.csv` gives them, are busiest at
/// the export's busiest local hour, not one or two hours off (as they
/// would be if the scenario read the profile in UTC). The note says so.
#[test]
fn a_paris_fit_in_a_paris_scenario_peaks_at_the_same_local_hours() {
    let mut truth = Truth::defaults();
    // A sharp peak at 10:00 local time, little else; every day alike.
    truth.hours = [0.05; 24];
    truth.hours[10] = 1.0;
    truth.days = [1.0; 7];
    truth.rates = [60.0, 0.0];
    let (csv, _) = export(&truth, "Europe/Paris", PARIS_WEEKS, Times::WithOffset, 11);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("sessions.csv"), &csv).unwrap();
    let o = cutover(
        tmp.path(),
        &[
            "fit-workload",
            "sessions.csv",
            "--time-zone",
            "Europe/Paris",
            "--out",
            "fit",
            "--no-charts",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("time_zone = \"Europe/Paris\"")
            && stdout(&o).contains("peak stays at the same local hours"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("implied peak concurrency"), "{}", stdout(&o));
    let workload = std::fs::read_to_string(tmp.path().join("fit/workload.toml")).unwrap();
    // Pasted as written into a Paris scenario of a single appliance that
    // runs a week past its procedure, across no daylight-saving change.
    let scenario = format!(
        "strategies = [\"single\"]\n[site]\nkind = \"single\"\n\
         [calendar]\nstart = \"2025-01-06T00:00\"\ntime_zone = \"Europe/Paris\"\nwarmup = \"0s\"\ncooldown = \"7d\"\n\
         windows = [{{ weekday = \"mon\", at = \"02:00\", length = \"4h\" }}]\n{workload}"
    );
    std::fs::write(tmp.path().join("paris.toml"), &scenario).unwrap();
    let o = cutover(
        tmp.path(),
        &[
            "run",
            "paris.toml",
            "--trace-sessions",
            "--no-charts",
            "--out",
            "run",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let events = std::fs::read_to_string(tmp.path().join("run/events.csv")).unwrap();
    let mut by_hour = [0usize; 24];
    for line in events.lines().filter(|l| l.contains(",session_start,")) {
        // The local column: 2025-01-06T10:15:00+01:00.
        let local = line.rsplit(',').next().unwrap();
        let hour: usize = local[11..13].parse().unwrap();
        by_hour[hour] += 1;
    }
    let busiest = (0..24).max_by_key(|&h| by_hour[h]).unwrap();
    assert_eq!(busiest, 10, "sessions by local hour: {by_hour:?}");
    // And clearly so: the peak hour holds more than its neighbours together.
    assert!(by_hour[10] > by_hour[9] + by_hour[11], "{by_hour:?}");
}

//! The one-page summary of a site report (`summary.pdf`), as data: the
//! decision and the runner-up, the board's limits with pass or fail for
//! the recommended strategy, the chances of a window overrun and of an
//! abort or rollback per strategy, the risk matrix with each strategy in
//! its cell, and where the numbers come from. Everything is worked out
//! here, from the same facts as the report (`Facts`), the bottom
//! line's own text and the decision's risk classes; the PDF renderer
//! ([`crate::report::pdf`]) only lays out what it is given.

use super::{
    Facts, ReportInput, WINDOW_OVERRUN, bottom_text, on_average, ordinal, percent, risk_words, share_of_runs,
    small_percent, val,
};
use crate::decision::Band;
use crate::export::thousands;
use crate::metrics::{self, Impact};
use crate::montecarlo::{Aggregator, Runs};
use crate::report::doc::Text;
use crate::stats::proportion_interval;

/// A limit of the board passes when the recommended strategy exceeds it in
/// at most this share of the runs: the decision's own rule.
pub use crate::decision::LIMIT_TOLERANCE;

/// The one-page summary.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// `Upgrade plan: NAME`.
    pub title: String,
    /// What the page is.
    pub subtitle: String,
    /// The scenario's own description (may be empty).
    pub description: String,
    pub decision: Decision,
    /// The board's limits (`[thresholds]`), for the recommended strategy.
    pub limits: Vec<Limit>,
    /// What a limit's pass means, or that the scenario sets none.
    pub limits_note: String,
    /// The odds table's header: strategy, the overrun, the abort or rollback.
    pub odds_head: [String; 3],
    /// One row per strategy, in the study's order.
    pub odds: Vec<Odds>,
    /// Over how many runs, and what the brackets are.
    pub odds_note: String,
    pub matrix: Matrix,
    /// Where the page comes from: date, scenario and hash, tool, runs, seed.
    pub footer: Vec<String>,
    /// The date it was generated on, `YYYY-MM-DD` (UTC): the file's date.
    pub date: String,
    /// The tool's version: the file's producer.
    pub version: String,
}

/// The decision: the strategy, why, its cost and risk, and the runner-up.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The recommended strategy's name.
    pub recommended: String,
    /// The bottom line's reason, one sentence.
    pub why: String,
    /// The rest of the bottom line: what it costs, its risk class.
    pub rest: String,
    /// The runner-up's name (none with one strategy).
    pub runner_up: Option<String>,
    /// What separates the runner-up from the recommended strategy.
    pub separates: String,
}

/// One limit of the board.
#[derive(Clone, Debug, PartialEq)]
pub struct Limit {
    /// `downtime above 15 min`.
    pub what: String,
    /// The recommended strategy's runs above it, with the share's interval.
    pub runs_over: String,
    /// True when within [`LIMIT_TOLERANCE`].
    pub pass: bool,
}

/// One strategy's odds.
#[derive(Clone, Debug, PartialEq)]
pub struct Odds {
    pub strategy: String,
    /// True for the recommended strategy.
    pub recommended: bool,
    /// P(window overrun) with its 95 % interval.
    pub overrun: String,
    /// P(abort or rollback) with its 95 % interval.
    pub abort_or_rollback: String,
}

/// The 3 × 3 risk matrix: likelihood bands (rows, least likely first) by
/// impact (columns, lowest first), each cell's class and the strategies
/// whose risk class it sets.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// `rare`, `possible`, `likely`.
    pub bands: [String; 3],
    /// Their likelihoods: `< 1.0 %`, `1.0 % to 10 %`, `≥ 10 %`.
    pub band_ranges: [String; 3],
    /// `low`, `moderate`, `high`.
    pub impacts: [String; 3],
    /// Each cell's class: `classes[band][impact]`.
    pub classes: [[Impact; 3]; 3],
    /// The strategies placed in each cell, in the study's order.
    pub cells: [[Vec<Placed>; 3]; 3],
    /// How a strategy is placed, and those with no risk event.
    pub note: String,
}

/// A strategy in a cell of the matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub strategy: String,
    /// What the cell shows: the name, and `(no risk event)` for a strategy
    /// without one (placed in the rare, low-impact cell: its class is low).
    pub label: String,
    /// True for the recommended strategy.
    pub recommended: bool,
}

/// The date `seconds` after 1970-01-01 00:00 UTC, as `YYYY-MM-DD` (UTC);
/// none outside the dates a calendar can hold (years -9999 to 9999).
pub fn utc_date(seconds: i64) -> Option<String> {
    let t = jiff::Timestamp::from_second(seconds).ok()?;
    Some(t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string())
}

/// The sentences of a plain text: cut after each `. ` that a capital
/// letter follows (numbers such as `0.56 %` and names stay whole).
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices(". ") {
        let next = text[i + 2..].chars().next();
        if next.is_some_and(char::is_uppercase) && i + 1 > start {
            out.push(text[start..=i].trim().to_string());
            start = i + 2;
        }
    }
    if start < text.len() {
        let last = text[start..].trim();
        if !last.is_empty() {
            out.push(last.to_string());
        }
    }
    out
}

/// A share of `n` runs in a table cell: `1.2 % [0.62 %, 2.1 %]`; none or
/// all of them give the one-sided bound, `0 (< 0.3 %)`, `all (> 99.7 %)`.
fn share_cell(x: u64, n: u64) -> String {
    if n == 0 {
        return "–".into();
    }
    let (lo, hi) = proportion_interval(x, n);
    if x == 0 {
        format!("0 (< {} %)", small_percent(hi))
    } else if x >= n {
        let gap: f64 = small_percent(1.0 - lo).parse().unwrap_or(0.0);
        let left = format!("{:.6}", 100.0 - gap);
        format!("all (> {} %)", left.trim_end_matches('0').trim_end_matches('.'))
    } else {
        format!("{} [{}, {}]", percent(x as f64 / n as f64), percent(lo), percent(hi))
    }
}

/// Runs of strategy `s` whose procedure was aborted or rolled an upgrade
/// back: the aborted runs and the completed runs with a rollback (an
/// aborted run is counted once, whatever it rolled back).
fn aborts_or_rollbacks(agg: &Aggregator, completed: &[crate::montecarlo::SummaryRow], s: usize) -> u64 {
    let name = &agg.strategies()[s];
    let rolled_back = completed
        .iter()
        .find(|r| &r.strategy == name && r.metric == "rollbacks")
        .map_or(0, |r| r.nonzero);
    agg.aborted_runs(s) + rolled_back
}

/// The runner-up and what separates it from the pick: among the strategies
/// the last deciding priority set apart, the best on it; or, when some tie
/// with the pick on every priority, the first of those.
fn runner_up(f: &Facts) -> (Option<usize>, String) {
    let b = &f.bottom;
    let pick = b.pick;
    if f.strategies.len() < 2 {
        return (None, "None: only one strategy was compared.".into());
    }
    if let Some(&other) = b.equivalent.first() {
        return (
            Some(other),
            format!(
                "{} cannot be told apart from {} on any of your priorities; {} comes first on the first of them where the means differ at all.",
                f.name(other),
                f.name(pick),
                f.name(pick)
            ),
        );
    }
    let Some(step) = b.steps.last() else {
        return (None, "None: no priority sets the strategies apart.".into());
    };
    let m = step.metric;
    let out: Vec<usize> = step.before.iter().copied().filter(|s| !step.kept.contains(s)).collect();
    let Some(other) = f.ev().best(&out, m) else {
        return (None, "None: no priority sets the strategies apart.".into());
    };
    let rank = f.priorities().iter().position(|p| p.name == m.name).unwrap_or(0);
    (
        Some(other),
        format!(
            "On {} (your {} priority), {} has {}, against {} for {}.",
            m.words,
            ordinal(rank),
            f.name(other),
            on_average(f, m, other),
            on_average(f, m, pick),
            f.name(pick)
        ),
    )
}

/// The one-page summary of a report, generated on `date` (`YYYY-MM-DD`).
pub fn summary(input: &ReportInput, date: &str) -> Summary {
    let sc = input.scenario;
    let agg = input.agg;
    let f = Facts::new(sc, agg);
    let pick = f.bottom.pick;
    let n = f.n;

    // The decision, in the bottom line's own words.
    let bottom = Text::parse(&bottom_text(&f)).plain();
    let said = sentences(&bottom);
    let why = said.get(1).cloned().unwrap_or_default();
    let rest = said.get(2..).map_or(String::new(), |s| s.join(" "));
    let (runner, separates) = runner_up(&f);
    let decision = Decision {
        recommended: f.name(pick).to_string(),
        why,
        rest,
        runner_up: runner.map(|s| f.name(s).to_string()),
        separates,
    };

    // The board's limits, for the recommended strategy.
    let mut limits = Vec::new();
    for (name, t) in &sc.thresholds {
        let Some(m) = metrics::find(name).filter(|m| crate::decision::applies(m.sites, &sc.site)) else {
            continue;
        };
        let Some(r) = f.row(pick, m.name) else { continue };
        limits.push(Limit {
            what: format!("{} above {}", m.words, val(m, *t)),
            runs_over: share_of_runs(r.exceed, r.n),
            pass: r.n > 0 && (r.exceed as f64) <= LIMIT_TOLERANCE * r.n as f64,
        });
    }
    let limits_note = if limits.is_empty() {
        "The scenario sets no limits ([thresholds]): nothing to pass or fail.".to_string()
    } else {
        format!(
            "Runs of {} over each limit of the scenario's [thresholds], with the 95 % interval of the share. Pass: over it in at most 1 run of 20 ({}).",
            f.name(pick),
            percent(LIMIT_TOLERANCE)
        )
    };

    // The odds per strategy.
    let pod = sc.site.kind.scheduled_by_service();
    let overrun = metrics::find(WINDOW_OVERRUN).filter(|m| crate::decision::applies(m.sites, &sc.site));
    let completed = agg.summary_of(Runs::Completed);
    let odds: Vec<Odds> = (0..f.strategies.len())
        .map(|s| Odds {
            strategy: f.name(s).to_string(),
            recommended: s == pick,
            overrun: overrun
                .and_then(|m| f.row(s, m.name))
                .map_or("–".into(), |r| share_cell(r.nonzero, r.n)),
            abort_or_rollback: share_cell(aborts_or_rollbacks(agg, &completed, s), n),
        })
        .collect();
    let odds_head = [
        "strategy".to_string(),
        if pod {
            "P(past the service's allotment)".to_string()
        } else {
            "P(window overrun)".to_string()
        },
        "P(abort or rollback)".to_string(),
    ];
    let marked = (0..f.strategies.len()).any(|s| f.marked(s) != f.name(s));
    let odds_note = format!(
        "Share of the {} runs of each strategy, with its 95 % interval (exact; none or all of the runs: the one-sided bound).{}{}",
        thousands(n),
        if pod {
            " An overrun is maintenance past the service's allotment."
        } else {
            " An overrun is working time of the procedure outside any maintenance window."
        },
        if marked {
            " The overrun counts the completed runs of a strategy with aborted ones, as the report's tables do."
        } else {
            ""
        }
    );

    // The risk matrix: each strategy in the cell of the event that sets its
    // class.
    let rm = &sc.risk;
    let mut cells: [[Vec<Placed>; 3]; 3] = Default::default();
    let mut without = Vec::new();
    for (s, risk) in f.risks.iter().enumerate() {
        match risk.events.first() {
            Some(e) => cells[e.band as usize][e.impact as usize].push(Placed {
                strategy: f.name(s).to_string(),
                label: f.name(s).to_string(),
                recommended: s == pick,
            }),
            None => without.push(s),
        }
    }
    // Without a risk event, a strategy's class is low: the rare,
    // low-impact cell, after those an event placed there.
    for &s in &without {
        cells[Band::Rare as usize][Impact::Low as usize].push(Placed {
            strategy: f.name(s).to_string(),
            label: format!("{} (no risk event)", f.name(s)),
            recommended: s == pick,
        });
    }
    let band_ranges = Band::ALL.map(|b| match b {
        Band::Rare => format!("below {}", percent(rm.possible)),
        Band::Possible => format!("{} to {}", percent(rm.possible), percent(rm.likely)),
        Band::Likely => format!("{} or more", percent(rm.likely)),
    });
    let mut classes = [[Impact::Low; 3]; 3];
    for b in Band::ALL {
        for i in Impact::ALL {
            classes[b as usize][i as usize] = rm.class(b, i);
        }
    }
    let mut note = format!(
        "A strategy sits in the cell of the risk event that sets its class (its highest); {} is {}.",
        f.name(pick),
        risk_words(&f, pick)
    );
    if !without.is_empty() {
        note.push_str(" A strategy with no risk event in any run is low risk, placed in the rare, low-impact cell.");
    }
    let matrix = Matrix {
        bands: Band::ALL.map(|b| b.name().to_string()),
        band_ranges,
        impacts: Impact::ALL.map(|i| i.name().to_string()),
        classes,
        cells,
        note,
    };

    let sha = &input.scenario_sha256[..16.min(input.scenario_sha256.len())];
    let footer = vec![
        format!("Generated {date} (UTC)."),
        format!("Scenario {}, SHA-256 {sha}.", sc.name),
        format!(
            "cutover {}, {} runs per strategy, seed {}; the whole report: report.html.",
            input.version,
            thousands(n),
            input.seed
        ),
    ];
    Summary {
        title: format!("Upgrade plan: {}", sc.name),
        subtitle: "One-page summary for the change board".into(),
        description: sc.description.clone(),
        decision,
        limits,
        limits_note,
        odds_head,
        odds,
        odds_note,
        matrix,
        footer,
        date: date.to_string(),
        version: input.version.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_cut_after_full_stops_only() {
        assert_eq!(
            sentences("Recommended: a. It has 0.56 % and 2.1 min. What it costs: x; y."),
            ["Recommended: a.", "It has 0.56 % and 2.1 min.", "What it costs: x; y."]
        );
        assert_eq!(sentences(""), Vec::<String>::new());
        assert_eq!(sentences("no stop"), ["no stop"]);
    }

    #[test]
    fn shares_in_cells_keep_their_bounds() {
        assert_eq!(share_cell(0, 1000), "0 (< 0.3 %)");
        assert_eq!(share_cell(1000, 1000), "all (> 99.7 %)");
        assert!(share_cell(12, 1000).starts_with("1.2 % ["), "{}", share_cell(12, 1000));
        assert_eq!(share_cell(0, 0), "–");
    }

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(utc_date(0).as_deref(), Some("1970-01-01"));
        assert_eq!(utc_date(1_700_000_000).as_deref(), Some("2023-11-14"));
        assert_eq!(utc_date(-86_400).as_deref(), Some("1969-12-31"));
        assert_eq!(utc_date(i64::MAX), None);
    }
}

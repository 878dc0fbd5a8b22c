//! The search: racing with common random numbers over the plans of a
//! `[search]` space, then an honest verification on fresh seeds
//! (docs/model.md §7, "Choosing the plan").
//!
//! Every plan runs replications `0..n` of the same seed, so replication
//! `i` of every plan sees the same site draws (common random numbers) and
//! the differences between two plans are paired. Rounds:
//!
//! 1. Every plan still in the race runs up to `n` replications (5 at
//!    first, then twice as many each round, as the budget allows).
//! 2. A plan is out when one of its constraints is broken beyond doubt:
//!    its 95 % interval lies wholly on the wrong side of the limit.
//! 3. The leader is the plan with the best objective mean among those
//!    whose estimates meet every constraint. Any other plan is out when
//!    its paired difference to the leader is worse than zero beyond its
//!    one-sided interval at level `1 − α / (k − 1)` (Bonferroni over the
//!    `k` plans in the race, Student's t, α = 0.05).
//! 4. The race stops when the leader is, beyond those intervals, at most
//!    the indifference zone `δ` worse than every plan left (so any of them
//!    is a right answer) after [`MIN_TO_STOP`] replications or more, or
//!    when the budget of replications is spent.
//!
//! The figures of the chosen plan are then measured again on a seed the
//! search never used ([`verification_seed`]), since the best of many noisy
//! means is biased towards looking good.
//!
//! Everything here is computed from results collected in order, so the
//! same seed gives the same answer at any thread count.

use std::sync::atomic::AtomicBool;

use super::{Constraint, Search, Side, Statistic, value};
use crate::fleet::Fleet;
use crate::fleet::campaign::simulate_campaign;
use crate::fleet::table::CAMPAIGN_METRICS;
use crate::montecarlo::stream_ordered;
use crate::rng::{Purpose, stream};
use crate::stats::{proportion_interval, t_quantile};

/// Replications of every plan in the first round.
pub const FIRST_ROUND: u64 = 5;
/// Fewest replications of the plans left before the race may stop on a
/// separation: a handful of runs can agree by chance (two plans whose
/// campaigns differ only after a rare weekend or freeze look tied).
pub const MIN_TO_STOP: u64 = 20;
/// Default budget: replications per plan of the space.
pub const BUDGET_PER_PLAN: u64 = 30;
/// Most replications of the default budget.
pub const MAX_DEFAULT_BUDGET: u64 = 20_000;
/// Default indifference zone, as a share of the best objective.
pub const DEFAULT_DELTA: f64 = 0.01;
/// Default replications of each verified plan.
pub const DEFAULT_VERIFY: u64 = 100;
/// Runner-ups verified beside the chosen plan.
pub const RUNNER_UPS: usize = 3;
/// The error rate the racing aims at: the chosen plan is within the
/// indifference zone of the best with probability 0.95 or more.
pub const ALPHA: f64 = 0.05;

/// The default budget for a space of `plans` plans.
pub fn default_budget(plans: usize) -> u64 {
    (BUDGET_PER_PLAN * plans as u64).min(MAX_DEFAULT_BUDGET)
}

/// The seed of the verification runs: word 0 of the stream
/// `(seed, 0, Purpose::Verification)`, never a seed of the search.
pub fn verification_seed(seed: u64) -> u64 {
    use rand::Rng;
    stream(seed, 0, Purpose::Verification).next_u64()
}

/// The search's settings.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Most replications, all plans together.
    pub budget: u64,
    /// The indifference zone, a share of the best objective.
    pub delta: f64,
    pub seed: u64,
    pub workers: usize,
}

/// One constraint judged on some replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Judged {
    /// The estimate (mean, share or percentile).
    pub value: f64,
    /// Its 95 % interval.
    pub low: f64,
    pub high: f64,
}

impl Judged {
    /// True when the whole interval is on the wrong side of the limit.
    pub fn broken(&self, c: &Constraint) -> bool {
        match c.side {
            Side::AtLeast => self.high < c.limit,
            Side::AtMost => self.low > c.limit,
        }
    }

    /// True when the whole interval is on the right side.
    pub fn sure(&self, c: &Constraint) -> bool {
        match c.side {
            Side::AtLeast => self.low >= c.limit,
            Side::AtMost => self.high <= c.limit,
        }
    }
}

/// A plan's estimates over the replications it ran.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    pub replications: u64,
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// One per constraint, in file order.
    pub constraints: Vec<Judged>,
    /// Every campaign metric's mean (NaN where always empty).
    pub means: Vec<f64>,
}

impl Estimate {
    /// `yes` when every constraint's interval is on the right side, `no`
    /// when one is wholly on the wrong side, `maybe` otherwise.
    pub fn feasible_word(&self, search: &Search) -> &'static str {
        let pairs = || search.constraints.iter().zip(&self.constraints);
        if pairs().any(|(c, j)| j.broken(c)) {
            "no"
        } else if pairs().all(|(c, j)| j.sure(c)) {
            "yes"
        } else {
            "maybe"
        }
    }

    /// True when every constraint's estimate meets its limit.
    pub fn meets(&self, search: &Search) -> bool {
        search
            .constraints
            .iter()
            .zip(&self.constraints)
            .all(|(c, j)| c.met_by(j.value))
    }

    /// The constraint the estimates miss by most (relative to its limit),
    /// with that violation; `None` when all are met.
    pub fn worst(&self, search: &Search) -> Option<(usize, f64)> {
        search
            .constraints
            .iter()
            .zip(&self.constraints)
            .map(|(c, j)| c.violation(j.value))
            .enumerate()
            .filter(|(_, v)| *v > 0.0)
            .fold(None, |best: Option<(usize, f64)>, (i, v)| match best {
                Some((_, b)) if b >= v => best,
                _ => Some((i, v)),
            })
    }

    /// The sum of the constraints' violations (0 when all are met).
    pub fn violation(&self, search: &Search) -> f64 {
        search
            .constraints
            .iter()
            .zip(&self.constraints)
            .map(|(c, j)| c.violation(j.value))
            .sum()
    }
}

/// The campaign metrics of each replication of one plan.
pub type Observations = Vec<Vec<f64>>;

/// Estimates from observations (each row every campaign metric).
pub fn estimate(search: &Search, obs: &Observations) -> Estimate {
    let n = obs.len() as u64;
    let column = |k: usize| -> Vec<f64> { obs.iter().map(|r| r[k]).filter(|x| !x.is_nan()).collect() };
    let (mean, half) = mean_ci(&column(search.objective.metric));
    let constraints = search.constraints.iter().map(|c| judge(c, &column(c.metric))).collect();
    let means = (0..CAMPAIGN_METRICS.len()).map(|k| mean_ci(&column(k)).0).collect();
    Estimate {
        replications: n,
        mean,
        ci_low: mean - half,
        ci_high: mean + half,
        constraints,
        means,
    }
}

/// Mean and 95 % half-width (Student's t); an infinite half-width below
/// two values.
fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, f64::INFINITY);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::INFINITY);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, t_quantile(0.975, n as u64 - 1) * (var / n as f64).sqrt())
}

/// A constraint's estimate and 95 % interval: Student's t for a mean,
/// Clopper–Pearson for a share, and for a percentile the distribution-free
/// interval of order statistics (ranks `np ∓ 1.96 √(np(1−p))` rounded
/// outwards), open-ended
/// where a rank falls outside the sample.
fn judge(c: &Constraint, xs: &[f64]) -> Judged {
    let n = xs.len();
    if n == 0 {
        return Judged {
            value: f64::NAN,
            low: f64::NEG_INFINITY,
            high: f64::INFINITY,
        };
    }
    match c.statistic {
        Statistic::Mean => {
            let (m, h) = mean_ci(xs);
            Judged {
                value: m,
                low: m - h,
                high: m + h,
            }
        }
        Statistic::Share => {
            let x = xs.iter().filter(|v| **v > 0.5).count() as u64;
            let (low, high) = proportion_interval(x, n as u64);
            Judged {
                value: x as f64 / n as f64,
                low,
                high,
            }
        }
        Statistic::Percentile(p) => {
            let mut s = xs.to_vec();
            s.sort_by(f64::total_cmp);
            let nf = n as f64;
            let rank = ((p * nf).ceil() as usize).clamp(1, n);
            let spread = 1.96 * (nf * p * (1.0 - p)).sqrt();
            let lo = (nf * p - spread).floor();
            let hi = (nf * p + spread).ceil();
            Judged {
                value: s[rank - 1],
                low: if lo < 1.0 {
                    f64::NEG_INFINITY
                } else {
                    s[lo as usize - 1]
                },
                high: if hi > nf { f64::INFINITY } else { s[hi as usize - 1] },
            }
        }
    }
}

/// Every campaign metric of replications `reps` of each plan of `plans`
/// (indices into `fleet.plans`), in that order, run on `workers` threads
/// through the ordered stream of the fleet studies; `None` when stopped.
/// `done` is told of each campaign as it is handed over.
pub fn evaluate(
    fleet: &Fleet,
    tasks: &[(usize, u64)],
    seed: u64,
    workers: usize,
    stop: &AtomicBool,
    done: &mut dyn FnMut(),
) -> Option<Vec<Vec<f64>>> {
    let mut out = Vec::with_capacity(tasks.len());
    let work = |t: u64| {
        let (plan, rep) = tasks[t as usize];
        let run = simulate_campaign(fleet, plan, seed, rep, stop)?;
        Some(
            (0..CAMPAIGN_METRICS.len())
                .map(|k| value(k, &run.metrics))
                .collect::<Vec<f64>>(),
        )
    };
    let _ = stream_ordered(0..tasks.len() as u64, workers, stop, &work, |row| {
        out.push(row);
        done();
        Ok::<(), ()>(())
    });
    (out.len() == tasks.len()).then_some(out)
}

/// What became of one plan of the space in the race.
#[derive(Clone, Debug, PartialEq)]
pub struct Tried {
    /// Its estimates over the replications it ran.
    pub estimate: Estimate,
    /// Replications it had run when it left the race, and why (the
    /// constraint it broke, or `objective`); `None` for the plans left.
    pub eliminated: Option<(u64, String)>,
}

/// Why the race stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The leader is within the indifference zone of every plan left.
    Separated,
    /// The budget is spent.
    Budget,
    /// Every plan broke a constraint beyond doubt.
    NoneFeasible,
    /// One plan left.
    LastOne,
}

/// The race's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Race {
    /// One per plan of the space, in space order.
    pub tried: Vec<Tried>,
    /// Replications run, all plans together.
    pub spent: u64,
    /// Rounds run.
    pub rounds: u32,
    pub ending: Ending,
    /// The chosen plan (index in the space), when some plan's estimates
    /// meet every constraint.
    pub chosen: Option<usize>,
}

impl Race {
    /// The plans in order of preference: those whose estimates meet every
    /// constraint by objective (best first, the most replicated first on
    /// a tie), then the others by how far they miss, then by objective.
    pub fn ranking(&self, search: &Search) -> Vec<usize> {
        let s = search.objective.sign();
        let mut order: Vec<usize> = (0..self.tried.len()).collect();
        let key = |i: usize| {
            let e = &self.tried[i].estimate;
            let meets = e.meets(search);
            (
                !meets,
                if meets { 0.0 } else { e.violation(search) },
                s * e.mean,
                std::cmp::Reverse(e.replications),
            )
        };
        order.sort_by(|&a, &b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.cmp(&kb.0)
                .then(ka.1.total_cmp(&kb.1))
                .then(ka.2.total_cmp(&kb.2))
                .then(ka.3.cmp(&kb.3))
                .then(a.cmp(&b))
        });
        order
    }
}

/// Runs the race over the plans of `search`, which are
/// `fleet.plans[first..first + search.candidates.len()]`. `progress` is
/// told of each campaign run. `None` when stopped.
pub fn race(
    fleet: &Fleet,
    search: &Search,
    first: usize,
    settings: Settings,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(),
) -> Option<Race> {
    let k = search.candidates.len();
    let sign = search.objective.sign();
    let budget = settings.budget.max(k as u64);
    let mut obs: Vec<Observations> = vec![Vec::new(); k];
    let mut alive = vec![true; k];
    let mut out: Vec<Option<(u64, String)>> = vec![None; k];
    let mut spent = 0u64;
    let mut rounds = 0u32;
    let mut n = FIRST_ROUND.min(budget / k as u64).max(1);
    let ending = loop {
        rounds += 1;
        let tasks: Vec<(usize, u64)> = (0..k)
            .filter(|&i| alive[i])
            .flat_map(|i| (obs[i].len() as u64..n).map(move |r| (first + i, r)))
            .collect();
        let rows = evaluate(fleet, &tasks, settings.seed, settings.workers, stop, progress)?;
        spent += rows.len() as u64;
        for (&(p, _), row) in tasks.iter().zip(rows) {
            obs[p - first].push(row);
        }
        let est: Vec<Option<Estimate>> = (0..k).map(|i| alive[i].then(|| estimate(search, &obs[i]))).collect();
        // Constraints broken beyond doubt.
        for i in 0..k {
            if let Some(e) = &est[i]
                && let Some(c) = search.constraints.iter().zip(&e.constraints).find(|(c, j)| j.broken(c))
            {
                alive[i] = false;
                out[i] = Some((n, c.0.text.clone()));
            }
        }
        let left: Vec<usize> = (0..k).filter(|&i| alive[i]).collect();
        if left.is_empty() {
            break Ending::NoneFeasible;
        }
        // The leader: the best mean among the plans that meet every
        // constraint by their estimates.
        let leader = left
            .iter()
            .copied()
            .filter(|&i| est[i].as_ref().is_some_and(|e| e.meets(search)))
            .min_by(|&a, &b| {
                let (ea, eb) = (
                    est[a].as_ref().map_or(0.0, |e| e.mean),
                    est[b].as_ref().map_or(0.0, |e| e.mean),
                );
                (sign * ea).total_cmp(&(sign * eb)).then(a.cmp(&b))
            });
        if let Some(b) = leader {
            let rivals = left.len() as f64 - 1.0;
            let best = est[b].as_ref().map_or(0.0, |e| e.mean);
            let zone = settings.delta * best.abs();
            let mut separated = true;
            for &i in &left {
                if i == b {
                    continue;
                }
                // Paired differences, i minus the leader, as costs.
                let d: Vec<f64> = obs[i]
                    .iter()
                    .zip(&obs[b])
                    .map(|(x, y)| sign * (x[search.objective.metric] - y[search.objective.metric]))
                    .filter(|x| !x.is_nan())
                    .collect();
                let m = d.len();
                let mean = d.iter().sum::<f64>() / m.max(1) as f64;
                let half = if m < 2 {
                    f64::INFINITY
                } else {
                    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m - 1) as f64;
                    t_quantile(1.0 - ALPHA / rivals.max(1.0), m as u64 - 1) * (var / m as f64).sqrt()
                };
                if mean - half > 0.0 {
                    alive[i] = false;
                    out[i] = Some((n, "objective".into()));
                } else if half == 0.0 && mean == 0.0 {
                    // The same campaign every time (the plans differ in
                    // nothing that matters here): a tie.
                } else if -mean + half > zone {
                    separated = false;
                }
            }
            if left.iter().filter(|&&i| alive[i]).count() == 1 {
                break Ending::LastOne;
            }
            if separated && n >= MIN_TO_STOP {
                break Ending::Separated;
            }
        }
        // Twice the replications for the plans left, as the budget allows.
        let still = (0..k).filter(|&i| alive[i]).count() as u64;
        let room = budget.saturating_sub(spent) / still;
        let next = (2 * n).min(n + room);
        if next == n {
            break Ending::Budget;
        }
        n = next;
    };
    let tried: Vec<Tried> = (0..k)
        .map(|i| Tried {
            estimate: estimate(search, &obs[i]),
            eliminated: out[i].clone(),
        })
        .collect();
    let mut race = Race {
        tried,
        spent,
        rounds,
        ending,
        chosen: None,
    };
    // The chosen plan: the best of the plans left whose estimates meet
    // every constraint.
    race.chosen = race
        .ranking(search)
        .into_iter()
        .find(|&i| race.tried[i].eliminated.is_none() && race.tried[i].estimate.meets(search));
    Some(race)
}

/// Every plan of the space on replications `0..runs` of `seed`: the
/// exhaustive evaluation the race is measured against. `None` when
/// stopped.
#[allow(clippy::too_many_arguments)]
pub fn exhaustive(
    fleet: &Fleet,
    search: &Search,
    first: usize,
    runs: u64,
    seed: u64,
    workers: usize,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(),
) -> Option<Race> {
    let k = search.candidates.len();
    let tasks: Vec<(usize, u64)> = (0..k).flat_map(|i| (0..runs).map(move |r| (first + i, r))).collect();
    let rows = evaluate(fleet, &tasks, seed, workers, stop, progress)?;
    let mut obs: Vec<Observations> = vec![Vec::new(); k];
    for (&(p, _), row) in tasks.iter().zip(rows) {
        obs[p - first].push(row);
    }
    let tried: Vec<Tried> = obs
        .iter()
        .map(|o| Tried {
            estimate: estimate(search, o),
            eliminated: None,
        })
        .collect();
    let mut race = Race {
        tried,
        spent: runs * k as u64,
        rounds: 1,
        ending: Ending::Budget,
        chosen: None,
    };
    race.chosen = race
        .ranking(search)
        .into_iter()
        .find(|&i| race.tried[i].estimate.meets(search));
    Some(race)
}

/// Estimates of plans `plans` (indices into `fleet.plans`) on replications
/// `0..runs` of `seed`, in order. `None` when stopped.
#[allow(clippy::too_many_arguments)]
pub fn verify(
    fleet: &Fleet,
    search: &Search,
    plans: &[usize],
    runs: u64,
    seed: u64,
    workers: usize,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(),
) -> Option<Vec<Estimate>> {
    let tasks: Vec<(usize, u64)> = plans.iter().flat_map(|&p| (0..runs).map(move |r| (p, r))).collect();
    let rows = evaluate(fleet, &tasks, seed, workers, stop, progress)?;
    Some(
        rows.chunks(runs.max(1) as usize)
            .map(|c| estimate(search, &c.to_vec()))
            .collect(),
    )
}

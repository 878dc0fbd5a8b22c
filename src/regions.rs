//! Per-region figures of an Atlas cluster as a table: `regions.csv`, which
//! `run` and `compare` write next to `metrics.csv` and `runs.csv` when the
//! site is a cluster, and its summary over runs for the report.
//!
//! The metrics of [`crate::metrics::METRICS`] are one fixed set of columns
//! for every scenario; regions are the scenario's own. So the figures of a
//! region are rows of a table of their own, one per strategy, replication
//! and region (in the scenario's order of `site.regions`):
//!
//! `strategy,replication,seed,region,no_accepting_s,peak_load,spilled_sessions`
//!
//! What each figure means is in [`crate::sim::RegionFigures`] and the
//! book's metrics chapter; times are seconds with three decimals, the load
//! a ratio with six.

use std::io;

use crate::sim::RegionFigures;
use crate::stats::{Moments, Sketch};
use crate::time::fmt_secs;

/// The header of `regions.csv`.
pub const HEADER: [&str; 7] = [
    "strategy",
    "replication",
    "seed",
    "region",
    "no_accepting_s",
    "peak_load",
    "spilled_sessions",
];

/// The figures of one region in one run, as `regions.csv` holds them
/// (after the strategy, replication, seed and region).
pub fn cells(f: &RegionFigures) -> [String; 3] {
    [
        fmt_secs(f.no_accepting_ms),
        format!("{:.6}", f.peak_load),
        f.spilled_sessions.to_string(),
    ]
}

/// Writes the header of `regions.csv`.
pub fn write_header<W: io::Write>(w: &mut csv::Writer<W>) -> io::Result<()> {
    w.write_record(HEADER)?;
    Ok(())
}

/// Appends the rows of one replication: `figures[strategy][region]`, the
/// regions named `regions` in that order.
pub fn write_rows<W: io::Write>(
    w: &mut csv::Writer<W>,
    strategies: &[String],
    regions: &[String],
    replication: u64,
    seed: u64,
    figures: &[Vec<RegionFigures>],
) -> io::Result<()> {
    let (rep, seed) = (replication.to_string(), seed.to_string());
    for (strategy, per_region) in strategies.iter().zip(figures) {
        for (region, f) in regions.iter().zip(per_region) {
            let [a, b, c] = cells(f);
            w.write_record([strategy.as_str(), &rep, &seed, region, &a, &b, &c])?;
        }
    }
    Ok(())
}

/// One figure of one region over runs: its mean and the value one run in
/// 20 exceeds (the nearest-rank 95th percentile).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// The mean over runs.
    pub mean: f64,
    /// The 95th percentile over runs.
    pub p95: f64,
}

/// A region's figures over the runs of one strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionSummary {
    /// The strategy.
    pub strategy: String,
    /// The region's name.
    pub region: String,
    /// Runs summarised.
    pub runs: u64,
    /// Time with no accepting node, seconds.
    pub no_accepting_s: Spread,
    /// Peak load during the procedure (a ratio; 1 is the accepting nodes' capacity).
    pub peak_load: Spread,
    /// Sessions spilled to another region.
    pub spilled_sessions: Spread,
}

#[derive(Clone, Default)]
struct Acc {
    runs: u64,
    moments: [Moments; 3],
    sketches: [Sketch; 3],
}

/// Sums the rows of `regions.csv` (in file order) into a summary per
/// strategy and region, in the order `strategies` × `regions`.
pub struct Summariser {
    strategies: Vec<String>,
    regions: Vec<String>,
    acc: Vec<Acc>,
}

impl Summariser {
    /// A summariser of these strategies and regions.
    pub fn new(strategies: Vec<String>, regions: Vec<String>) -> Summariser {
        let acc = vec![Acc::default(); strategies.len() * regions.len()];
        Summariser {
            strategies,
            regions,
            acc,
        }
    }

    /// Adds one row; an error says what is wrong with it.
    pub fn push(&mut self, row: &csv::StringRecord) -> Result<(), String> {
        if row.len() != HEADER.len() {
            return Err(format!("{} fields where {} are expected", row.len(), HEADER.len()));
        }
        let s = (self.strategies.iter().position(|s| s == &row[0]))
            .ok_or_else(|| format!("strategy {:?} is not one of the results' strategies", &row[0]))?;
        let r = (self.regions.iter().position(|r| r == &row[3]))
            .ok_or_else(|| format!("region {:?} is not one of the scenario's regions", &row[3]))?;
        let mut xs = [0.0; 3];
        for (i, x) in xs.iter_mut().enumerate() {
            let cell = &row[4 + i];
            *x = cell
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| format!("{}: {cell:?} is not a number from 0 up", HEADER[4 + i]))?;
        }
        let acc = &mut self.acc[s * self.regions.len() + r];
        acc.runs += 1;
        for ((m, k), x) in acc.moments.iter_mut().zip(&mut acc.sketches).zip(xs) {
            m.push(x);
            k.push(x);
        }
        Ok(())
    }

    /// The summaries, strategy by strategy, each region in order.
    pub fn summaries(&self) -> Vec<RegionSummary> {
        let mut out = Vec::new();
        for (s, strategy) in self.strategies.iter().enumerate() {
            for (r, region) in self.regions.iter().enumerate() {
                let acc = &self.acc[s * self.regions.len() + r];
                if acc.runs == 0 {
                    continue;
                }
                let spread = |i: usize| Spread {
                    mean: acc.moments[i].mean(),
                    p95: acc.sketches[i].quantile(0.95).unwrap_or(0.0),
                };
                out.push(RegionSummary {
                    strategy: strategy.clone(),
                    region: region.clone(),
                    runs: acc.runs,
                    no_accepting_s: spread(0),
                    peak_load: spread(1),
                    spilled_sessions: spread(2),
                });
            }
        }
        out
    }
}

/// Reads `regions.csv` (named `file` in errors, with the line) into a
/// summary per strategy and region.
pub fn read<R: io::Read>(
    input: R,
    file: &str,
    strategies: &[String],
    regions: &[String],
) -> Result<Vec<RegionSummary>, String> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input);
    let header = rd.headers().map_err(|e| format!("{file}: {e}"))?.clone();
    if header.iter().ne(HEADER.iter().copied()) {
        return Err(format!("{file}: line 1: the header is not {}", HEADER.join(",")));
    }
    let mut sum = Summariser::new(strategies.to_vec(), regions.to_vec());
    for (i, row) in rd.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| format!("{file}: line {line}: {e}"))?;
        sum.push(&row).map_err(|e| format!("{file}: line {line}: {e}"))?;
    }
    Ok(sum.summaries())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_written_and_summarised_back() {
        let strategies = vec!["a".to_string(), "b".to_string()];
        let regions = vec!["emea".to_string(), "apac".to_string()];
        let mut w = csv::Writer::from_writer(Vec::new());
        write_header(&mut w).unwrap();
        for rep in 0..20u64 {
            let figs: Vec<Vec<RegionFigures>> = (0..2u64)
                .map(|s| {
                    (0..2u64)
                        .map(|r| RegionFigures {
                            no_accepting_ms: 1000 * (rep + 1) + s * 7,
                            peak_load: 0.5 + r as f64,
                            spilled_sessions: rep * (r + 1),
                        })
                        .collect()
                })
                .collect();
            write_rows(&mut w, &strategies, &regions, rep, 9, &figs).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("strategy,replication,seed,region,no_accepting_s,peak_load,spilled_sessions\n"));
        assert!(text.contains("\na,0,9,emea,1.000,0.500000,0\n"), "{text}");
        assert!(text.contains("\nb,3,9,apac,4.007,1.500000,6\n"), "{text}");
        let sums = read(&bytes[..], "regions.csv", &strategies, &regions).unwrap();
        assert_eq!(sums.len(), 4);
        let a_apac = &sums[1];
        assert_eq!(
            (a_apac.strategy.as_str(), a_apac.region.as_str(), a_apac.runs),
            ("a", "apac", 20)
        );
        // Times 1..20 s: mean 10.5, nearest-rank 95th percentile the 19th.
        assert!((a_apac.no_accepting_s.mean - 10.5).abs() < 1e-9);
        assert_eq!(a_apac.no_accepting_s.p95, 19.0);
        assert!((a_apac.peak_load.mean - 1.5).abs() < 1e-9);
        // Spilled 2 × (0..19): mean 19, the 19th value 36.
        assert!((a_apac.spilled_sessions.mean - 19.0).abs() < 1e-9);
        assert_eq!(a_apac.spilled_sessions.p95, 36.0);
    }

    #[test]
    fn a_bad_row_is_named_by_its_line() {
        let s = vec!["a".to_string()];
        let r = vec!["emea".to_string()];
        let text = "strategy,replication,seed,region,no_accepting_s,peak_load,spilled_sessions\na,0,1,emea,1.000,0.5,0\na,1,1,emea,x,0.5,0\n";
        let e = read(text.as_bytes(), "regions.csv", &s, &r).unwrap_err();
        assert_eq!(
            e,
            "regions.csv: line 3: no_accepting_s: \"x\" is not a number from 0 up"
        );
        let text =
            "strategy,replication,seed,region,no_accepting_s,peak_load,spilled_sessions\na,0,1,mars,1.000,0.5,0\n";
        let e = read(text.as_bytes(), "regions.csv", &s, &r).unwrap_err();
        assert!(e.starts_with("regions.csv: line 2: region \"mars\""), "{e}");
        let e = read("a,b\n".as_bytes(), "regions.csv", &s, &r).unwrap_err();
        assert!(e.starts_with("regions.csv: line 1: the header is not"), "{e}");
    }
}

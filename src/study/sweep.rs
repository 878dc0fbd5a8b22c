//! `cutover sweep`: one or two scenario fields varied over given values; a
//! comparison at every point of the grid.
//!
//! A point's scenario is the scenario's text with the fields set, parsed and
//! validated like any scenario file; it is made when needed, so the grid is
//! never held whole, and every point is validated before any runs.

use crate::decision::applies;
use crate::export::num;
use crate::metrics::Metric;
use crate::montecarlo::{Aggregator, SummaryRow};
use crate::report::chart::{Scale, fmt_metric, metric_label, strategy_color};
use crate::report::study::{Curve, HeatMap, StudyChart, SweepLines, charted_metrics, log_axis};
use crate::report::sweep::SweepPoint;
use crate::scenario::Scenario;
use crate::time::parse_duration;

use super::sensitivity::{decision_rows, recommend};
use super::{Error, check_runs};

pub mod labels;

/// Replications per strategy at each point when `--runs` is not given.
pub const DEFAULT_RUNS: u64 = 200;

/// Most points a sweep grid may have (e.g. 1,000 values of one field, or
/// 40 × 25 of two): each point is a whole comparison.
pub const MAX_POINTS: usize = 1000;

/// One swept field: its path and its values, each as given and as a TOML value.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Dotted keys with `[i]` indices, e.g. `calendar.windows[0].hour`.
    pub field: String,
    /// The values as given (`3d`) and as set (`"3d"`).
    pub values: Vec<(String, toml::Value)>,
}

/// Splits `V1,V2,..` at the commas that separate values: not those inside
/// brackets, braces or quotes, so that a list (`[0.5,0.5]`) or an inline
/// table (`{ weekday = "tue", at = "22:00" }`) is one value.
fn split_values(values: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in values.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(values[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(values[start..].trim());
    out
}

/// Parses one `--set PATH=V1,V2,..`. A value is a TOML literal when it is
/// one (numbers, booleans, quoted strings, lists, inline tables), else a
/// bare string (`3d`, `22:00`); a TOML date or time (`22:00:00`) is read
/// as the string it is written as, the way scenario files write them.
/// Commas inside brackets, braces or quotes do not separate values.
pub fn parse_set(s: &str) -> Result<Param, String> {
    let (path, values) = s
        .split_once('=')
        .ok_or_else(|| format!("--set {s:?}: expected PATH=V1,V2,.. e.g. site.data_gb=50,200"))?;
    let field = path.trim().to_string();
    if field.is_empty() {
        return Err(format!("--set {s:?}: empty field path"));
    }
    let mut out = Vec::new();
    for v in split_values(values) {
        if v.is_empty() {
            return Err(format!("--set {s:?}: empty value"));
        }
        let value = match toml::from_str::<toml::Table>(&format!("v = {v}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
        {
            Some(toml::Value::Datetime(_)) | None => toml::Value::String(v.to_string()),
            Some(value) => value,
        };
        out.push((v.to_string(), value));
    }
    Ok(Param { field, values: out })
}

pub use crate::scenario::set_path;

/// A swept value's position on the x axis: the number, the duration in
/// seconds, or its rank when it is neither.
pub fn x_position(shown: &str, value: &toml::Value, rank: usize) -> f64 {
    match value {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        _ => parse_duration(shown).map(|d| d.as_secs_f64()).unwrap_or(rank as f64),
    }
}

/// True when some value is a name or true/false: no order and no distance.
fn categorical(values: &[(String, toml::Value)]) -> bool {
    values.iter().any(|(shown, v)| {
        matches!(v, toml::Value::Boolean(_) | toml::Value::String(_)) && parse_duration(shown).is_err()
    })
}

/// The metric the printed table shows: the first of `sc`'s priorities
/// that applies to its site.
pub fn first_priority(sc: &Scenario) -> Option<&'static Metric> {
    sc.priorities.order.iter().copied().find(|m| applies(m.sites, &sc.site))
}

/// A checked sweep: the scenario's document, the swept fields, the run count.
#[derive(Clone, Debug)]
pub struct Sweep {
    doc: toml::Table,
    params: Vec<Param>,
    sizes: Vec<usize>,
    file: String,
    name: String,
    runs: u64,
}

impl Sweep {
    /// Checks a sweep of the scenario `text` (a valid scenario, named `name`,
    /// from `file`): one or two distinct `--set`, the run count (`--runs`,
    /// else [`DEFAULT_RUNS`]), a grid of at most [`MAX_POINTS`] points
    /// (counted before any is made), and every point's scenario.
    pub fn new(text: &str, file: &str, name: &str, sets: &[String], runs: Option<u64>) -> Result<Sweep, Error> {
        if sets.len() > 2 {
            return Err(Error::Input("sweep takes one or two --set (a line or a grid)".into()));
        }
        let params: Vec<Param> = sets.iter().map(|s| parse_set(s)).collect::<Result<_, _>>()?;
        if params.len() == 2 && params[0].field == params[1].field {
            return Err(Error::Input(format!("--set {} is given twice", params[0].field)));
        }
        let runs = runs.unwrap_or(DEFAULT_RUNS);
        check_runs("--runs", runs)?;
        let sizes: Vec<usize> = params.iter().map(|p| p.values.len()).collect();
        sizes
            .iter()
            .try_fold(1usize, |acc, n| acc.checked_mul(*n))
            .filter(|n| *n <= MAX_POINTS)
            .ok_or_else(|| {
                format!(
                    "--set: a grid of {} points; at most {MAX_POINTS}",
                    sizes.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" × ")
                )
            })?;
        let doc: toml::Table = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        let sweep = Sweep {
            doc,
            params,
            sizes,
            file: file.to_string(),
            name: name.to_string(),
            runs,
        };
        for i in 0..sweep.len() {
            sweep.point(&sweep.index(i))?;
        }
        Ok(sweep)
    }

    /// Replications per strategy at each point.
    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// The swept fields.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The number of points.
    pub fn len(&self) -> usize {
        self.sizes.iter().product()
    }

    /// False: a sweep has at least one point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Point `i` of the grid: the index of each field's value (the last
    /// field varies fastest).
    pub fn index(&self, mut i: usize) -> Vec<usize> {
        let mut g = vec![0; self.sizes.len()];
        for (p, n) in self.sizes.iter().enumerate().rev() {
            g[p] = i % n;
            i /= n;
        }
        g
    }

    /// The scenario at point `g`, validated; its errors name the point.
    pub fn point(&self, g: &[usize]) -> Result<Scenario, Error> {
        let mut d = self.doc.clone();
        let mut label = Vec::new();
        for (p, param) in self.params.iter().enumerate() {
            let (shown, v) = &param.values[g[p]];
            set_path(&mut d, &param.field, v.clone())
                .map_err(|e| Error::Input(format!("--set {}: {e}", param.field)))?;
            label.push(format!("{}={shown}", param.field));
        }
        let text = toml::to_string(&d).map_err(|e| Error::Internal(format!("serialise the scenario: {e}")))?;
        Scenario::parse(&text, &format!("{} with {}", self.file, label.join(", ")), &self.name)
            .map_err(|e| Error::Input(format!("invalid sweep point\n{e}")))
    }

    /// The header of `sweep.csv`: per field its value (a time in seconds,
    /// anything else as given) and `FIELD_human`, its value in words (`3
    /// days`, `400 GB`); then `strategy,metric,n,mean,ci95_low,ci95_high`
    /// (in the metric's unit, seconds for times) and `mean_human`, the
    /// mean in words (`58.5 min`).
    pub fn header(&self) -> Vec<String> {
        let mut header: Vec<String> = self
            .params
            .iter()
            .flat_map(|p| [p.field.clone(), format!("{}_human", p.field)])
            .collect();
        header.extend(["strategy", "metric", "n", "mean", "ci95_low", "ci95_high", "mean_human"].map(String::from));
        header
    }

    /// The values of point `g` in words, one per field.
    pub fn human(&self, g: &[usize]) -> Vec<String> {
        self.params
            .iter()
            .enumerate()
            .map(|(p, param)| {
                let (shown, v) = &param.values[g[p]];
                labels::human(&param.field, shown, v)
            })
            .collect()
    }

    /// Each field's label, as an axis or a table header shows it
    /// (`Stored data (GB)`; the path for a field [`labels::LABELS`] does
    /// not know).
    pub fn labels(&self) -> Vec<String> {
        self.params
            .iter()
            .map(|p| {
                let shown: Vec<String> = p.values.iter().map(|v| v.0.clone()).collect();
                labels::axis_label(&p.field, &shown)
            })
            .collect()
    }

    /// True when the points are one field's values with an order (numbers
    /// or times), so that a change of recommendation lies between two
    /// neighbours.
    pub fn ordered(&self) -> bool {
        self.params.len() == 1 && !categorical(&self.params[0].values)
    }

    /// What point `g` says: its values in words, and the bottom line of
    /// its scenario `sc` from its results `agg`.
    pub fn point_of(&self, g: &[usize], sc: &Scenario, agg: &Aggregator) -> SweepPoint {
        SweepPoint {
            values: self.human(g),
            strategies: agg.strategies().to_vec(),
            rows: decision_rows(agg),
            line: recommend(sc, agg),
        }
    }

    /// The rows of `sweep.csv` for point `g`: one per strategy and metric.
    pub fn rows(&self, g: &[usize], summary: &[SummaryRow]) -> Vec<Vec<String>> {
        summary
            .iter()
            .map(|r| {
                let mut row: Vec<String> = self
                    .params
                    .iter()
                    .enumerate()
                    .flat_map(|(p, param)| {
                        let (shown, v) = &param.values[g[p]];
                        [labels::machine(shown, v), labels::human(&param.field, shown, v)]
                    })
                    .collect();
                row.extend([
                    r.strategy.clone(),
                    r.metric.to_string(),
                    r.n.to_string(),
                    num(r.mean),
                    num(r.ci95_low),
                    num(r.ci95_high),
                    fmt_metric(r.metric, r.mean),
                ]);
                row
            })
            .collect()
    }

    /// The charts of a sweep from each point's summary, each with its file
    /// stem (`sweep-METRIC`): per charted metric, the mean against the swept
    /// value with its CI band (one field), or heat maps (two).
    pub fn charts(&self, results: &[(Vec<usize>, Vec<SummaryRow>)]) -> Vec<(String, StudyChart)> {
        let all: Vec<SummaryRow> = results.iter().flat_map(|r| r.1.iter().cloned()).collect();
        let mut strategies: Vec<String> = Vec::new();
        for r in &all {
            if !strategies.contains(&r.strategy) {
                strategies.push(r.strategy.clone());
            }
        }
        let find = |g: &[usize], s: &str, m: &str| -> Option<&SummaryRow> {
            results
                .iter()
                .find(|(gg, _)| gg == g)?
                .1
                .iter()
                .find(|r| r.strategy == s && r.metric == m)
        };
        let label = self.labels();
        let mut out = Vec::new();
        for metric in charted_metrics(&all) {
            let chart = if self.params.len() == 1 {
                let Param { field, values } = &self.params[0];
                let mut xs: Vec<(String, f64)> = values
                    .iter()
                    .enumerate()
                    .map(|(i, (shown, v))| (shown.clone(), x_position(shown, v, i)))
                    .collect();
                let categorical = categorical(values);
                let log_x = !categorical && log_axis(&xs.iter().map(|x| x.1).collect::<Vec<_>>());
                // Durations go on the axis in a round unit (hours, days).
                let mut param = label[0].clone();
                if values.iter().all(|(shown, _)| parse_duration(shown).is_ok()) {
                    let max = xs.iter().map(|x| x.1).fold(0.0, f64::max);
                    let scale = Scale::for_unit(crate::metrics::Unit::Seconds, max);
                    xs.iter_mut().for_each(|x| x.1 /= scale.div);
                    if labels::find(field).is_none() {
                        param = format!("{field} ({})", scale.unit);
                    }
                }
                let lines = strategies
                    .iter()
                    .enumerate()
                    .map(|(i, s)| Curve {
                        name: s.clone(),
                        color: strategy_color(s, i),
                        points: (0..values.len())
                            .map(|k| {
                                find(&[k], s, metric)
                                    .map_or((f64::NAN, f64::NAN, f64::NAN), |r| (r.mean, r.ci95_low, r.ci95_high))
                            })
                            .collect(),
                    })
                    .collect();
                StudyChart::Lines(SweepLines {
                    title: format!("{} by {}", metric_label(metric), labels::words(field)),
                    metric: metric.into(),
                    param,
                    xs,
                    lines,
                    categorical,
                    log_x,
                })
            } else {
                let (px, py) = (&self.params[0], &self.params[1]);
                let panels = strategies
                    .iter()
                    .map(|s| {
                        let grid = (0..py.values.len())
                            .map(|y| {
                                (0..px.values.len())
                                    .map(|x| find(&[x, y], s, metric).map_or(f64::NAN, |r| r.mean))
                                    .collect()
                            })
                            .collect();
                        (s.clone(), grid)
                    })
                    .collect();
                StudyChart::Heat(HeatMap {
                    title: format!(
                        "mean {} by {} and {}",
                        metric_label(metric),
                        labels::words(&px.field),
                        labels::words(&py.field)
                    ),
                    metric: metric.into(),
                    param_x: label[0].clone(),
                    param_y: label[1].clone(),
                    xs: px.values.iter().map(|v| v.0.clone()).collect(),
                    ys: py.values.iter().map(|v| v.0.clone()).collect(),
                    panels,
                })
            };
            out.push((format!("sweep-{metric}"), chart));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_path_walks_tables_and_lists() {
        let mut d: toml::Table = toml::from_str("[calendar]\nwindows = [{ weekday = \"tue\", hour = 22 }]\n").unwrap();
        set_path(&mut d, "site.data_gb", toml::Value::Integer(50)).unwrap();
        set_path(&mut d, "calendar.windows[0].hour", toml::Value::Integer(3)).unwrap();
        assert_eq!(d["site"]["data_gb"].as_integer(), Some(50));
        assert_eq!(d["calendar"]["windows"][0]["hour"].as_integer(), Some(3));
        assert!(set_path(&mut d, "calendar.windows[4].hour", toml::Value::Integer(3)).is_err());
        assert!(set_path(&mut d, "site.data_gb.x", toml::Value::Integer(3)).is_err());
        assert!(set_path(&mut d, "site..x", toml::Value::Integer(3)).is_err());
        assert!(set_path(&mut d, "calendar.windows[x]", toml::Value::Integer(3)).is_err());
    }

    #[test]
    fn set_values_keep_their_commas_and_times() {
        let p = parse_set("calendar.windows[0].at=22:00,23:30").unwrap();
        let shown: Vec<&str> = p.values.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(shown, ["22:00", "23:30"]);
        assert_eq!(p.values[0].1.as_str(), Some("22:00"));
        // A TOML time is read as the string a scenario file writes.
        let p = parse_set("calendar.windows[0].at=22:00:00").unwrap();
        assert_eq!(p.values[0].1.as_str(), Some("22:00:00"));
        // Lists and inline tables hold their own commas.
        let p = parse_set("workload.days=[1,1,1,1,1,0,0],[1,1,1,1,1,1,1]").unwrap();
        assert_eq!(p.values.len(), 2);
        assert_eq!(p.values[0].1.as_array().map(Vec::len), Some(7));
        let p =
            parse_set(r#"calendar.windows=[{ weekday = "tue", at = "22:00" }],[{ weekday = "sat", at = "20:00" }]"#)
                .unwrap();
        assert_eq!(p.values.len(), 2);
        let p = parse_set(r#"name="a,b",c"#).unwrap();
        assert_eq!(p.values.len(), 2);
        assert_eq!(p.values[0].1.as_str(), Some("a,b"));
    }

    #[test]
    fn set_values_are_toml_literals_or_strings() {
        let p = parse_set("calendar.interim=1d, 3d").unwrap();
        assert_eq!(p.field, "calendar.interim");
        assert_eq!(p.values[1], ("3d".to_string(), toml::Value::String("3d".into())));
        let p = parse_set("site.data_gb=50,2.5").unwrap();
        assert_eq!(p.values[0].1, toml::Value::Integer(50));
        assert_eq!(p.values[1].1, toml::Value::Float(2.5));
        assert!(parse_set("site.data_gb").is_err());
        assert!(parse_set("site.data_gb=1,,2").is_err());
        assert!(parse_set(" =1").is_err());
    }

    fn sweep(sets: &[&str], runs: Option<u64>) -> Result<Sweep, Error> {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        Sweep::new(crate::scenario::DEFAULT_TOML, "default.toml", "default", &sets, runs)
    }

    #[test]
    fn a_grid_is_indexed_with_the_last_field_fastest_and_its_points_are_scenarios() {
        let s = sweep(&["site.data_gb=50,400", "calendar.interim=1d,2d,3d"], None).unwrap();
        assert_eq!((s.len(), s.runs()), (6, DEFAULT_RUNS));
        assert_eq!(s.index(0), [0, 0]);
        assert_eq!(s.index(4), [1, 1]);
        assert_eq!(s.index(5), [1, 2]);
        let sc = s.point(&s.index(5)).unwrap();
        assert_eq!(sc.site.data_gb, 400.0);
        assert_eq!(sc.name, "failover-pair");
        assert_eq!(s.human(&s.index(5)), ["400 GB", "3 days"]);
        assert_eq!(s.labels(), ["Stored data (GB)", "Interim period (days)"]);
        assert!(!s.ordered(), "a grid");
        assert_eq!(
            s.header(),
            [
                "site.data_gb",
                "site.data_gb_human",
                "calendar.interim",
                "calendar.interim_human",
                "strategy",
                "metric",
                "n",
                "mean",
                "ci95_low",
                "ci95_high",
                "mean_human"
            ]
        );
    }

    #[test]
    fn sweeps_are_checked_before_any_point_runs() {
        let input = |r: Result<Sweep, Error>| match r {
            Err(Error::Input(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            input(sweep(&["a=1", "b=1", "c=1"], None)),
            "sweep takes one or two --set (a line or a grid)"
        );
        assert_eq!(input(sweep(&["a=1", "a=2"], None)), "--set a is given twice");
        assert_eq!(input(sweep(&["site.data_gb=1"], Some(0))), "--runs must be at least 1");
        let many: String = (0..1001).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert_eq!(
            input(sweep(&[&format!("site.data_gb={many}")], None)),
            "--set: a grid of 1001 points; at most 1000"
        );
        // A value that makes one point invalid is found before any runs,
        // and the point is named.
        let e = input(sweep(&["site.data_gb=50,-1"], None));
        assert!(
            e.starts_with("invalid sweep point") && e.contains("site.data_gb=-1"),
            "{e}"
        );
        let e = input(sweep(&["foo[2].x=1"], None));
        assert_eq!(e, "--set foo[2].x: \"foo\" is not a list in the scenario");
    }

    #[test]
    fn swept_values_sit_on_the_x_axis_by_number_duration_or_rank() {
        assert_eq!(x_position("50", &toml::Value::Integer(50), 0), 50.0);
        assert_eq!(x_position("2.5", &toml::Value::Float(2.5), 1), 2.5);
        assert_eq!(x_position("1h", &toml::Value::String("1h".into()), 2), 3600.0);
        assert_eq!(x_position("tue", &toml::Value::String("tue".into()), 3), 3.0);
    }
}

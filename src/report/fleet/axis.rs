//! The dated axis of a campaign's charts (ticks on local midnights in the
//! fleet's zone) and the marks the Gantt and the sites-without-failover
//! chart share: the waves, the deadline, the chart's right edge.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::fleet::Fleet;
use crate::fleet::campaign::CampaignRun;
use crate::report::chart::{DrawResult, font};
use crate::time::{MS_PER_DAY, MS_PER_HOUR};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The local date of campaign instant `t` (ms from the fleet's start) in `tz`.
pub(super) fn local_date(start_unix_ms: i64, tz: &TimeZone, t: i64) -> Date {
    tz.to_datetime(Timestamp::from_millisecond(start_unix_ms + t).unwrap_or(Timestamp::UNIX_EPOCH))
        .date()
}

/// `3 Mar`.
pub(super) fn day_month(d: Date) -> String {
    format!("{} {}", d.day(), MONTHS[(d.month() as usize).clamp(1, 12) - 1])
}

/// The campaign instant of local midnight starting `d`.
pub(super) fn midnight(start_unix_ms: i64, tz: &TimeZone, d: Date) -> Option<i64> {
    let ts = tz
        .to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .ok()?;
    Some(ts.as_millisecond() - start_unix_ms)
}

/// `3 Mar` of campaign instant `t` in the fleet's zone.
pub fn fleet_day(fleet: &Fleet, t: i64) -> String {
    day_month(local_date(fleet.start_unix_ms, &fleet.zone, t))
}

/// A dated time axis: campaign ms to pixels, ticks on local midnights.
#[derive(Clone, Debug)]
pub(super) struct DateAxis {
    pub(super) start_unix_ms: i64,
    pub(super) tz: TimeZone,
    pub(super) zone_name: String,
    /// Campaign ms at the left and right edges.
    pub(super) from: i64,
    pub(super) to: i64,
    pub(super) x0: i32,
    pub(super) x1: i32,
}

impl DateAxis {
    pub(super) fn new(fleet: &Fleet, to: i64, x0: i32, x1: i32) -> DateAxis {
        DateAxis {
            start_unix_ms: fleet.start_unix_ms,
            tz: fleet.zone.clone(),
            zone_name: fleet.zone_name.clone(),
            from: 0,
            to: to.max(MS_PER_DAY as i64),
            x0,
            x1,
        }
    }

    pub(super) fn xf(&self, t: i64) -> f64 {
        let f = (t - self.from) as f64 / (self.to - self.from).max(1) as f64;
        self.x0 as f64 + f * (self.x1 - self.x0) as f64
    }

    pub(super) fn x(&self, t: i64) -> i32 {
        self.xf(t.clamp(self.from, self.to)).round() as i32
    }

    /// Ticks at local midnights, about one per 90 px: days, weeks (Mondays)
    /// or months (their first day).
    pub(super) fn ticks(&self) -> Vec<(i64, String)> {
        let days = (self.to - self.from) as f64 / MS_PER_DAY as f64;
        let per_day = (self.x1 - self.x0) as f64 / days.max(1e-9);
        let want = 90.0 / per_day; // days between ticks
        let first = local_date(self.start_unix_ms, &self.tz, self.from);
        let last = local_date(self.start_unix_ms, &self.tz, self.to);
        let mut out = Vec::new();
        let mut d = first;
        let mut i = 0i64;
        let push = |d: Date, out: &mut Vec<(i64, String)>| {
            if let Some(t) = midnight(self.start_unix_ms, &self.tz, d)
                && t >= self.from
                && t <= self.to
            {
                out.push((t, day_month(d)));
            }
        };
        if want <= 2.0 {
            let step = if want <= 1.0 { 1 } else { 2 };
            while d <= last {
                if i % step == 0 {
                    push(d, &mut out);
                }
                i += 1;
                d = d.tomorrow().unwrap_or(Date::MAX);
            }
        } else if want <= 14.0 {
            let step = if want <= 7.0 { 1 } else { 2 };
            while d.weekday() != jiff::civil::Weekday::Monday {
                d = d.tomorrow().unwrap_or(Date::MAX);
            }
            while d <= last {
                if i % step == 0 {
                    push(d, &mut out);
                }
                i += 1;
                d = d.checked_add(jiff::Span::new().days(7)).unwrap_or(Date::MAX);
            }
        } else {
            let step = [1i8, 2, 3, 6, 12]
                .into_iter()
                .find(|m| *m as f64 * 30.0 >= want)
                .unwrap_or(12);
            let mut m = first.first_of_month();
            while m <= last {
                if (m.month() - 1) % step == 0
                    && let Some(t) = midnight(self.start_unix_ms, &self.tz, m)
                    && t >= self.from
                    && t <= self.to
                {
                    // Months by name; January with its year.
                    let name = MONTHS[(m.month() as usize).clamp(1, 12) - 1];
                    let label = if m.month() == 1 {
                        format!("{name} {}", m.year())
                    } else {
                        name.to_string()
                    };
                    out.push((t, label));
                }
                m = m.checked_add(jiff::Span::new().months(1)).unwrap_or(Date::MAX);
            }
        }
        out
    }

    pub(super) fn title(&self) -> String {
        format!("date ({})", self.zone_name)
    }

    /// Ticks and labels under `y`, the axis title below them.
    pub(super) fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, y: i32) -> DrawResult<DB> {
        area.draw(&PathElement::new(vec![(self.x0, y), (self.x1, y)], BLACK))?;
        let mut last_end = i32::MIN;
        for (t, label) in self.ticks() {
            let x = self.x(t);
            area.draw(&PathElement::new(vec![(x, y), (x, y + 5)], BLACK))?;
            let half = area.estimate_text_size(&label, &TextStyle::from(font(12.0)))?.0 as i32 / 2;
            if x - half < last_end + 8 {
                continue;
            }
            last_end = x + half;
            area.draw(&Text::new(
                label,
                (x, y + 8),
                TextStyle::from(font(12.0)).pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
        area.draw(&Text::new(
            self.title(),
            ((self.x0 + self.x1) / 2, y + 28),
            TextStyle::from(font(14.0)).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
    }
}

/// The colour of the deadline.
pub const DEADLINE_COLOR: RGBColor = RGBColor(20, 20, 20);

/// A wave as the Gantt marks it.
#[derive(Clone, Debug)]
pub struct WaveMark {
    /// `wave 1`.
    pub label: String,
    /// Start and end (campaign ms), none when it never started.
    pub span: Option<(i64, i64)>,
    /// The bake after it, up to the next wave's start.
    pub bake: Option<(i64, i64)>,
}

/// The right edge of a campaign's charts: its end, the deadline, every
/// wave, with a little room.
pub(super) fn chart_end(fleet: &Fleet, run: &CampaignRun) -> i64 {
    let mut end = run.metrics.campaign_ms as i64;
    for w in run.waves.iter().flatten() {
        end = end.max(w.1);
    }
    for s in run.all_runs() {
        end = end.max(s.end.unwrap_or(0));
    }
    if let Some(d) = fleet.deadline_unix_ms {
        end = end.max(d - fleet.start_unix_ms);
    }
    let end = end.max(MS_PER_DAY as i64);
    end + (end / 25).max(MS_PER_HOUR as i64)
}

pub(super) fn wave_marks(fleet: &Fleet, plan: usize, run: &CampaignRun) -> Vec<WaveMark> {
    let _ = &fleet.plans[plan];
    (0..run.waves.len())
        .map(|w| {
            let span = run.waves[w];
            let bake = match (span, run.waves.get(w + 1).copied().flatten()) {
                (Some((_, e)), Some((next, _))) if next > e => Some((e, next)),
                _ => None,
            };
            WaveMark {
                label: format!("wave {}", w + 1),
                span,
                bake,
            }
        })
        .collect()
}

pub(super) fn deadline_mark(fleet: &Fleet) -> Option<(i64, String)> {
    fleet.deadline_unix_ms.map(|d| {
        let t = d - fleet.start_unix_ms;
        // The deadline is the end of its day: name that day.
        (t, format!("deadline {}", fleet_day(fleet, t - 1)))
    })
}

/// The deadline: a dashed vertical line at `x` from `top` to `bottom`,
/// labelled at its top, on its right unless the label would pass `right`.
pub(super) fn draw_deadline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x: i32,
    label: &str,
    top: i32,
    bottom: i32,
    right: i32,
) -> DrawResult<DB> {
    dashed_v(area, x, top, bottom, DEADLINE_COLOR.stroke_width(2))?;
    let tw = area.estimate_text_size(label, &TextStyle::from(font(13.0)))?.0 as i32;
    let (x, anchor) = if x + 6 + tw <= right {
        (x + 6, HPos::Left)
    } else {
        (x - 6, HPos::Right)
    };
    area.draw(&Text::new(
        label.to_string(),
        (x, top),
        TextStyle::from(font(13.0))
            .color(&DEADLINE_COLOR)
            .pos(Pos::new(anchor, VPos::Top)),
    ))?;
    Ok(())
}

pub(super) fn dashed_v<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x: i32,
    y0: i32,
    y1: i32,
    style: ShapeStyle,
) -> DrawResult<DB> {
    let mut y = y0;
    while y < y1 {
        area.draw(&PathElement::new(vec![(x, y), (x, (y + 6).min(y1))], style))?;
        y += 10;
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    const DAY: i64 = MS_PER_DAY as i64;
    const HOUR: i64 = MS_PER_HOUR as i64;
    /// 2025-03-03T00:00Z, a Monday.
    const START: i64 = 1_740_960_000_000;

    pub(in crate::report::fleet) fn axis(zone: &str, days: i64) -> DateAxis {
        DateAxis {
            start_unix_ms: START,
            tz: crate::model::calendar::time_zone(zone).unwrap(),
            zone_name: zone.into(),
            from: 0,
            to: days * DAY,
            x0: 160,
            x1: 1116,
        }
    }

    #[test]
    fn ticks_fall_on_local_midnights_with_short_dates() {
        // 46 days on 956 px: about 21 px a day, so weekly ticks on Mondays.
        let a = axis("UTC", 46);
        let ticks = a.ticks();
        let labels: Vec<&str> = ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(&labels[..4], ["3 Mar", "10 Mar", "17 Mar", "24 Mar"]);
        assert!(ticks.iter().all(|(t, _)| t % (7 * DAY) == 0));
        // Five days: a tick a day.
        assert_eq!(axis("UTC", 5).ticks().len(), 6);
        // A year: months.
        let year: Vec<String> = axis("UTC", 365).ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(year, ["May", "Jul", "Sep", "Nov", "Jan 2026", "Mar"]);
        // Paris: midnight is 23:00 UTC in winter, 22:00 UTC after 30 March.
        let paris = axis("Europe/Paris", 46).ticks();
        assert_eq!(paris[0].0, 7 * DAY - HOUR, "10 Mar 00:00 CET");
        assert_eq!(paris[0].1, "10 Mar");
        let apr = paris.iter().find(|t| t.1 == "31 Mar").unwrap();
        assert_eq!(apr.0, 28 * DAY - 2 * HOUR, "31 Mar 00:00 CEST");
    }
}

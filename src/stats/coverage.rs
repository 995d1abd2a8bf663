//! The coverage report: for every unit and item, what was planned, delivered, put up, scanned and known,
//! side by side, with the gaps marked.

use super::plan::Plan;
use super::returns::Returns;
use super::scan::Scans;
use super::survey::{Survey, Tally, SATISFIED};
use crate::print::ItemKind;

/// Rates below this (in tenths of a percent) are marked: the plans ask for 知晓率 of 90% and more.
pub const TARGET_PERMILLE: u64 = 900;

/// A gap, with a stable code for the CSV and a label for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    NoDeliveryRecord,
    ShortDelivered,
    OverDelivered,
    NotAllPosted,
    NoScans,
    NoSurvey,
    AwarenessBelowTarget,
    SatisfactionBelowTarget,
}

impl Gap {
    pub fn code(self) -> &'static str {
        match self {
            Gap::NoDeliveryRecord => "no_delivery_record",
            Gap::ShortDelivered => "short_delivered",
            Gap::OverDelivered => "over_delivered",
            Gap::NotAllPosted => "not_all_posted",
            Gap::NoScans => "no_scans",
            Gap::NoSurvey => "no_survey",
            Gap::AwarenessBelowTarget => "awareness_below_90",
            Gap::SatisfactionBelowTarget => "satisfaction_below_90",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Gap::NoDeliveryRecord => "无发放记录",
            Gap::ShortDelivered => "发放少于计划",
            Gap::OverDelivered => "发放多于计划",
            Gap::NotAllPosted => "未全部张贴",
            Gap::NoScans => "无人扫码",
            Gap::NoSurvey => "未调查",
            Gap::AwarenessBelowTarget => "知晓率低于90%",
            Gap::SatisfactionBelowTarget => "满意度低于90%",
        }
    }
}

/// One line of the coverage report: a unit (item `None`, with totals and the survey) or one of its items.
#[derive(Debug, Clone)]
pub struct Line {
    pub unit: usize,
    pub item: Option<usize>,
    pub planned: u64,
    /// `None`: no delivery record names it.
    pub delivered: Option<u64>,
    /// Posters only.
    pub posted: Option<u64>,
    pub scans: u64,
    pub visitors: u64,
    pub awareness: Option<Tally>,
    pub satisfaction: Option<Tally>,
    pub gaps: Vec<Gap>,
}

/// The coverage lines: each unit, then its items, in the order of the scan report.
pub fn lines(plan: &Plan, scans: &Scans, returns: &Returns, survey: &Survey) -> Vec<Line> {
    let mut out = Vec::new();
    for (u, _) in plan.units.iter().enumerate() {
        let mut items = Vec::new();
        for (r, row) in plan.rows.iter().enumerate() {
            let (true, Some(i)) = (row.unit == u, row.item) else { continue };
            let planned = u64::from(row.planned.unwrap_or(0));
            let delivered = returns.delivered.get(&r).copied();
            let poster = plan.items[i].kind == ItemKind::Poster;
            let posted = poster.then(|| returns.posted.get(&r).copied().unwrap_or(0));
            let mut gaps = Vec::new();
            match delivered {
                None if planned > 0 => gaps.push(Gap::NoDeliveryRecord),
                Some(d) if d < planned => gaps.push(Gap::ShortDelivered),
                Some(d) if d > planned => gaps.push(Gap::OverDelivered),
                _ => {}
            }
            // Every copy that reached the unit (or, without a record, every copy planned) should be up.
            if let Some(p) = posted {
                if p < delivered.unwrap_or(planned) {
                    gaps.push(Gap::NotAllPosted);
                }
            }
            let counter = &scans.rows[r];
            if counter.scans == 0 {
                gaps.push(Gap::NoScans);
            }
            items.push(Line {
                unit: u,
                item: Some(i),
                planned,
                delivered,
                posted,
                scans: counter.scans,
                visitors: counter.visitors(),
                awareness: None,
                satisfaction: None,
                gaps,
            });
        }
        let unit = &plan.units[u];
        let sum = |f: &dyn Fn(&Line) -> Option<u64>| -> Option<u64> {
            let values: Vec<u64> = items.iter().filter_map(f).collect();
            (!values.is_empty()).then(|| values.iter().sum())
        };
        let counter = &scans.units[u];
        let mut gaps = Vec::new();
        if counter.scans == 0 {
            gaps.push(Gap::NoScans);
        }
        let (awareness, satisfaction) = if unit.landing {
            let awareness = survey.awareness(u);
            let satisfaction = survey.question(u, SATISFIED);
            if awareness.answers == 0 && satisfaction.answers == 0 {
                gaps.push(Gap::NoSurvey);
            }
            if awareness.permille().is_some_and(|p| p < TARGET_PERMILLE) {
                gaps.push(Gap::AwarenessBelowTarget);
            }
            if satisfaction.permille().is_some_and(|p| p < TARGET_PERMILLE) {
                gaps.push(Gap::SatisfactionBelowTarget);
            }
            (Some(awareness), Some(satisfaction))
        } else {
            (None, None)
        };
        out.push(Line {
            unit: u,
            item: None,
            planned: items.iter().map(|l| l.planned).sum(),
            delivered: sum(&|l| l.delivered),
            posted: sum(&|l| l.posted),
            scans: counter.scans,
            visitors: counter.visitors(),
            awareness,
            satisfaction,
            gaps,
        });
        out.extend(items);
    }
    out
}

/// The coverage CSV (no byte-order mark; ids and codes are ASCII, only titles are Chinese).
pub fn csv(plan: &Plan, lines: &[Line]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "unit",
        "item",
        "kind",
        "planned",
        "delivered",
        "posted",
        "scans",
        "visitors",
        "awareness",
        "awareness_answers",
        "satisfaction",
        "satisfaction_answers",
        "gaps",
    ]);
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let rate = |t: Option<Tally>| t.and_then(|t| t.permille()).map(|p| format!("{}.{}", p / 10, p % 10)).unwrap_or_default();
    let answers = |t: Option<Tally>| t.map(|t| t.answers.to_string()).unwrap_or_default();
    for line in lines {
        let kind = match line.item.map(|i| plan.items[i].kind) {
            None => "unit",
            Some(ItemKind::Poster) => "poster",
            Some(ItemKind::Letter) => "letter",
        };
        let gaps: Vec<&str> = line.gaps.iter().map(|g| g.code()).collect();
        let _ = w.write_record([
            plan.units[line.unit].id.as_str(),
            line.item.map(|i| plan.items[i].id.as_str()).unwrap_or(""),
            kind,
            &line.planned.to_string(),
            &opt(line.delivered),
            &opt(line.posted),
            &line.scans.to_string(),
            &line.visitors.to_string(),
            &rate(line.awareness),
            &answers(line.awareness),
            &rate(line.satisfaction),
            &answers(line.satisfaction),
            &gaps.join(";"),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

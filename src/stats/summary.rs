//! The public summary (`placard stats --summary FILE`): per unit and for the whole town, what was
//! planned, delivered, put up and scanned, and the survey rates with the answers behind them. Counts
//! and rates only: no address, browser, name, phone number, day-by-day or per-visitor figure can
//! reach it, because nothing but the coverage lines' totals is ever put in. A site may publish it
//! with the `coverage_summary` shortcode (docs/stats.md).

use serde::Serialize;

use super::coverage::Line;
use super::survey::Tally;
use super::Report;

/// The whole summary.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub title: String,
    /// The first and last day of the logs read, when any line was counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_day: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_day: Option<String>,
    pub town: Counts,
    pub units: Vec<Counts>,
}

/// The counts of one unit, or of the whole town.
#[derive(Debug, Default, Serialize)]
pub struct Counts {
    pub id: String,
    pub name: String,
    /// Copies on the print order.
    pub planned: u64,
    /// Copies in the delivery returns (absent: no record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered: Option<u64>,
    /// Poster copies with a date put up (absent: nothing to put up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posted: Option<u64>,
    pub scans: u64,
    /// 知晓率 and 满意度 in percent with one decimal, each with the answers behind it (absent: not surveyed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awareness: Option<f64>,
    pub awareness_answers: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<f64>,
    pub satisfaction_answers: u64,
}

fn rate(t: Option<Tally>) -> (Option<f64>, u64) {
    match t {
        Some(t) => (t.permille().map(|p| p as f64 / 10.0), t.answers),
        None => (None, 0),
    }
}

fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        _ => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    }
}

/// The summary of a report: one entry per unit (its totals line), and the town's sums.
pub fn summary(report: &Report) -> Summary {
    let plan = &report.plan;
    // `all`, not `town`: that is the id of the line of items printed for no unit.
    let mut town = Counts { id: "all".into(), name: "全镇合计".into(), ..Counts::default() };
    let mut units = Vec::new();
    for line in report.coverage.iter().filter(|l: &&Line| l.item.is_none()) {
        let unit = &plan.units[line.unit];
        let (awareness, awareness_answers) = rate(line.awareness);
        let (satisfaction, satisfaction_answers) = rate(line.satisfaction);
        town.planned += line.planned;
        town.delivered = add(town.delivered, line.delivered);
        town.posted = add(town.posted, line.posted);
        town.scans += line.scans;
        units.push(Counts {
            id: unit.id.clone(),
            name: unit.name.clone(),
            planned: line.planned,
            delivered: line.delivered,
            posted: line.posted,
            scans: line.scans,
            awareness,
            awareness_answers,
            satisfaction,
            satisfaction_answers,
        });
    }
    // Channel pages are scanned too (a channel's own code): they count for the town.
    town.scans += report.scans.channels.iter().map(|c| c.scans).sum::<u64>();
    (town.awareness, town.awareness_answers) = rate(report.survey.found.then(|| report.survey.town_awareness()));
    (town.satisfaction, town.satisfaction_answers) = rate(report.survey.found.then(|| report.survey.town(super::survey::SATISFIED)));
    let period = report.scans.period();
    Summary {
        title: plan.title.clone(),
        first_day: period.map(|(first, _)| super::log::format_day(first)),
        last_day: period.map(|(_, last)| super::log::format_day(last)),
        town,
        units,
    }
}

/// The summary as JSON when `path` ends in `.json`, else as TOML.
pub fn bytes(summary: &Summary, path: &std::path::Path) -> Result<Vec<u8>, crate::error::Error> {
    let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let text = if json {
        serde_json::to_string_pretty(summary).map(|t| t + "\n").map_err(|e| e.to_string())
    } else {
        toml::to_string(summary).map(|t| format!("# placard stats --summary: counts only, for publishing\n{t}")).map_err(|e| e.to_string())
    };
    text.map(String::into_bytes).map_err(|e| crate::error::Error::new(format!("the summary could not be written: {e}")))
}

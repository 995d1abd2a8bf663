//! Awareness survey tallies (知晓率/满意度): counted by hand from the paper questionnaires, one row per
//! unit and question, in `data/survey.csv`. The format is documented in docs/stats.md.

use std::collections::BTreeMap;
use std::path::Path;

use super::plan::Plan;
use super::table;
use crate::error::Errors;
pub use crate::print::formats::{is_question_id, near_standard, standard, Question, FILE, QUESTIONS, SATISFIED, SURVEY_COLUMNS as COLUMNS};

/// Answers behind a rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub answers: u64,
    pub yes: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.answers += other.answers;
        self.yes += other.yes;
    }

    /// The rate in tenths of a percent, rounded half up with whole numbers only, so it prints the same
    /// everywhere; `None` with no answers.
    pub fn permille(&self) -> Option<u64> {
        (self.answers > 0).then(|| (self.yes * 2000 + self.answers) / (2 * self.answers))
    }

    /// `87.5%`, or `—` with no answers.
    pub fn percent(&self) -> String {
        match self.permille() {
            Some(p) => format!("{}.{}%", p / 10, p % 10),
            None => "—".into(),
        }
    }
}

/// Tallies per unit (by plan index) and question id. Rows for the same unit and question add up, so two
/// grid workers' sheets can be entered one after the other.
#[derive(Debug, Clone, Default)]
pub struct Survey {
    pub found: bool,
    pub units: BTreeMap<usize, BTreeMap<String, Tally>>,
    /// The site's questions (the standard ones unless its survey form lists its own).
    pub asked: Vec<Question>,
}

impl Survey {
    /// Questions that appear anywhere: the site's own list first, then others found in the tallies, by id.
    pub fn questions(&self) -> Vec<String> {
        let mut seen: Vec<String> = self.asked.iter().map(|q| q.id.clone()).collect();
        let mut extra: Vec<String> = self.units.values().flat_map(|q| q.keys().cloned()).filter(|q| !seen.contains(q)).collect();
        extra.sort();
        extra.dedup();
        seen.extend(extra);
        seen
    }

    /// 知晓率 of a unit: yes answers over all answers to the awareness questions (`know_…`).
    pub fn awareness(&self, unit: usize) -> Tally {
        let mut total = Tally::default();
        for (q, t) in self.units.get(&unit).into_iter().flatten() {
            if q.starts_with("know_") {
                total.add(*t);
            }
        }
        total
    }

    pub fn question(&self, unit: usize, question: &str) -> Tally {
        self.units.get(&unit).and_then(|q| q.get(question)).copied().unwrap_or_default()
    }

    /// A question over all units.
    pub fn town(&self, question: &str) -> Tally {
        let mut total = Tally::default();
        for q in self.units.values() {
            if let Some(t) = q.get(question) {
                total.add(*t);
            }
        }
        total
    }

    pub fn town_awareness(&self) -> Tally {
        let mut total = Tally::default();
        for unit in self.units.keys() {
            total.add(self.awareness(*unit));
        }
        total
    }
}

impl Survey {
    /// The label of a question id: the site's, the standard one, or the id itself.
    pub fn label<'a>(&'a self, question: &'a str) -> &'a str {
        if let Some(q) = self.asked.iter().find(|q| q.id == question) {
            return &q.label;
        }
        QUESTIONS.iter().find(|(id, _, _)| *id == question).map(|(_, l, _)| *l).unwrap_or(question)
    }
}

/// Reads and checks the tallies file.
pub fn load(path: &Path, plan: &Plan, errors: &mut Errors) -> Survey {
    let mut survey = Survey { found: true, asked: plan.questions.clone(), ..Survey::default() };
    let Some(table) = table::read(path, COLUMNS, errors) else { return survey };
    let unit_ids: Vec<&str> = plan.units.iter().filter(|u| u.landing).map(|u| u.id.as_str()).collect();
    let standard: Vec<&str> = plan.questions.iter().map(|q| q.id.as_str()).collect();
    for row in &table.rows {
        let unit_id = row.get(0);
        let unit = plan.unit_index(unit_id).filter(|u| plan.units[*u].landing);
        if unit.is_none() {
            let hint = match crate::error::suggest(unit_id, &unit_ids) {
                Some(near) => format!("did you mean `{near}`? the units are: {}", unit_ids.join(", ")),
                None => format!("the units are: {}", unit_ids.join(", ")),
            };
            errors.push(row.error(&table, COLUMNS, 0, format!("there is no unit `{unit_id}`")).with_hint(hint));
        }
        let question = row.get(1);
        let mut question_ok = is_question_id(question);
        if !question_ok {
            errors.push(
                row.error(&table, COLUMNS, 1, format!("`{question}` is not a question id"))
                    .with_hint(format!("use a standard question ({}) or an id of your own in lower-case letters, digits and _", standard.join(", "))),
            );
        } else if !standard.contains(&question) {
            // An id one slip away from a listed one is a typo, not a new question.
            if let Some(near) = crate::error::suggest(question, &standard) {
                errors.push(
                    row.error(&table, COLUMNS, 1, format!("`{question}` is not a standard question"))
                        .with_hint(format!("did you mean `{near}`? an office's own question needs an id clearly different from the standard ones")),
                );
                question_ok = false;
            }
        }
        let answers = table::parse_count(row.get(2));
        if answers.is_none() {
            errors.push(row.error(&table, COLUMNS, 2, format!("`{}` is not a number of answers", row.get(2))).with_hint("write digits only, like 48"));
        }
        let yes = table::parse_count(row.get(3));
        if yes.is_none() {
            errors.push(row.error(&table, COLUMNS, 3, format!("`{}` is not a number of answers", row.get(3))).with_hint("write digits only, like 45"));
        }
        if let (Some(a), Some(y)) = (answers, yes) {
            if y > a {
                errors.push(
                    row.error(&table, COLUMNS, 3, format!("{y} yes answers out of {a} answers"))
                        .with_hint("`yes` counts the questionnaires that answered yes, so it cannot exceed `answers`"),
                );
                continue;
            }
        }
        if let (Some(u), true, Some(a), Some(y)) = (unit, question_ok, answers, yes) {
            survey.units.entry(u).or_default().entry(question.to_string()).or_default().add(Tally { answers: u64::from(a), yes: u64::from(y) });
        }
    }
    survey
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_half_up_in_tenths() {
        assert_eq!(Tally { answers: 8, yes: 7 }.percent(), "87.5%");
        assert_eq!(Tally { answers: 3, yes: 2 }.percent(), "66.7%");
        assert_eq!(Tally { answers: 3, yes: 1 }.percent(), "33.3%");
        assert_eq!(Tally { answers: 2000, yes: 1 }.percent(), "0.1%");
        assert_eq!(Tally { answers: 0, yes: 0 }.percent(), "—");
        assert_eq!(Tally { answers: 5, yes: 5 }.percent(), "100.0%");
    }
}

//! Notices (通告), above all the 悬赏通告: a web page that is also printed as an official posting,
//! with a validity period and a state. A notice no longer in force is marked on the website, points
//! to its replacement, is not printed, and `placard check` warns about pages that still link to it
//! or quote its rewards.

use chrono::NaiveDate;
use serde::Serialize;

use crate::content::library::Item;
use crate::content::Library;
use crate::error::{Error, Errors};

/// Where a notice stands on the day of the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Published but its `valid_from` is still ahead.
    Pending,
    InForce,
    Expired,
    Revoked,
    Superseded,
}

impl State {
    /// What the website and the print order call it.
    pub fn label(self) -> &'static str {
        match self {
            State::Pending => "尚未施行",
            State::InForce => "现行有效",
            State::Expired => "已过有效期",
            State::Revoked => "已撤销",
            State::Superseded => "已被新通告替代",
        }
    }
}

/// One notice and its state.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub id: String,
    /// Its page, as `notices/x.md`.
    pub relative: String,
    pub title: String,
    pub path: String,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub date: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub revoked: Option<String>,
    pub state: State,
    pub state_label: &'static str,
    pub in_force: bool,
    /// The notice that replaced it: title and path.
    pub superseded_by: Option<Replacement>,
    /// The amounts in its reward table (`10万元`, `5000元`), which other pages must not quote once it
    /// is no longer in force.
    pub rewards: Vec<String>,
    #[serde(skip)]
    pub page: usize,
}

/// The notice that replaced another.
#[derive(Debug, Clone, Serialize)]
pub struct Replacement {
    pub title: String,
    pub path: String,
    pub number: Option<String>,
}

/// Every page with a `[notice]` table, with its state on `today`.
pub fn collect(library: &Library, today: NaiveDate, errors: &mut Errors) -> Vec<Notice> {
    let mut notices = Vec::new();
    for (index, page) in library.pages.iter().enumerate() {
        let Some(meta) = &page.meta.notice else { continue };
        let id = meta.id.clone().unwrap_or_else(|| page.slug.clone());
        if !crate::content::is_short_id(&id, 28) {
            errors.push(
                page.keys
                    .locate(Error::in_file(&page.file, format!("`{id}` cannot be a notice id")), "id")
                    .with_hint("give the notice an id of lower-case letters, digits and dashes, like id = \"xuanshang-2026\""),
            );
            continue;
        }
        let replacement = match &meta.superseded_by {
            None => None,
            Some(link) => match library.get(link) {
                Some(Item::Page(p)) if p != index => {
                    let to = &library.pages[p];
                    Some(Replacement {
                        title: to.meta.title.clone().unwrap_or_default(),
                        path: to.path.clone(),
                        number: to.meta.notice.as_ref().and_then(|n| n.number.clone()),
                    })
                }
                _ => {
                    errors.push(
                        page.keys
                            .locate(Error::in_file(&page.file, format!("superseded_by = \"{link}\" is not another page")), "superseded_by")
                            .with_hint("name the new notice's file, like superseded_by = \"@/notices/xuanshang-2027.md\""),
                    );
                    None
                }
            },
        };
        let until = meta.valid_until.as_ref().map(|d| d.day());
        let from = meta.valid_from.as_ref().map(|d| d.day());
        if let (Some(from), Some(until)) = (from, until) {
            if until < from {
                errors.push(
                    page.keys
                        .locate(Error::in_file(&page.file, "the notice ends before it begins"), "valid_until")
                        .with_hint("valid_until must be on or after valid_from"),
                );
            }
        }
        // Revoked and superseded say more than expired, so they win.
        let state = if meta.revoked.as_ref().is_some_and(|d| d.day() <= today) {
            State::Revoked
        } else if replacement.is_some() {
            State::Superseded
        } else if until.is_some_and(|d| d < today) {
            State::Expired
        } else if from.is_some_and(|d| d > today) {
            State::Pending
        } else {
            State::InForce
        };
        notices.push(Notice {
            id,
            relative: page.relative.clone(),
            title: page.meta.title.clone().unwrap_or_default(),
            path: page.path.clone(),
            number: meta.number.clone(),
            issuer: meta.issuer.clone(),
            date: meta.date.as_ref().or(page.date.as_ref()).map(|d| d.text.clone()),
            valid_from: meta.valid_from.as_ref().map(|d| d.text.clone()),
            valid_until: meta.valid_until.as_ref().map(|d| d.text.clone()),
            revoked: meta.revoked.as_ref().map(|d| d.text.clone()),
            state,
            state_label: state.label(),
            in_force: state == State::InForce,
            superseded_by: replacement,
            rewards: reward_amounts(&page.body.text()),
            page: index,
        });
    }
    notices
}

/// The money amounts in the Markdown tables of a notice body: `10万元`, `5000元`, `2000元至1万元`
/// gives `2000元` and `1万元`.
pub fn reward_amounts(body: &str) -> Vec<String> {
    let mut amounts: Vec<String> = Vec::new();
    for line in body.lines().filter(|l| l.trim_start().starts_with('|')) {
        for amount in amounts_in(line) {
            if !amounts.contains(&amount) {
                amounts.push(amount);
            }
        }
    }
    amounts
}

/// Amounts written as digits, an optional 万 or 千, and 元.
fn amounts_in(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == ',') {
                i += 1;
            }
            let mut end = i;
            if end < chars.len() && matches!(chars[end], '万' | '千') {
                end += 1;
            }
            if end < chars.len() && chars[end] == '元' {
                found.push(chars[start..=end].iter().collect());
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    found
}

/// Warnings for pages, posters and letters that link to a notice no longer in force, or quote one of
/// its reward amounts (one that no notice in force also offers) next to the word 奖励 or 悬赏.
pub fn check_quotes(library: &Library, print: &super::Print) -> Vec<Error> {
    let current: Vec<&String> = print.notices.iter().filter(|n| n.in_force).flat_map(|n| &n.rewards).collect();
    let mut warnings = Vec::new();
    for page in &library.pages {
        for notice in print.notices.iter().filter(|n| !n.in_force) {
            if library.pages[notice.page].file == page.file {
                continue;
            }
            let replace = match &notice.superseded_by {
                Some(r) => format!("link to 《{}》 ({}) instead", r.title, r.path),
                None => "remove the link, or link to a notice in force".into(),
            };
            let link = format!("@/{}", notice.relative);
            let body = page.body.text();
            if let Some(line) = line_of(&body, &link).or_else(|| line_of(&body, &format!("]({})", notice.path))) {
                warnings.push(
                    Error::warning(format!("this page links to 《{}》, which is {}", notice.title, notice.state_label))
                        .located(&page.file, page.body_line + line, 1)
                        .with_hint(replace.clone()),
                );
            }
            for amount in notice.rewards.iter().filter(|a| !current.contains(a)) {
                let quoted = body.lines().position(|l| l.contains(amount.as_str()) && (l.contains("奖励") || l.contains("悬赏") || l.contains("奖金")));
                if let Some(line) = quoted {
                    warnings.push(
                        Error::warning(format!("this page quotes the reward \"{amount}\" of 《{}》, which is {}", notice.title, notice.state_label))
                            .located(&page.file, page.body_line + line, 1)
                            .with_hint(format!("quote the rewards of the notice in force, or {replace}")),
                    );
                }
            }
        }
    }
    warnings
}

fn line_of(body: &str, needle: &str) -> Option<usize> {
    body.lines().position(|l| l.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_come_from_the_reward_table_only() {
        let body = "最高奖励10万元。\n\n| 情况 | 奖励 |\n|---|---|\n| 黑社会性质组织 | 5万元至10万元 |\n| 其他 | 500元至5,000元 |\n| 抓获 | 每人2000元 |\n";
        assert_eq!(reward_amounts(body), vec!["5万元", "10万元", "500元", "5,000元", "2000元"]);
        assert!(reward_amounts("奖励10万元").is_empty());
    }
}

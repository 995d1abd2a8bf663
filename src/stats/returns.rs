//! Cadres' returns: what was delivered (发放签收表) and what was put up (张贴记录表), one CSV file of each
//! per unit under `data/returns/`. The format is documented in docs/stats.md.

use std::collections::BTreeMap;
use std::path::Path;

use super::plan::Plan;
use super::table::{self, Column, Table};
use crate::error::{Error, Errors};
pub use crate::print::formats::returns::{DELIVERY, DIR, POSTING};
use crate::print::ItemKind;

/// What the returns say, per plan row (a unit's variant of an item).
#[derive(Debug, Clone, Default)]
pub struct Returns {
    /// Whether any returns folder was read.
    pub found: bool,
    pub files: usize,
    /// Copies delivered; a row is absent when no delivery record names it.
    pub delivered: BTreeMap<usize, u64>,
    /// Groups (村民小组, buildings) that received the item.
    pub groups: BTreeMap<usize, u64>,
    /// Poster copies with a date put up.
    pub posted: BTreeMap<usize, u64>,
    /// Poster copies on the posting record, up or not.
    pub listed: BTreeMap<usize, u64>,
}

/// Reads every `delivery-*.csv` and `posting-*.csv` in `dir`. Problems go to `errors`, each located.
pub fn load(dir: &Path, plan: &Plan, errors: &mut Errors) -> Returns {
    let mut returns = Returns { found: true, ..Returns::default() };
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"))).collect(),
        Err(e) => {
            errors.push(Error::io(dir, "read the returns folder", e));
            return returns;
        }
    };
    files.sort();
    let unit_ids: Vec<&str> = plan.units.iter().map(|u| u.id.as_str()).collect();
    for path in files {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let (is_delivery, unit_id) = match stem.split_once('-') {
            Some(("delivery", unit)) => (true, unit),
            Some(("posting", unit)) => (false, unit),
            _ => {
                errors.push(
                    Error::in_file(&path, "placard does not know this returns file")
                        .with_hint("returns are named delivery-<unit>.csv (发放签收表) or posting-<unit>.csv (张贴记录表), like delivery-dongwan.csv"),
                );
                continue;
            }
        };
        let Some(unit) = plan.unit_index(unit_id) else {
            let hint = match crate::error::suggest(unit_id, &unit_ids) {
                Some(near) => format!("did you mean `{near}`? the units are: {}", unit_ids.join(", ")),
                None => format!("the part after the dash is a unit id; the units are: {}", unit_ids.join(", ")),
            };
            errors.push(Error::in_file(&path, format!("there is no unit `{unit_id}`")).with_hint(hint));
            continue;
        };
        let form = if is_delivery { DELIVERY } else { POSTING };
        let Some(table) = table::read(&path, form, errors) else { continue };
        returns.files += 1;
        if is_delivery {
            delivery(&table, plan, unit, &mut returns, errors);
        } else {
            posting(&table, plan, unit, &mut returns, errors);
        }
    }
    returns
}

/// The plan row of `item` for `unit`, or a located error saying which items that unit has.
fn item_row(table: &Table, form: &[Column], row: &table::Row, plan: &Plan, unit: usize, errors: &mut Errors) -> Option<usize> {
    let id = row.get(0);
    let items = plan.items_of(unit);
    let found = plan.item_index(id).and_then(|i| plan.row_of(unit, i));
    if found.is_none() {
        let what = if id.is_empty() {
            "the item is empty".to_string()
        } else if plan.item_index(id).is_some() {
            format!("`{id}` was not printed for {}", plan.units[unit].id)
        } else {
            format!("there is no poster or letter `{id}`")
        };
        let hint = match crate::error::suggest(id, &items) {
            Some(near) if !id.is_empty() => format!("did you mean `{near}`? items for this unit: {}", items.join(", ")),
            _ => format!("items for this unit: {}", items.join(", ")),
        };
        errors.push(row.error(table, form, 0, what).with_hint(hint));
    }
    found
}

fn delivery(table: &Table, plan: &Plan, unit: usize, returns: &mut Returns, errors: &mut Errors) {
    for row in &table.rows {
        let item = item_row(table, DELIVERY, row, plan, unit, errors);
        if row.get(1).is_empty() {
            errors.push(row.error(table, DELIVERY, 1, "the group is empty").with_hint("write the 村民小组 or building the copies went to, like 三组"));
        }
        let copies = table::parse_count(row.get(2));
        if copies.is_none() {
            errors.push(row.error(table, DELIVERY, 2, format!("`{}` is not a number of copies", row.get(2))).with_hint("write digits only, like 35"));
        }
        if table::parse_date(row.get(3)).is_none() {
            errors.push(bad_date(table, DELIVERY, row, 3));
        }
        let signed = row.get(4);
        if !signed.is_empty() && yes_no(signed).is_none() {
            errors.push(row.error(table, DELIVERY, 4, format!("`{signed}` is neither yes nor no")).with_hint("write 是 or 否 (yes or no), or leave it empty"));
        }
        if let (Some(r), Some(copies)) = (item, copies) {
            *returns.delivered.entry(r).or_default() += u64::from(copies);
            *returns.groups.entry(r).or_default() += 1;
        }
    }
}

fn posting(table: &Table, plan: &Plan, unit: usize, returns: &mut Returns, errors: &mut Errors) {
    for row in &table.rows {
        let mut item = item_row(table, POSTING, row, plan, unit, errors);
        if let Some(r) = item {
            let i = plan.rows[r].item.unwrap_or_default();
            if plan.items[i].kind == ItemKind::Letter {
                errors.push(
                    row.error(table, POSTING, 0, format!("`{}` is a letter; letters are delivered, not put up", plan.items[i].id))
                        .with_hint("record letters in the delivery form (delivery-<unit>.csv)"),
                );
                item = None;
            }
        }
        if row.get(1).is_empty() {
            errors.push(row.error(table, POSTING, 1, "the location is empty").with_hint("write where the poster goes, like 村委会公开栏"));
        }
        let date = row.get(2);
        let up = !date.is_empty();
        if up && table::parse_date(date).is_none() {
            errors.push(bad_date(table, POSTING, row, 2));
        }
        if let Some(r) = item {
            *returns.listed.entry(r).or_default() += 1;
            if up {
                *returns.posted.entry(r).or_default() += 1;
            }
        }
    }
}

fn bad_date(table: &Table, form: &[Column], row: &table::Row, index: usize) -> Error {
    let text = row.get(index);
    let what = if text.is_empty() { "the date is empty".to_string() } else { format!("`{text}` is not a date") };
    row.error(table, form, index, what).with_hint("write the date as 2026-03-05 (2026/3/5 and 2026年3月5日 work too)")
}

fn yes_no(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "是" | "已签收" | "yes" | "y" | "1" | "true" => Some(true),
        "否" | "未签收" | "no" | "n" | "0" | "false" => Some(false),
        _ => None,
    }
}

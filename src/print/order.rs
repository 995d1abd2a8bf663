//! The print order sheet: every item × unit × paper size × copies, with totals, for the print shop.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ItemKind, Print, TOWN_VARIANT};

/// One line of the order.
#[derive(Debug, Clone, Serialize)]
pub struct OrderRow {
    pub item: String,
    pub kind: &'static str,
    pub unit: String,
    pub paper: String,
    pub copies: u32,
}

/// Copies per paper, and in all.
#[derive(Debug, Clone, Serialize)]
pub struct OrderTotals {
    pub by_paper: Vec<(String, u32)>,
    pub copies: u32,
}

/// The rows of the order, in print order. Letters print one copy per household; a unit with no
/// household count gets none, and the row says 0 so the office notices.
pub fn rows(print: &Print) -> Vec<OrderRow> {
    let mut rows = Vec::new();
    for item in &print.items {
        for variant in item.variants() {
            let unit = print.unit(variant);
            let copies = match item.kind {
                ItemKind::Poster => item.copies.unwrap_or(1),
                ItemKind::Letter if variant == TOWN_VARIANT => print.units.iter().filter_map(|u| u.households).sum(),
                ItemKind::Letter => unit.and_then(|u| u.households).unwrap_or(0),
            };
            rows.push(OrderRow {
                item: item.title.clone(),
                kind: item.kind.label(),
                unit: unit.map(|u| u.name.clone()).unwrap_or_else(|| "全镇".into()),
                paper: item.sheet.describe(),
                copies,
            });
        }
    }
    rows
}

pub fn totals(rows: &[OrderRow]) -> OrderTotals {
    let mut by_paper: BTreeMap<String, u32> = BTreeMap::new();
    for row in rows {
        *by_paper.entry(row.paper.clone()).or_default() += row.copies;
    }
    OrderTotals { copies: rows.iter().map(|r| r.copies).sum(), by_paper: by_paper.into_iter().collect() }
}

/// The order as CSV (UTF-8 with a byte-order mark, which spreadsheet programs in China expect).
pub fn csv(rows: &[OrderRow]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    let _ = writer.write_record(["物料", "类型", "单位", "纸张", "数量"]);
    for row in rows {
        let _ = writer.write_record([row.item.as_str(), row.kind, row.unit.as_str(), row.paper.as_str(), &row.copies.to_string()]);
    }
    let totals = totals(rows);
    let _ = writer.write_record(["合计", "", "", "", &totals.copies.to_string()]);
    writer.into_inner().unwrap_or_default()
}

//! The print order sheet, for the print shop to quote from: one line per item and unit with the trim
//! size, paper, pages per copy, sides, finishing and copies, with totals.
//!
//! Posters are one side of one sheet. How many pages a letter takes is only known once Chromium has
//! laid it out, so the built sheet says so, and `placard print` fills in the measured pages and sides
//! ([`record_pages`]).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::kinds::Pages;
use super::{Print, TOWN_VARIANT};
use crate::error::Error;

/// The order sheet's file name, in the print folder.
pub const CSV_FILE: &str = "order.csv";

/// What the pages and sides columns say until `placard print` has measured a letter.
pub const UNMEASURED: &str = "导出 PDF 后填写";

/// The columns of the CSV, in order; the copies come last.
/// The copies rule (`计算方法`) sits just before the copies, so the shop sees how each number was reached.
const HEADER: [&str; 11] = ["编号", "物料", "类型", "单位", "成品尺寸", "纸张", "每份页数", "单双面", "后道工艺", "计算方法", "数量"];

/// One line of the order.
#[derive(Debug, Clone, Serialize)]
pub struct OrderRow {
    /// The sheet's id as printed on it, `<item>-<unit>`, so the shop can match PDF pages to lines.
    pub id: String,
    pub item: String,
    pub kind: &'static str,
    pub unit: String,
    /// Trim (finished) size, e.g. `297×420 mm`.
    pub trim: String,
    /// Paper size, orientation and bleed, e.g. `A3 竖版（297×420 mm，出血 3 mm）`.
    pub paper: String,
    /// Pages per copy (`1`, `2`), or [`UNMEASURED`].
    pub pages: String,
    /// `单面` or `双面`, or [`UNMEASURED`].
    pub sides: String,
    pub finishing: String,
    /// How the copies were counted, like `412 户 × 1 + 2`.
    pub rule: String,
    pub copies: u32,
}

/// Copies per paper, and in all.
#[derive(Debug, Clone, Serialize)]
pub struct OrderTotals {
    pub by_paper: Vec<(String, u32)>,
    pub copies: u32,
}

/// The rows of the order, in print order: one per item and variant, each with the copies its
/// kind's rule gives and the rule written out. A unit with no count for the rule gets none, and the
/// row says what to fill in so the office notices.
pub fn rows(print: &Print) -> Vec<OrderRow> {
    let mut rows = Vec::new();
    for item in &print.items {
        for variant in item.variants() {
            let unit = print.unit(variant);
            let town = variant == TOWN_VARIANT;
            let counted: Vec<&super::Unit> = if town { print.units.iter().filter(|u| u.parent.is_none()).collect() } else { unit.into_iter().collect() };
            let (copies, rule) = item.copies.count(&counted, town);
            let (pages, sides) = match item.spec.pages {
                // A paper form takes as many one-sided sheets as its unit's rows need.
                _ if item.spec.form.is_some() => (super::forms::sheet_count(print, item, variant).to_string(), "单面".to_string()),
                Pages::Fixed(1) => ("1".to_string(), "单面".to_string()),
                Pages::Fixed(n) => (n.to_string(), "双面".to_string()),
                Pages::Flow => (UNMEASURED.to_string(), UNMEASURED.to_string()),
            };
            let sheet = &item.sheet;
            rows.push(OrderRow {
                id: format!("{}-{variant}", item.id),
                item: item.title.clone(),
                kind: item.spec.label,
                unit: unit.map(|u| u.name.clone()).unwrap_or_else(|| "全镇".into()),
                trim: format!("{}×{} mm", mm(sheet.trim_width_mm), mm(sheet.trim_height_mm)),
                paper: sheet.describe(),
                pages,
                sides,
                finishing: match &item.finishing {
                    Some(f) if sheet.scale != 1.0 => format!("{f}；PDF 为 1:{:.0} 缩样，按成品尺寸放大喷绘", 1.0 / sheet.scale),
                    Some(f) => f.clone(),
                    None => finishing(item.spec.finishing, &sheet.paper, sheet.trim_width_mm, sheet.trim_height_mm, sheet.bleed_mm),
                },
                rule,
                copies,
            });
        }
    }
    rows
}

/// What the shop does after printing: display boards are mounted, roll-ups go into their stand, big
/// banners get grommets, sheets with bleed are trimmed at the crop marks; a kind may say more.
pub fn finishing(kind: Option<&str>, paper: &str, width_mm: f64, height_mm: f64, bleed_mm: f64) -> String {
    if let Some(finish) = super::sizes::finishing(paper, width_mm, height_mm) {
        return finish.into();
    }
    if let Some(finish) = kind {
        return finish.into();
    }
    if bleed_mm > 0.0 {
        "按裁切线裁切至成品尺寸".into()
    } else {
        "无需裁切".into()
    }
}

/// Millimetres without a needless `.0`.
fn mm(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
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
    let _ = writer.write_record(HEADER);
    for row in rows {
        let copies = row.copies.to_string();
        let _ = writer.write_record([
            row.id.as_str(),
            row.item.as_str(),
            row.kind,
            row.unit.as_str(),
            row.trim.as_str(),
            row.paper.as_str(),
            row.pages.as_str(),
            row.sides.as_str(),
            row.finishing.as_str(),
            row.rule.as_str(),
            copies.as_str(),
        ]);
    }
    let totals = totals(rows);
    let _ = writer.write_record(["合计", "", "", "", "", "", "", "", "", "", &totals.copies.to_string()]);
    writer.into_inner().unwrap_or_default()
}

/// Writes the pages per copy that `placard print` measured for each letter variant
/// (`(item id, variant id, pages)`) into the order sheet at `path`: one page is printed on one side,
/// two pages on both sides of one sheet. A missing order sheet is left missing.
pub fn record_pages(path: &Path, measured: &[(String, String, usize)]) -> Result<(), Error> {
    let Ok(bytes) = std::fs::read(path) else { return Ok(()) };
    let text = String::from_utf8_lossy(&bytes);
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::in_file(path, format!("the order sheet cannot be read: {e}")))?;
        records.push(record.iter().map(str::to_string).collect());
    }
    let column = |name: &str| records.first().and_then(|h| h.iter().position(|c| c == name));
    let (Some(id), Some(pages), Some(sides)) = (column("编号"), column("每份页数"), column("单双面")) else { return Ok(()) };
    for record in records.iter_mut().skip(1) {
        let Some(&(_, _, count)) = measured.iter().find(|(item, variant, _)| record.get(id).is_some_and(|v| *v == format!("{item}-{variant}"))) else {
            continue;
        };
        if let Some(cell) = record.get_mut(pages) {
            *cell = count.to_string();
        }
        if let Some(cell) = record.get_mut(sides) {
            *cell = if count <= 1 { "单面" } else { "双面" }.to_string();
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    for record in &records {
        writer.write_record(record).map_err(|e| Error::in_file(path, format!("the order sheet cannot be written: {e}")))?;
    }
    let bytes = writer.into_inner().unwrap_or_default();
    std::fs::write(path, bytes).map_err(|e| Error::io(path, "write", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_letter_pages_fill_the_order_sheet() {
        let dir = std::env::temp_dir().join(format!("placard-order-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(CSV_FILE);
        let header = HEADER.join(",");
        let text = format!(
            "\u{feff}{header}\nmarket-dongwan,海报,海报,东湾村,297×420 mm,A3,1,单面,裁切,每单位 3 份,3\nletter-dongwan,信,信,东湾村,210×297 mm,A4,{UNMEASURED},{UNMEASURED},无需裁切,420 户 × 1,420\nletter-shiqiao,信,信,石桥社区,210×297 mm,A4,{UNMEASURED},{UNMEASURED},无需裁切,300 户 × 1,300\n合计,,,,,,,,,,723\n"
        );
        std::fs::write(&path, text).unwrap();
        record_pages(&path, &[("letter".into(), "dongwan".into(), 2), ("letter".into(), "shiqiao".into(), 1)]).unwrap();
        let out = std::fs::read_to_string(&path).unwrap();
        assert!(out.starts_with('\u{feff}'));
        assert!(out.contains("letter-dongwan,信,信,东湾村,210×297 mm,A4,2,双面,无需裁切,420 户 × 1,420"), "{out}");
        assert!(out.contains("letter-shiqiao,信,信,石桥社区,210×297 mm,A4,1,单面,无需裁切,300 户 × 1,300"), "{out}");
        assert!(out.contains("market-dongwan,海报,海报,东湾村,297×420 mm,A3,1,单面,裁切,每单位 3 份,3"), "{out}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! The paper forms of a campaign: per unit, a 发放签收表 (what was handed to which 村民小组 or
//! building), a 张贴记录表 (where each poster went up) and a 知晓率/满意度 questionnaire. Cadres fill
//! them in by hand and the office types them into the CSV files `placard stats` reads. Each form's
//! columns come from [`super::formats`], the same lists `placard stats` reads with, so the paper and
//! the reader cannot drift apart.
//!
//! Forms are print items of their own kinds ([`super::kinds::KINDS`]), but not campaign material:
//! no QR code, no landing page, nothing counted by statistics. Their rows come from the print order,
//! so a record sheet lists exactly what was ordered for its unit; a unit with many rows gets more
//! sheets, never a cut-off table.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{json, Value};

use super::formats::{self as survey, returns, Question, SURVEY_COLUMNS};
use super::kinds::Per;
use super::{ItemKind, Print, PrintItem, TOWN_VARIANT};
use crate::channels::Channels;
use crate::content::{Library, Page};
use crate::error::{Error, Errors};

/// Which form a kind is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    /// 发放签收表: one row per item and 村民小组 (or building), as `delivery-<unit>.csv`.
    Delivery,
    /// 张贴记录表: one row per poster copy, as `posting-<unit>.csv`.
    Posting,
    /// 知晓率/满意度 questionnaire, tallied into `data/survey.csv`.
    Survey,
}

/// The most characters a group name or a place may have: what fits its column in two lines.
const GROUP_CHARS: usize = 18;
const PLACE_CHARS: usize = 28;

/// Table rows on one A4 record sheet: 11 mm each, room enough for a handwritten signature.
pub const ROWS_PER_SHEET: usize = 16;
/// Blank rows every record set ends with at least, for what the order did not plan.
pub const SPARE_ROWS: usize = 2;

pub use crate::content::campaign_tables::{Group, QuestionSpec};

/// The printed header and relative width (mm on a table about 186 mm wide; the template scales them
/// to the table) of each CSV column. A column the reader
/// gains later is still printed, under its first Chinese alias.
const LABELS: &[(&str, &str, f64)] = &[
    ("item", "物料编号", 44.0),
    ("group", "村民小组／楼栋", 34.0),
    ("copies_delivered", "发放份数", 20.0),
    ("location", "张贴位置", 50.0),
    ("date", "日期", 24.0),
    ("signed", "签收人签名", 36.0),
    ("posted_by", "张贴人签名", 28.0),
    ("photo", "照片编号", 20.0),
    ("note", "备注", 24.0),
];

/// Fills in what forms need once every item is collected: each form's units, the checked groups and
/// places of every unit, and the survey questions.
pub fn complete(library: &Library, print: &mut Print, errors: &mut Errors) {
    for i in 0..print.items.len() {
        let Some(form) = print.items[i].spec.form else { continue };
        let units = if print.items[i].units.is_empty() { default_units(print, form) } else { std::mem::take(&mut print.items[i].units) };
        print.items[i].form_units = units;
    }
    check_units(library, print, errors);
    print.questions = questions(library, print, errors);
    // Questions anywhere else would be silently ignored: say where they belong.
    for page in &library.pages {
        let Some(m) = page.meta.print.as_ref().filter(|m| m.questions.is_some() && m.kind != "survey") else { continue };
        errors.push(
            page.keys
                .locate(Error::in_file(&page.file, format!("a {} has no questions", m.kind)), "questions")
                .with_hint("questions belong on the survey form, the page with kind = \"survey\""),
        );
    }
}

/// A form given no `units` is made for every unit that has something of its kind, and for `town`
/// when items are printed for no unit; a questionnaire for every village and community.
fn default_units(print: &Print, form: Form) -> Vec<String> {
    let material: Vec<&PrintItem> = print.items.iter().filter(|i| i.spec.form.is_none() && (form != Form::Posting || i.kind == ItemKind::Poster)).collect();
    if form == Form::Survey {
        return print.units.iter().filter(|u| !u.is_school()).map(|u| u.id.clone()).collect();
    }
    let mut ids: Vec<String> = print.units.iter().filter(|u| material.iter().any(|i| i.units.contains(&u.id))).map(|u| u.id.clone()).collect();
    if material.iter().any(|i| i.units.is_empty()) {
        ids.push(TOWN_VARIANT.into());
    }
    ids
}

/// Every unit's groups (named, each once) and places (of posters printed for it).
fn check_units(library: &Library, print: &Print, errors: &mut Errors) {
    for unit in &print.units {
        if unit.groups.is_empty() && unit.places.is_empty() {
            continue;
        }
        let page = &library.pages[unit.page];
        let mut seen = BTreeSet::new();
        for (n, group) in unit.groups.iter().enumerate() {
            let name = group.name.trim();
            if name.is_empty() {
                errors.push(
                    locate_entry(page, "unit", "groups", "name", n, "group number {n} has no name")
                        .with_hint("name every 村民小组 or building as it is called in the village, like { name = \"一组\", households = 42 }"),
                );
            } else if !seen.insert(name.to_string()) {
                errors.push(
                    locate_entry(page, "unit", "groups", "name", n, &format!("the group `{name}` is listed twice"))
                        .with_hint("each group is one row of the 发放签收表: list it once, or give the two different names"),
                );
            }
            if name.chars().count() > GROUP_CHARS {
                errors.push(
                    locate_entry(
                        page,
                        "unit",
                        "groups",
                        "name",
                        n,
                        &format!("the group name `{name}` is longer than the {GROUP_CHARS} characters its column holds"),
                    )
                    .with_hint("use the short name the village uses, like 三组 or 5号楼"),
                );
            }
            if group.households == Some(0) {
                errors.push(
                    locate_entry(page, "unit", "groups", "name", n, &format!("the group `{name}` has 0 households"))
                        .with_hint("write its number of households, or leave households out when it is not known"),
                );
            }
        }
        let listed: u32 = unit.groups.iter().filter_map(|g| g.households).sum();
        if let Some(total) = unit.households.filter(|t| unit.groups.iter().all(|g| g.households.is_some()) && listed != *t && !unit.groups.is_empty()) {
            let warning =
                Error::warning(format!("the groups have {listed} households in all, but the unit has households = {total}")).located(&page.file, 0, 0);
            errors.push(
                page.keys
                    .locate(warning, "unit.groups")
                    .with_hint("the letters are counted from households; make the groups add up to it, or correct households"),
            );
        }
        for (item_id, places) in &unit.places {
            let item = print.items.iter().find(|i| i.spec.form.is_none() && i.id == *item_id && i.units.contains(&unit.id));
            let posters: Vec<&str> = print
                .items
                .iter()
                .filter(|i| i.spec.form.is_none() && i.kind == ItemKind::Poster && i.units.contains(&unit.id))
                .map(|i| i.id.as_str())
                .collect();
            match item {
                Some(i) if i.kind == ItemKind::Poster => {
                    if places.iter().any(|p| p.trim().is_empty()) {
                        errors.push(
                            page.keys
                                .locate(Error::in_file(&page.file, format!("a place of `{item_id}` is empty")), &format!("unit.places.{item_id}"))
                                .with_hint("write where each copy goes, like \"村委会公开栏\""),
                        );
                    }
                    for place in places.iter().filter(|p| p.trim().chars().count() > PLACE_CHARS) {
                        let error =
                            Error::in_file(&page.file, format!("the place `{}` is longer than the {PLACE_CHARS} characters its column holds", place.trim()));
                        // On the line that holds it, else on the item's line.
                        let error = page.keys.locate(error, &format!("unit.places.{item_id}"));
                        errors.push(error.with_hint("name the place briefly, like 村委会公开栏 or 集市入口"));
                    }
                }
                Some(_) => errors.push(
                    page.keys
                        .locate(
                            Error::in_file(&page.file, format!("`{item_id}` is handed out, not put up, so it has no places")),
                            &format!("unit.places.{item_id}"),
                        )
                        .with_hint(format!("places are for posters, notices, stickers and banners; this unit's are: {}", posters.join(", "))),
                ),
                None => {
                    let hint = match crate::error::suggest(item_id, &posters) {
                        Some(near) => format!("did you mean `{near}`? posters printed for this unit: {}", posters.join(", ")),
                        None => format!("posters printed for this unit: {}", posters.join(", ")),
                    };
                    errors.push(
                        page.keys
                            .locate(Error::in_file(&page.file, format!("no poster `{item_id}` is printed for this unit")), &format!("unit.places.{item_id}"))
                            .with_hint(hint),
                    );
                }
            }
        }
    }
}

/// An error about entry `n` of the array `key` of the page's `table`: on the line of its `field`.
fn locate_entry(page: &Page, table: &str, key: &str, field: &str, n: usize, message: &str) -> Error {
    let error = Error::in_file(&page.file, message.replace("{n}", &(n + 1).to_string()));
    page.keys.locate_nth(error, &format!("{table}.{key}.{field}"), n)
}

/// The survey questions: the `questions` of the site's survey form, checked, or the standard set.
fn questions(library: &Library, print: &Print, errors: &mut Errors) -> Vec<Question> {
    let mut chosen: Option<Vec<Question>> = None;
    for item in print.items.iter().filter(|i| i.spec.form == Some(Form::Survey)) {
        let page = &library.pages[item.page];
        let Some(specs) = page.meta.print.as_ref().and_then(|m| m.questions.as_ref()) else { continue };
        let mut list: Vec<Question> = Vec::new();
        let before = errors.len();
        for (n, q) in specs.iter().enumerate() {
            let id = q.id.trim();
            let fail = |message: String, hint: String| locate_entry(page, "print", "questions", "id", n, &message).with_hint(hint);
            if !survey::is_question_id(id) {
                errors.push(fail(format!("`{id}` cannot be a question id"), "use lower-case letters, digits and _, like know_grid_worker".into()));
            } else if let Some(near) = survey::near_standard(id) {
                errors.push(fail(
                    format!("`{id}` is one slip away from the standard question `{near}`"),
                    format!("write `{near}` to ask the standard question, or give your own question an id clearly different from it"),
                ));
            } else if list.iter().any(|l| l.id == id) {
                errors.push(fail(format!("the question `{id}` is asked twice"), "give each question its own id".into()));
            }
            if q.text.trim().is_empty() {
                errors.push(fail(format!("the question `{id}` has no text"), "write the question as the resident reads it".into()));
            }
            let standard = survey::QUESTIONS.iter().find(|(s, _, _)| *s == id).map(|(_, label, _)| label.to_string());
            let label = q.label.clone().or(standard).unwrap_or_else(|| q.text.trim().to_string());
            list.push(Question { id: id.to_string(), label, text: q.text.trim().to_string() });
        }
        if list.is_empty() {
            errors.push(
                page.keys
                    .locate(Error::in_file(&page.file, "questions = [] asks nothing"), "questions")
                    .with_hint("list the questions, or leave questions out to ask the standard ones"),
            );
        }
        if errors.len() > before {
            continue;
        }
        match &chosen {
            Some(earlier) if *earlier != list => errors.push(
                page.keys.locate(Error::in_file(&page.file, "this survey form asks other questions than another survey form"), "questions").with_hint(
                    "the tallies in data/survey.csv are read against one list of questions: give the same list on every survey form, or on one only",
                ),
            ),
            _ => chosen = Some(list),
        }
    }
    chosen.unwrap_or_else(survey::standard)
}

/// Copies of `item`'s variant for `variant`, counted as the order sheet counts them
/// ([`super::order::rows`], which asks this module for a form's pages, so it cannot be asked back).
fn copies(print: &Print, item: &PrintItem, variant: &str) -> u32 {
    let town = variant == TOWN_VARIANT;
    let counted: Vec<&super::Unit> = if town { print.units.iter().filter(|u| u.parent.is_none()).collect() } else { print.unit(variant).into_iter().collect() };
    item.copies.count(&counted, town).0
}

/// One printed row: a cell per CSV column (what is printed in it, and a grey hint under it that is
/// not typed in).
type Line = Vec<(String, String)>;

/// The rows of the record form of `form` for `variant`, before paging. Locations of channels (the
/// report box a sticker goes on) need the library; without it they are left blank, which does not
/// change how many rows there are.
fn lines(print: &Print, channels: Option<&Channels>, form: Form, variant: &str) -> Vec<Line> {
    let columns = record_columns(form);
    let at = |name: &str| columns.iter().position(|c| *c == name);
    let blank = || vec![(String::new(), String::new()); columns.len()];
    let unit = print.unit(variant);
    let mut out = Vec::new();
    for item in &print.items {
        if item.spec.form.is_some() || !item.variants().contains(&variant) {
            continue;
        }
        let copies = copies(print, item, variant);
        let mut line = blank();
        if let Some(c) = at("item") {
            line[c] = (item.id.clone(), short(&item.title, 14));
        }
        match form {
            Form::Delivery => {
                let groups = unit.map(|u| u.groups.as_slice()).unwrap_or_default();
                let g = at("group").unwrap_or(1);
                if item.kind == ItemKind::Letter && item.copies.per == Per::Household && !groups.is_empty() {
                    for group in groups {
                        let mut row = line.clone();
                        let hint = match group.households {
                            Some(h) => format!("计划 {} 份", h * item.copies.each),
                            None => "计划份数未定".into(),
                        };
                        row[g] = (group.name.trim().to_string(), hint);
                        out.push(row);
                    }
                } else {
                    // Posters go to the village committee as one batch; other letters (to enterprises,
                    // pupils) as one batch whose receiver the cadre writes in.
                    let receiver = match (item.kind, unit) {
                        (ItemKind::Poster, Some(u)) => format!("{}委员会", u.name),
                        _ => String::new(),
                    };
                    line[g] = (receiver, format!("计划 {copies} 份"));
                    out.push(line);
                }
            }
            Form::Posting => {
                if item.kind != ItemKind::Poster {
                    continue;
                }
                let places = unit.and_then(|u| u.places.get(&item.id));
                let about = channels.and_then(|all| channel_place(all, print, item, variant));
                let l = at("location").unwrap_or(1);
                for k in 0..copies as usize {
                    let mut row = line.clone();
                    let place = places.and_then(|p| p.get(k)).cloned().or_else(|| if k == 0 { about.clone() } else { None }).unwrap_or_default();
                    row[l] = (place, format!("第 {}/{copies} 张", k + 1));
                    out.push(row);
                }
            }
            Form::Survey => {}
        }
    }
    out
}

/// Where the channel an item is about is (a sticker's report box): the unit's own channel of that
/// kind, else the town's.
fn channel_place(channels: &Channels, print: &Print, item: &PrintItem, variant: &str) -> Option<String> {
    let town = channels.get(item.channel.as_deref()?)?;
    let own = print.unit(variant).and_then(|u| u.own_channels.iter().filter_map(|c| channels.get(c)).find(|c| c.kind == town.kind));
    let channel = own.unwrap_or(town);
    (channel.kind == crate::channels::Kind::Box).then(|| channel.value.clone())
}

/// `text` cut to `n` characters with `…`, so a long title never runs out of its cell.
fn short(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(n - 1).collect::<String>())
    }
}

/// The CSV columns a record form prints, in the reader's order.
fn record_columns(form: Form) -> Vec<&'static str> {
    match form {
        Form::Delivery => returns::DELIVERY.iter().map(|c| c.name).collect(),
        Form::Posting => returns::POSTING.iter().map(|c| c.name).collect(),
        Form::Survey => SURVEY_COLUMNS.iter().map(|c| c.name).collect(),
    }
}

/// Sheets of `item`'s variant: 1, or for a record form as many as its rows (and spare rows) need.
pub fn sheet_count(print: &Print, item: &PrintItem, variant: &str) -> usize {
    match item.spec.form {
        Some(form @ (Form::Delivery | Form::Posting)) => pages(lines(print, None, form, variant).len()),
        _ => 1,
    }
}

fn pages(rows: usize) -> usize {
    (rows + SPARE_ROWS).div_ceil(ROWS_PER_SHEET).max(1)
}

/// The file a form's variant is typed into, from the site folder.
pub fn return_file(form: Form, variant: &str) -> String {
    match form {
        Form::Delivery => format!("{}/delivery-{variant}.csv", returns::DIR),
        Form::Posting => format!("{}/posting-{variant}.csv", returns::DIR),
        Form::Survey => survey::FILE.to_string(),
    }
}

/// The template values of a form's sheets: one per sheet (a record form may take several per unit).
pub fn sheets(print: &Print, channels: &Channels, item: &PrintItem, variant: Option<&str>) -> Vec<Value> {
    let Some(form) = item.spec.form else { return vec![] };
    let names = record_columns(form);
    let columns: Vec<Value> = names
        .iter()
        .map(|name| {
            let (label, mm) = LABELS.iter().find(|(n, _, _)| n == name).map(|(_, l, mm)| (l.to_string(), *mm)).unwrap_or_else(|| {
                let aliases = returns::DELIVERY.iter().chain(returns::POSTING).find(|c| c.name == *name).map(|c| c.aliases).unwrap_or_default();
                (aliases.first().copied().unwrap_or(name).to_string(), 20.0)
            });
            json!({ "name": name, "label": label, "mm": mm })
        })
        .collect();
    let total_mm: f64 = columns.iter().filter_map(|c| c["mm"].as_f64()).sum();
    let columns: Vec<Value> = columns
        .into_iter()
        .map(|mut c| {
            let share = c["mm"].as_f64().unwrap_or(20.0) / total_mm * 100.0;
            c["percent"] = json!((share * 100.0).round() / 100.0);
            c
        })
        .collect();
    let mut out = Vec::new();
    for v in item.variants().into_iter().filter(|v| variant.is_none_or(|only| only == *v)) {
        let unit = print.unit(v);
        let unit_name = unit.map(|u| u.name.clone()).unwrap_or_else(|| "全镇".into());
        let base = json!({
            "variant": v,
            "unit": unit.map(|u| print.unit_value(channels, &u.id)),
            "unit_name": unit_name,
            "poster_id": format!("{}-{v}", item.id),
            "file": return_file(form, v),
            "columns": columns,
            "header": names.join(","),
        });
        if form == Form::Survey {
            let mut sheet = base;
            let questions: Vec<Value> = print
                .questions
                .iter()
                .map(|q| json!({ "id": q.id, "text": q.text, "label": q.label, "choices": q.choices(), "yes": yes_choices(q) }))
                .collect();
            sheet["questions"] = Value::Array(questions);
            sheet["page"] = json!(1);
            sheet["pages"] = json!(1);
            out.push(sheet);
            continue;
        }
        let mut rows = lines(print, Some(channels), form, v);
        let count = pages(rows.len());
        rows.resize(count * ROWS_PER_SHEET, vec![(String::new(), String::new()); names.len()]);
        for (n, chunk) in rows.chunks(ROWS_PER_SHEET).enumerate() {
            let mut sheet = base.clone();
            sheet["page"] = json!(n + 1);
            sheet["pages"] = json!(count);
            sheet["rows"] = Value::Array(
                chunk.iter().map(|cells| Value::Array(cells.iter().map(|(text, hint)| json!({ "text": text, "hint": hint })).collect())).collect(),
            );
            out.push(sheet);
        }
    }
    out
}

/// The choices that count as `yes` in the tallies.
fn yes_choices(q: &Question) -> Vec<&'static str> {
    let choices = q.choices();
    if q.id == survey::SATISFIED {
        choices[..2].to_vec()
    } else {
        choices[..1].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_the_readers_know_has_a_printed_header() {
        for form in [Form::Delivery, Form::Posting] {
            for name in record_columns(form) {
                assert!(LABELS.iter().any(|(n, _, _)| *n == name), "{name} has no printed header");
            }
        }
    }

    #[test]
    fn rows_fill_whole_sheets_and_always_leave_spare_rows() {
        assert_eq!(pages(0), 1);
        assert_eq!(pages(ROWS_PER_SHEET - SPARE_ROWS), 1);
        assert_eq!(pages(ROWS_PER_SHEET - SPARE_ROWS + 1), 2);
        assert_eq!(pages(100), (100 + SPARE_ROWS).div_ceil(ROWS_PER_SHEET));
        assert_eq!(short("集市宣传海报（A3）", 14), "集市宣传海报（A3）");
        assert_eq!(short("一二三四五六七八九十一二三四五六", 14), "一二三四五六七八九十一二三…");
    }
}

//! Print material: units (villages, communities), posters and letters to residents. Each has one
//! model here that templates see; the print pages themselves are rendered with the site, and
//! [`export`] turns them into PDFs and PNGs through a headless Chromium.

pub mod export;
pub mod order;
pub mod sizes;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::config::Config;
use crate::content::library::locate;
use crate::content::{Date, Library, Page};
use crate::error::{Error, Errors};

/// Where print pages go in the output.
pub const PRINT_DIR: &str = "print";
/// Text stays this far inside the trim, so the guillotine never cuts a word.
pub const SAFE_MM: f64 = 5.0;
/// The id of the one variant of an item made for no particular unit.
pub const TOWN_VARIANT: &str = "town";

/// Which units an item is made for: `"all"` or a list of ids.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum UnitsSpec {
    All(String),
    List(Vec<String>),
}

/// The `[unit]` table of a page in the units section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitFrontMatter {
    pub id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    pub households: Option<u32>,
    pub contact_title: Option<String>,
    pub office_address: Option<String>,
}

/// The `[poster]` table of a page in the posters section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosterFrontMatter {
    pub id: Option<String>,
    pub size: Option<String>,
    pub orientation: Option<String>,
    pub bleed_mm: Option<f64>,
    pub crop_marks: Option<bool>,
    pub channels: Option<Vec<String>>,
    pub units: Option<UnitsSpec>,
    pub color: Option<String>,
    pub copies: Option<u32>,
    pub issuer: Option<String>,
    pub date: Option<Date>,
}

/// The `[letter]` table of a page in the letters section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LetterFrontMatter {
    pub id: Option<String>,
    pub salutation: Option<String>,
    pub issuer: Option<String>,
    pub date: Option<Date>,
    pub seal: Option<String>,
    pub channels: Option<Vec<String>>,
    pub units: Option<UnitsSpec>,
}

/// A village, community, school or market that gets its own variant of each item.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub kind: Option<String>,
    pub households: Option<u32>,
    pub contact_title: Option<String>,
    pub office_address: Option<String>,
    /// The unit's own channel ids.
    pub own_channels: Vec<String>,
    /// Every channel that applies: the unit's own first, then the town's.
    pub channels: Vec<String>,
    pub permalink: String,
    /// The short link its posters' QR codes open, `/q/<id>/`.
    pub short_url: String,
    pub short_path: String,
    #[serde(skip)]
    pub page: usize,
}

/// The printed sheet: trim size plus bleed on every side.
#[derive(Debug, Clone, Serialize)]
pub struct Sheet {
    pub paper: String,
    pub orientation: String,
    pub trim_width_mm: f64,
    pub trim_height_mm: f64,
    pub bleed_mm: f64,
    pub width_mm: f64,
    pub height_mm: f64,
    pub safe_mm: f64,
    pub crop_marks: bool,
}

impl Sheet {
    /// The sheet of a named size (A0–A4, 展板, 易拉宝 …) or `"600x900"` millimetres; the error is
    /// the hint to give.
    fn new(paper: &str, landscape: bool, bleed_mm: f64, crop_marks: bool) -> Result<Sheet, String> {
        let size = sizes::parse(paper)?;
        let (w, h) = if landscape { (size.height_mm, size.width_mm) } else { (size.width_mm, size.height_mm) };
        Ok(Sheet {
            paper: size.name,
            orientation: if landscape { "landscape" } else { "portrait" }.into(),
            trim_width_mm: w,
            trim_height_mm: h,
            bleed_mm,
            width_mm: w + 2.0 * bleed_mm,
            height_mm: h + 2.0 * bleed_mm,
            safe_mm: SAFE_MM,
            crop_marks,
        })
    }

    /// How the print order names the paper, e.g. `A3 竖版（297×420 mm，出血 3 mm）`.
    pub fn describe(&self) -> String {
        let way = if self.orientation == "landscape" { "横版" } else { "竖版" };
        if self.bleed_mm > 0.0 {
            format!("{} {way}（{}×{} mm，出血 {} mm）", self.paper, self.trim_width_mm, self.trim_height_mm, self.bleed_mm)
        } else {
            format!("{} {way}（{}×{} mm）", self.paper, self.trim_width_mm, self.trim_height_mm)
        }
    }
}

/// What kind of print item: posters are put up, letters go to every household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Poster,
    Letter,
}

impl ItemKind {
    pub fn folder(self) -> &'static str {
        match self {
            ItemKind::Poster => "posters",
            ItemKind::Letter => "letters",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemKind::Poster => "海报",
            ItemKind::Letter => "致居民的一封信",
        }
    }
}

/// A poster or a letter, with everything its print pages need except the rendered body.
#[derive(Debug, Clone, Serialize)]
pub struct PrintItem {
    pub kind: ItemKind,
    pub id: String,
    pub title: String,
    pub sheet: Sheet,
    /// Channel ids shown on every variant (a unit's own channels are added on its variant).
    pub channels: Vec<String>,
    /// Unit ids, one variant each; empty means one town-wide variant.
    pub units: Vec<String>,
    pub color: String,
    /// Copies per variant for posters; letters print one per household.
    pub copies: Option<u32>,
    pub issuer: String,
    pub date: Option<String>,
    pub salutation: Option<String>,
    /// The seal image's path from the site root, for letters.
    pub seal: Option<String>,
    /// Where the combined print page is, like `/print/posters/market-a3/`.
    pub path: String,
    #[serde(skip)]
    pub page: usize,
}

impl PrintItem {
    /// Variant ids in print order: each unit, or the one town-wide variant.
    pub fn variants(&self) -> Vec<&str> {
        if self.units.is_empty() {
            vec![TOWN_VARIANT]
        } else {
            self.units.iter().map(String::as_str).collect()
        }
    }

    /// The address the QR code on this item's variant for `unit` opens: `/q/<unit>/<item>/`.
    pub fn landing_url(&self, unit: &Unit) -> String {
        format!("{}{}/", unit.short_url, self.id)
    }

    /// The path of [`PrintItem::landing_url`].
    pub fn landing_path(&self, unit: &Unit) -> String {
        format!("{}{}/", unit.short_path, self.id)
    }

    /// The URL path of one variant's print page.
    pub fn variant_path(&self, variant: &str) -> String {
        format!("{}{variant}/", self.path)
    }
}

/// Everything printable, collected from the content.
#[derive(Debug, Default)]
pub struct Print {
    pub units: Vec<Unit>,
    pub items: Vec<PrintItem>,
}

impl Print {
    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    /// Collects units, posters and letters, checking every reference to a channel or unit.
    pub fn collect(library: &Library, config: &Config, errors: &mut Errors) -> Print {
        let mut print = Print::default();
        let rejected_units = library.unloaded_ids(errors, "unit");
        let owned: Vec<&str> = library.pages.iter().filter_map(|p| p.meta.unit.as_ref()).flat_map(|u| u.channels.iter().map(String::as_str)).collect();
        let town: Vec<String> = library.channels.iter().filter(|c| !owned.contains(&c.id.as_str())).map(|c| c.id.clone()).collect();
        for (index, page) in library.pages.iter().enumerate() {
            let Some(meta) = &page.meta.unit else { continue };
            let source = std::fs::read_to_string(&page.file).unwrap_or_default();
            let Some(id) = item_id(page, meta.id.as_deref(), &source, "unit", errors) else { continue };
            for channel in &meta.channels {
                // A channel that failed its own checks was reported there; once is enough.
                if library.channel(channel).is_none() && !library.channels.is_rejected(channel) {
                    errors.push(unknown_channel(page, &source, channel, library));
                }
            }
            if print.units.iter().any(|u| u.id == id) || library.channel(&id).is_some() {
                errors.push(
                    locate(Error::in_file(&page.file, format!("the id `{id}` is already used by another unit or channel")), &source, "id")
                        .with_hint("units and channels share the short links /q/<id>/, so each needs its own id"),
                );
                continue;
            }
            let short = crate::channels::short_path(config, &id);
            let mut channels = meta.channels.clone();
            channels.extend(town.iter().filter(|c| !channels.contains(c)).cloned().collect::<Vec<_>>());
            print.units.push(Unit {
                name: meta.name.clone().or_else(|| page.meta.title.clone()).unwrap_or_else(|| id.clone()),
                kind: meta.kind.clone(),
                households: meta.households,
                contact_title: meta.contact_title.clone(),
                office_address: meta.office_address.clone(),
                own_channels: meta.channels.clone(),
                channels,
                permalink: config.permalink(&page.path),
                short_url: config.permalink(&short),
                short_path: short,
                page: index,
                id,
            });
        }
        print.units.sort_by(|a, b| {
            let (pa, pb) = (&library.pages[a.page], &library.pages[b.page]);
            pa.meta.weight.cmp(&pb.meta.weight).then(a.id.cmp(&b.id))
        });
        let primary: Vec<String> = library.channels.iter().filter(|c| c.primary).map(|c| c.id.clone()).collect();
        let all_units: Vec<String> = print.units.iter().map(|u| u.id.clone()).collect();
        for (index, page) in library.pages.iter().enumerate() {
            if page.meta.poster.is_none() && page.meta.letter.is_none() {
                continue;
            }
            // Read once, only for print items: error locations point into it.
            let source = std::fs::read_to_string(&page.file).unwrap_or_default();
            let issuer_default = config.extra.get("issuer").and_then(Value::as_str).unwrap_or(&config.title).to_string();
            let item = if let Some(meta) = &page.meta.poster {
                let Some(id) = item_id(page, meta.id.as_deref(), &source, "poster", errors) else { continue };
                let paper = meta.size.clone().unwrap_or_else(|| "A3".into());
                let landscape = match meta.orientation.as_deref() {
                    None | Some("portrait") => false,
                    Some("landscape") => true,
                    Some(other) => {
                        errors.push(
                            locate(Error::in_file(&page.file, format!("`{other}` is not an orientation")), &source, "orientation")
                                .with_hint("use \"portrait\" or \"landscape\""),
                        );
                        continue;
                    }
                };
                let bleed = meta.bleed_mm.unwrap_or(3.0);
                if !(0.0..=10.0).contains(&bleed) {
                    errors.push(
                        locate(Error::in_file(&page.file, format!("a bleed of {bleed} mm is not usable")), &source, "bleed_mm")
                            .with_hint("print shops ask for 2–5 mm; the default is 3"),
                    );
                    continue;
                }
                let sheet = match Sheet::new(&paper, landscape, bleed, meta.crop_marks.unwrap_or(true)) {
                    Ok(sheet) => sheet,
                    Err(hint) => {
                        errors.push(locate(Error::in_file(&page.file, format!("`{paper}` is not a size placard knows")), &source, "size").with_hint(hint));
                        continue;
                    }
                };
                let color = meta.color.clone().unwrap_or_else(|| "#b71c1c".into());
                if !is_hex_color(&color) {
                    errors.push(
                        locate(Error::in_file(&page.file, format!("`{color}` is not a colour")), &source, "color")
                            .with_hint("write colours as #rrggbb, like #b71c1c"),
                    );
                    continue;
                }
                let channels = meta.channels.clone().unwrap_or_else(|| primary.clone());
                let units = resolve_units(page, &source, meta.units.as_ref(), &all_units, &rejected_units, errors);
                PrintItem {
                    kind: ItemKind::Poster,
                    title: page.meta.title.clone().unwrap_or_else(|| id.clone()),
                    path: format!("/{PRINT_DIR}/posters/{id}/"),
                    id,
                    sheet,
                    channels,
                    units,
                    color,
                    copies: Some(meta.copies.unwrap_or(1)),
                    issuer: meta.issuer.clone().unwrap_or(issuer_default),
                    date: meta.date.as_ref().or(page.date.as_ref()).map(|d| d.text.clone()),
                    salutation: None,
                    seal: None,
                    page: index,
                }
            } else if let Some(meta) = &page.meta.letter {
                let Some(id) = item_id(page, meta.id.as_deref(), &source, "letter", errors) else { continue };
                let seal = match &meta.seal {
                    Some(file) => {
                        if !page.assets.iter().any(|a| a.file_name().and_then(|n| n.to_str()) == Some(file.as_str())) {
                            errors.push(
                                locate(Error::in_file(&page.file, format!("the seal image `{file}` is not next to this letter")), &source, "seal")
                                    .with_hint("make the letter a page bundle (a folder with index.md) and put the image in that folder"),
                            );
                            continue;
                        }
                        // Relative to the site root: print pages open from the disk, with no server.
                        Some(format!("{}{file}", page.path.trim_start_matches('/')))
                    }
                    None => None,
                };
                let channels = meta.channels.clone().unwrap_or_else(|| primary.clone());
                let units = resolve_units(page, &source, meta.units.as_ref(), &all_units, &rejected_units, errors);
                PrintItem {
                    kind: ItemKind::Letter,
                    title: page.meta.title.clone().unwrap_or_else(|| id.clone()),
                    path: format!("/{PRINT_DIR}/letters/{id}/"),
                    id,
                    sheet: Sheet::new("A4", false, 0.0, false).expect("A4 is in the size table"),
                    channels,
                    units,
                    color: "#b71c1c".into(),
                    copies: None,
                    issuer: meta.issuer.clone().unwrap_or(issuer_default),
                    date: meta.date.as_ref().or(page.date.as_ref()).map(|d| d.text.clone()),
                    salutation: meta.salutation.clone(),
                    seal,
                    page: index,
                }
            } else {
                continue;
            };
            for channel in &item.channels {
                // A channel that failed its own checks was reported there; once is enough.
                if library.channel(channel).is_none() && !library.channels.is_rejected(channel) {
                    errors.push(unknown_channel(page, &source, channel, library));
                }
            }
            if print.items.iter().any(|i| i.kind == item.kind && i.id == item.id) {
                errors.push(
                    locate(Error::in_file(&page.file, format!("the {} id `{}` is used twice", item.kind.label(), item.id)), &source, "id")
                        .with_hint("set a different id = \"...\""),
                );
                continue;
            }
            print.items.push(item);
        }
        print
    }

    /// The template value of unit `id`, with its channels in full.
    pub fn unit_value(&self, library: &Library, id: &str) -> Value {
        let Some(unit) = self.unit(id) else { return Value::Null };
        let mut value = serde_json::to_value(unit).unwrap_or(Value::Null);
        let channels: Vec<Value> = unit.channels.iter().filter_map(|c| library.channel(c)).map(|c| serde_json::to_value(c).unwrap_or(Value::Null)).collect();
        value["channel_list"] = Value::Array(channels);
        value
    }

    /// The sheets of one variant (or, with `None`, of all variants) of `item`, for its print template.
    pub fn sheets(&self, library: &Library, item: &PrintItem, variant: Option<&str>) -> Vec<Value> {
        item.variants()
            .into_iter()
            .filter(|v| variant.is_none_or(|only| only == *v))
            .map(|v| {
                let unit = self.unit(v);
                // The unit's own channels first, then the item's.
                let mut ids: Vec<&str> = unit.map(|u| u.own_channels.iter().map(String::as_str).collect()).unwrap_or_default();
                ids.extend(item.channels.iter().map(String::as_str).filter(|c| !ids.contains(c)).collect::<Vec<_>>());
                let channels: Vec<Value> = ids.iter().filter_map(|c| library.channel(c)).map(|c| serde_json::to_value(c).unwrap_or(Value::Null)).collect();
                // Each printed variant has a code of its own, so scans can be counted per unit and
                // per item; the page shows what the unit's landing page shows.
                let landing = unit.map(|u| item.landing_url(u));
                json!({
                    "variant": v,
                    "unit": unit.map(|u| self.unit_value(library, &u.id)),
                    "channels": channels,
                    "landing_url": landing,
                    "poster_id": format!("{}-{}", item.id, v),
                })
            })
            .collect()
    }
}

/// The items as the exporter sees them: HTML files of the combined page and each variant, relative
/// to the print folder.
pub fn export_items(print: &Print) -> Vec<export::PrintItem> {
    let in_print_dir = |path: &str| {
        let file = crate::content::output_file(path);
        file.strip_prefix(&format!("{PRINT_DIR}/")).map(str::to_string).unwrap_or(file)
    };
    print
        .items
        .iter()
        .map(|item| export::PrintItem {
            kind: match item.kind {
                ItemKind::Poster => "poster".into(),
                ItemKind::Letter => "letter".into(),
            },
            id: item.id.clone(),
            title: item.title.clone(),
            combined: in_print_dir(&item.path),
            variants: item.variants().into_iter().map(|v| (v.to_string(), in_print_dir(&item.variant_path(v)))).collect(),
            width_mm: item.sheet.width_mm,
            height_mm: item.sheet.height_mm,
        })
        .collect()
}

fn is_hex_color(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// The item's id (front matter `id` or the slug), which must suit a file name and a short link.
fn item_id(page: &Page, id: Option<&str>, source: &str, what: &str, errors: &mut Errors) -> Option<String> {
    let id = id.map(str::to_string).unwrap_or_else(|| page.slug.clone());
    let ok = crate::content::is_short_id(&id, 32) && id != TOWN_VARIANT;
    if ok {
        Some(id)
    } else {
        errors.push(
            locate(Error::in_file(&page.file, format!("`{id}` cannot be a {what} id")), source, "id")
                .with_hint(format!("give the {what} an id of lower-case letters, digits and dashes, like id = \"dongwan\"")),
        );
        None
    }
}

fn unknown_channel(page: &Page, source: &str, id: &str, library: &Library) -> Error {
    let known: Vec<&str> = library.channels.iter().map(|c| c.id.as_str()).collect();
    let hint = match crate::error::suggest(id, &known) {
        Some(near) => format!("did you mean `{near}`? channels are: {}", known.join(", ")),
        None => format!("channels are: {}", known.join(", ")),
    };
    locate(Error::in_file(&page.file, format!("there is no channel `{id}`")), source, "channels").with_hint(hint)
}

/// The unit ids `spec` names. An id of a unit page that failed to load was reported there, so it
/// is left out without a second error.
fn resolve_units(page: &Page, source: &str, spec: Option<&UnitsSpec>, all: &[String], rejected: &BTreeSet<String>, errors: &mut Errors) -> Vec<String> {
    match spec {
        None => vec![],
        Some(UnitsSpec::All(word)) if word == "all" => all.to_vec(),
        Some(UnitsSpec::All(word)) => {
            errors.push(
                locate(Error::in_file(&page.file, format!("units = \"{word}\" is not understood")), source, "units")
                    .with_hint("write units = \"all\", or a list such as units = [\"dongwan\", \"shiqiao\"]"),
            );
            vec![]
        }
        Some(UnitsSpec::List(list)) => {
            for id in list {
                if !all.contains(id) && !rejected.contains(id) {
                    let known: Vec<&str> = all.iter().map(String::as_str).collect();
                    errors.push(
                        locate(Error::in_file(&page.file, format!("there is no unit `{id}`")), source, "units")
                            .with_hint(format!("units are: {}", known.join(", "))),
                    );
                }
            }
            list.iter().filter(|id| all.contains(id)).cloned().collect()
        }
    }
}

//! Print material: units (villages, communities, schools) and the print items made for them —
//! posters, letters, notices, cards, stickers, handouts. Every item is of a kind described by data
//! ([`kinds`]), and has one model here that templates see; the print pages themselves are rendered with the site, and
//! [`export`] turns them into PDFs and PNGs through a headless Chromium.

pub mod export;
pub mod formats;
pub mod forms;
pub mod kinds;
pub mod languages;
pub mod notices;
pub mod order;
pub mod sizes;
pub mod slogans;

use serde::Serialize;
use serde_json::{json, Value};

use crate::channels::Channels;
use crate::config::Config;
pub use crate::content::campaign_tables::{
    CopiesSpec, ItemFrontMatter, LetterFrontMatter, Mount, NoticeFrontMatter, Orientation, PosterFrontMatter, UnitFrontMatter, UnitsSpec,
};
use crate::content::{Date, Library, Page};
use crate::error::{Error, Errors};
pub use kinds::{Copies, Kind, KINDS};

/// Where print pages go in the output.
pub const PRINT_DIR: &str = "print";
/// Text stays this far inside the trim, so the guillotine never cuts a word.
pub const SAFE_MM: f64 = 5.0;
/// The id of the one variant of an item made for no particular unit.
pub const TOWN_VARIANT: &str = "town";

/// A village, community, school or market that gets its own variant of each item.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub kind: Option<String>,
    pub households: Option<u32>,
    /// Enterprises in the unit, for letters counted per enterprise.
    pub enterprises: Option<u32>,
    /// Pupils, for a school's handouts.
    pub pupils: Option<u32>,
    /// The unit a school or market belongs to.
    pub parent: Option<String>,
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
    /// 村民小组 or buildings, for the delivery sign-off sheet.
    pub groups: Vec<forms::Group>,
    /// Planned places of posters, by item id, for the posting record.
    pub places: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(skip)]
    pub page: usize,
}

impl Unit {
    /// Whether it is a school: kind 学校 (or 小学, 中学…), or it has pupils.
    pub fn is_school(&self) -> bool {
        self.pupils.is_some() || self.kind.as_deref().is_some_and(|k| k.ends_with("学") || k.contains("学校"))
    }

    /// An empty unit, for tests and for naming counts.
    pub fn placeholder() -> Unit {
        Unit {
            id: String::new(),
            name: String::new(),
            kind: None,
            households: None,
            enterprises: None,
            pupils: None,
            parent: None,
            contact_title: None,
            office_address: None,
            own_channels: vec![],
            channels: vec![],
            permalink: String::new(),
            short_url: String::new(),
            short_path: String::new(),
            groups: vec![],
            places: Default::default(),
            page: 0,
        }
    }
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
    /// The scale of the print page: 1, or 0.1 for a banner's 1:10 file.
    pub scale: f64,
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
            scale: 1.0,
        })
    }

    /// How the print order names the paper, e.g. `A3 竖版（297×420 mm，出血 3 mm）`.
    pub fn describe(&self) -> String {
        let way = if self.trim_width_mm > self.trim_height_mm { "横版" } else { "竖版" };
        if self.bleed_mm > 0.0 {
            format!("{} {way}（{}×{} mm，出血 {} mm）", self.paper, self.trim_width_mm, self.trim_height_mm, self.bleed_mm)
        } else {
            format!("{} {way}（{}×{} mm）", self.paper, self.trim_width_mm, self.trim_height_mm)
        }
    }
}

/// How an item reaches people: put up where passers-by see it, or handed to each household.
/// Statistics count scans per place or per household by it; [`kinds::Kind`] says the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Poster,
    Letter,
}

/// A print item of one kind, with everything its print pages need except the rendered body.
#[derive(Debug, Clone, Serialize)]
pub struct PrintItem {
    /// Put up or handed out.
    pub kind: ItemKind,
    /// The kind as data: template, folder, label, pages per copy.
    pub spec: &'static Kind,
    pub id: String,
    pub title: String,
    pub sheet: Sheet,
    /// Channel ids shown on every variant (a unit's own channels are added on its variant).
    pub channels: Vec<String>,
    /// Unit ids, one variant each; empty means one town-wide variant.
    pub units: Vec<String>,
    pub color: String,
    /// How copies are counted; the order sheet writes the rule out.
    pub copies: Copies,
    pub issuer: String,
    pub date: Option<String>,
    pub salutation: Option<String>,
    /// The seal image's path from the site root, for letters.
    pub seal: Option<String>,
    /// The one channel the item is about (a report box for its sticker).
    pub channel: Option<String>,
    /// For a notice: its index in [`Print::notices`].
    pub notice: Option<usize>,
    /// For a banner: its slogan, and the height of its characters in mm at full size.
    pub text: Option<String>,
    pub text_mm: Option<f64>,
    /// What the print shop does after printing, when the item says more than its kind and size.
    pub finishing: Option<String>,
    /// The languages on each sheet, the default language first, and how two are set.
    pub languages: Vec<languages::SheetLanguage>,
    pub layout: languages::Layout,
    /// Where the combined print page is, like `/print/posters/market-a3/`.
    pub path: String,
    /// A paper form's variants: unit ids and `town`. Kept apart from `units`, whose variants also get
    /// QR landing pages, which a form must not ([`forms::complete`] fills it in).
    pub form_units: Vec<String>,
    #[serde(skip)]
    pub page: usize,
}

impl PrintItem {
    /// Variant ids in print order: each unit, or the one town-wide variant.
    pub fn variants(&self) -> Vec<&str> {
        if !self.form_units.is_empty() {
            self.form_units.iter().map(String::as_str).collect()
        } else if self.units.is_empty() {
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
    /// Every notice with a `[notice]` table, in force or not.
    pub notices: Vec<notices::Notice>,
    /// Every slogan of every list.
    pub slogans: Vec<slogans::Slogan>,
    /// The text files for the LED screens in `[[print.led]]`.
    pub led: Vec<slogans::LedFile>,
    /// The survey questions (the standard ones unless a survey form lists its own).
    pub questions: Vec<formats::Question>,
}

/// What every kind's front matter comes down to before it becomes a [`PrintItem`].
#[derive(Default)]
struct Draft {
    id: Option<String>,
    /// The kind's id, for errors (`poster`, `notice`…).
    size: Option<String>,
    orientation: Option<Orientation>,
    bleed_mm: Option<f64>,
    crop_marks: Option<bool>,
    channels: Option<Vec<String>>,
    units: Option<UnitsSpec>,
    color: Option<String>,
    copies: Option<CopiesSpec>,
    extra_copies: Option<u32>,
    issuer: Option<String>,
    date: Option<Date>,
    salutation: Option<String>,
    seal: Option<String>,
    channel: Option<String>,
    notice: Option<usize>,
    text: Option<String>,
    mount: Option<Mount>,
    languages: Option<Vec<String>>,
    layout: Option<String>,
    editions: Option<Vec<Vec<String>>>,
    channel_fallback: Option<bool>,
}

/// What collecting items needs at hand.
struct Context<'a> {
    library: &'a Library,
    channels: &'a Channels,
    config: &'a Config,
    primary: Vec<String>,
    all_units: Vec<String>,
    /// Units whose pages could not be loaded: reported there, so naming them adds no error.
    rejected_units: std::collections::BTreeSet<String>,
}

impl Print {
    pub fn unit(&self, id: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    /// Collects units, notices and every print item, checking every reference to a channel or unit.
    /// `today` decides which notices are in force.
    pub fn collect(library: &Library, channels: &Channels, config: &Config, today: chrono::NaiveDate, errors: &mut Errors) -> Print {
        let mut print = Print { units: collect_units(library, channels, config, errors), ..Default::default() };
        print.notices = notices::collect(library, today, errors);
        print.slogans = slogans::collect(library, errors);
        print.led = slogans::led_files(config, &print.slogans, today, errors);
        let context = Context {
            library,
            channels,
            config,
            primary: channels.iter().filter(|c| c.primary).map(|c| c.id.clone()).collect(),
            all_units: print.units.iter().map(|u| u.id.clone()).collect(),
            rejected_units: library.unloaded_ids(errors, "unit"),
        };
        for (index, page) in library.pages.iter().enumerate() {
            let meta = &page.meta;
            // A translation gives another language's text to its page's items; it is none itself.
            if meta.poster.is_none() && meta.letter.is_none() && meta.print.is_none() && meta.notice.is_none()
                || languages::is_translation(page, &config.default_language)
            {
                continue;
            }
            let drafts: Vec<(&'static Kind, Draft)> = if let Some(m) = &meta.poster {
                vec![(kind("poster"), poster_draft(m))]
            } else if let Some(m) = &meta.letter {
                vec![(kind("letter"), letter_draft(m))]
            } else if let Some(m) = &meta.print {
                match kinds::find(&m.kind) {
                    Ok(k) if k.name == "banner" => banner_drafts(library, page, &print.slogans, today, m, errors),
                    Ok(k) => vec![(k, item_draft(m))],
                    Err(hint) => {
                        errors.push(page.keys.locate(Error::in_file(&page.file, format!("`{}` is not a kind of print item", m.kind)), "kind").with_hint(hint));
                        continue;
                    }
                }
            } else if let Some(m) = &meta.notice {
                notice_drafts(page, &print.notices, m)
            } else {
                continue;
            };
            for (kind, draft) in drafts {
                for item in build_item(&context, index, page, kind, draft, &print.units, errors) {
                    if print.items.iter().any(|i| i.spec.folder == item.spec.folder && i.id == item.id) {
                        errors.push(
                            page.keys
                                .locate(Error::in_file(&page.file, format!("the {} id `{}` is used twice", item.spec.label, item.id)), "id")
                                .with_hint("set a different id = \"...\""),
                        );
                        continue;
                    }
                    print.items.push(item);
                }
            }
        }
        forms::complete(library, &mut print, errors);
        print
    }

    /// The template value of unit `id`, with its channels in full.
    pub fn unit_value(&self, channels: &Channels, id: &str) -> Value {
        let Some(unit) = self.unit(id) else { return Value::Null };
        let mut value = serde_json::to_value(unit).unwrap_or(Value::Null);
        let listed: Vec<Value> = unit.channels.iter().filter_map(|c| channels.get(c)).map(|c| serde_json::to_value(c).unwrap_or(Value::Null)).collect();
        value["channel_list"] = Value::Array(listed);
        value
    }

    /// The sheets of one variant (or, with `None`, of all variants) of `item`, for its print template.
    pub fn sheets(&self, channels: &Channels, item: &PrintItem, variant: Option<&str>) -> Vec<Value> {
        if item.spec.form.is_some() {
            return forms::sheets(self, channels, item, variant);
        }
        item.variants()
            .into_iter()
            .filter(|v| variant.is_none_or(|only| only == *v))
            .map(|v| {
                let unit = self.unit(v);
                // The unit's own channels first, then the item's.
                let mut ids: Vec<&str> = unit.map(|u| u.own_channels.iter().map(String::as_str).collect()).unwrap_or_default();
                ids.extend(item.channels.iter().map(String::as_str).filter(|c| !ids.contains(c)).collect::<Vec<_>>());
                let listed: Vec<Value> = ids.iter().filter_map(|c| channels.get(c)).map(|c| channel_value(c, item)).collect();
                // Each printed variant has a code of its own, so scans can be counted per unit and
                // per item; the page shows what the unit's landing page shows.
                let landing = unit.map(|u| item.landing_url(u));
                // The one channel an item is about (a sticker's report box): on a unit's variant,
                // the unit's own channel of the same kind, so each box carries its own rule.
                let about = item
                    .channel
                    .as_deref()
                    .and_then(|id| channels.get(id))
                    .map(|town| unit.and_then(|u| u.own_channels.iter().filter_map(|c| channels.get(c)).find(|c| c.kind == town.kind)).unwrap_or(town));
                json!({
                    "channel": about.map(|c| channel_value(c, item)),
                    "notice": item.notice.and_then(|n| self.notices.get(n)),
                    "variant": v,
                    "unit": unit.map(|u| self.unit_value(channels, &u.id)),
                    "channels": listed,
                    "landing_url": landing,
                    "poster_id": format!("{}-{}", item.id, v),
                })
            })
            .collect()
    }
}

/// A channel as a print template sees it: the one [`crate::channels::Channel`], plus `words`, its
/// words in each language of the item's sheets, in order. A language the channel has no words in
/// (allowed only with `channel_fallback = true`, which warned) shows the default language's,
/// marked `fallback`, so the template can set them in the right script.
pub fn channel_value(channel: &crate::channels::Channel, item: &PrintItem) -> Value {
    let mut value = serde_json::to_value(channel).unwrap_or(Value::Null);
    // A fallback repeats the default language's words: on a sheet that prints them already, once is enough.
    let has_default = item.languages.iter().any(|l| l.default);
    let words: Vec<Value> = item
        .languages
        .iter()
        .filter(|lang| lang.default || channel.i18n.contains_key(&lang.code) || !has_default)
        .map(|lang| {
            let (text, fallback) = match channel.i18n.get(&lang.code) {
                Some(text) => (text.clone(), false),
                None => (channel.default_text(), true),
            };
            let (code, dir) = if fallback { (channel.lang.as_str(), "ltr") } else { (lang.code.as_str(), lang.dir) };
            json!({"lang": code, "dir": dir, "fallback": fallback, "label": text.label, "title": text.title, "hours": text.hours, "answered_by": text.answered_by, "notes": text.notes})
        })
        .collect();
    value["words"] = Value::Array(words);
    value
}

fn kind(name: &str) -> &'static Kind {
    KINDS.iter().find(|k| k.name == name).unwrap_or(&KINDS[0])
}

/// Units (villages, communities, schools) from the pages with a `[unit]` table, lightest first.
fn collect_units(library: &Library, channels: &Channels, config: &Config, errors: &mut Errors) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let owned: Vec<&str> = library.pages.iter().filter_map(|p| p.meta.unit.as_ref()).flat_map(|u| u.channels.iter().map(String::as_str)).collect();
    let town: Vec<String> = channels.iter().filter(|c| !owned.contains(&c.id.as_str())).map(|c| c.id.clone()).collect();
    for (index, page) in library.pages.iter().enumerate() {
        let Some(meta) = &page.meta.unit else { continue };
        let Some(id) = item_id(page, meta.id.as_deref(), "unit", errors) else { continue };
        for channel in &meta.channels {
            // A channel that failed its own checks was reported there; once is enough.
            if channels.get(channel).is_none() && !channels.is_rejected(channel) {
                errors.push(unknown_channel(page, channel, channels));
            }
        }
        if units.iter().any(|u| u.id == id) || channels.get(&id).is_some() {
            errors.push(
                page.keys
                    .locate(Error::in_file(&page.file, format!("the id `{id}` is already used by another unit or channel")), "id")
                    .with_hint("units and channels share the short links /q/<id>/, so each needs its own id"),
            );
            continue;
        }
        let short = crate::channels::short_path(config, &id);
        let mut channels = meta.channels.clone();
        channels.extend(town.iter().filter(|c| !channels.contains(c)).cloned().collect::<Vec<_>>());
        units.push(Unit {
            name: meta.name.clone().or_else(|| page.meta.title.clone()).unwrap_or_else(|| id.clone()),
            kind: meta.kind.clone(),
            households: meta.households,
            enterprises: meta.enterprises,
            pupils: meta.pupils,
            parent: meta.parent.clone(),
            contact_title: meta.contact_title.clone(),
            office_address: meta.office_address.clone(),
            groups: meta.groups.clone(),
            places: meta.places.clone(),
            own_channels: meta.channels.clone(),
            channels,
            permalink: config.permalink(&page.path),
            short_url: config.permalink(&short),
            short_path: short,
            page: index,
            id,
        });
    }
    units.sort_by(|a, b| {
        let (pa, pb) = (&library.pages[a.page], &library.pages[b.page]);
        pa.meta.weight.cmp(&pb.meta.weight).then(a.id.cmp(&b.id))
    });
    // A school belongs to a unit: it shows that unit's own channels after its own. A unit whose
    // page could not be loaded was reported there already.
    let rejected = library.unloaded_ids(errors, "unit");
    let ids: Vec<String> = units.iter().map(|u| u.id.clone()).collect();
    for i in 0..units.len() {
        let Some(parent) = units[i].parent.clone() else { continue };
        let page = &library.pages[units[i].page];
        match units.iter().position(|u| u.id == parent && u.parent.is_none()) {
            Some(p) => {
                let inherited: Vec<String> = units[p].own_channels.iter().filter(|c| !units[i].own_channels.contains(c)).cloned().collect();
                let unit = &mut units[i];
                unit.own_channels.extend(inherited);
                let rest: Vec<String> = unit.channels.iter().filter(|c| !unit.own_channels.contains(c)).cloned().collect();
                unit.channels = unit.own_channels.iter().cloned().chain(rest).collect();
            }
            None if rejected.contains(&parent) => {}
            None => {
                errors.push(
                    page.keys
                        .locate(Error::in_file(&page.file, format!("there is no unit `{parent}` for this one to belong to")), "parent")
                        .with_hint(format!("parent = \"...\" names a unit that belongs to no other; units are: {}", ids.join(", "))),
                );
            }
        }
    }
    units
}

fn poster_draft(m: &PosterFrontMatter) -> Draft {
    Draft {
        id: m.id.clone(),
        size: m.size.clone(),
        orientation: m.orientation,
        bleed_mm: m.bleed_mm,
        crop_marks: m.crop_marks,
        channels: m.channels.clone(),
        units: m.units.clone(),
        color: m.color.clone(),
        copies: m.copies.clone(),
        extra_copies: m.extra_copies,
        issuer: m.issuer.clone(),
        date: m.date.clone(),
        languages: m.languages.clone(),
        layout: m.layout.clone(),
        editions: m.editions.clone(),
        channel_fallback: m.channel_fallback,
        ..Draft::default()
    }
}

fn letter_draft(m: &LetterFrontMatter) -> Draft {
    Draft {
        id: m.id.clone(),
        channels: m.channels.clone(),
        units: m.units.clone(),
        copies: m.copies.clone(),
        extra_copies: m.extra_copies,
        issuer: m.issuer.clone(),
        date: m.date.clone(),
        salutation: m.salutation.clone(),
        seal: m.seal.clone(),
        languages: m.languages.clone(),
        layout: m.layout.clone(),
        editions: m.editions.clone(),
        channel_fallback: m.channel_fallback,
        ..Draft::default()
    }
}

fn item_draft(m: &ItemFrontMatter) -> Draft {
    Draft {
        id: m.id.clone(),
        size: m.size.clone(),
        orientation: m.orientation,
        bleed_mm: m.bleed_mm,
        crop_marks: m.crop_marks,
        channels: m.channels.clone(),
        units: m.units.clone(),
        color: m.color.clone(),
        copies: m.copies.clone(),
        extra_copies: m.extra_copies,
        issuer: m.issuer.clone(),
        date: m.date.clone(),
        salutation: m.salutation.clone(),
        channel: m.channel.clone(),
        mount: m.mount,
        languages: m.languages.clone(),
        layout: m.layout.clone(),
        editions: m.editions.clone(),
        channel_fallback: m.channel_fallback,
        ..Draft::default()
    }
}

/// A banner prints once per slogan not yet ended, `<id>-<n>` for the list's n-th slogan.
fn banner_drafts(
    library: &Library,
    page: &Page,
    all: &[slogans::Slogan],
    today: chrono::NaiveDate,
    m: &ItemFrontMatter,
    errors: &mut Errors,
) -> Vec<(&'static Kind, Draft)> {
    let list = match &m.slogans {
        None => None,
        Some(link) => match library.get(link) {
            Some(crate::content::library::Item::Page(p)) if library.pages[p].meta.slogans.is_some() => Some(p),
            _ => {
                errors.push(
                    page.keys
                        .locate(Error::in_file(&page.file, format!("slogans = \"{link}\" is not a slogan list")), "slogans")
                        .with_hint("name a page with a [slogans] table, like slogans = \"@/slogans/2026.md\""),
                );
                return vec![];
            }
        },
    };
    let id = m.id.clone().unwrap_or_else(|| page.slug.clone());
    all.iter()
        .filter(|s| list.is_none_or(|p| s.page == p) && s.current_on(today))
        .map(|s| {
            let n = s.id.rsplit('-').next().unwrap_or("1");
            let mut draft = item_draft(m);
            draft.id = Some(format!("{id}-{}{n}", if list.is_none() { format!("{}-", s.list) } else { String::new() }));
            draft.text = Some(s.text.clone());
            (kind("banner"), draft)
        })
        .collect()
}

/// A notice in force prints once per size (`<id>-a3`, `<id>-a2`); one that is not is not printed.
fn notice_drafts(page: &Page, notices: &[notices::Notice], m: &NoticeFrontMatter) -> Vec<(&'static Kind, Draft)> {
    let Some(n) = notices.iter().position(|n| std::ptr::eq(page, page) && n.relative == page.relative) else { return vec![] };
    if notices[n].state != notices::State::InForce {
        return vec![];
    }
    let id = notices[n].id.clone();
    let sizes = m.sizes.clone().unwrap_or_else(|| vec!["A3".into(), "A2".into()]);
    sizes
        .into_iter()
        .map(|size| {
            let suffix: String = size.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            let draft = Draft {
                id: Some(format!("{id}-{suffix}")),
                size: Some(size),
                channels: m.channels.clone(),
                units: m.units.clone(),
                copies: m.copies.clone(),
                extra_copies: m.extra_copies,
                issuer: m.issuer.clone(),
                date: m.date.clone(),
                languages: m.languages.clone(),
                layout: m.layout.clone(),
                editions: m.editions.clone(),
                channel_fallback: m.channel_fallback,
                notice: Some(n),
                ..Draft::default()
            };
            (kind("notice"), draft)
        })
        .collect()
}

/// One print item from its draft: the checks every kind shares (id, size, bleed, colour, units,
/// channels, copies rule, seal).
#[allow(clippy::too_many_arguments)]
fn build_item(cx: &Context, index: usize, page: &Page, kind: &'static Kind, d: Draft, units: &[Unit], errors: &mut Errors) -> Vec<PrintItem> {
    build_first(cx, index, page, kind, d, units, errors).unwrap_or_default()
}

/// [`build_item`], one item per edition.
#[allow(clippy::too_many_arguments)]
fn build_first(cx: &Context, index: usize, page: &Page, kind: &'static Kind, d: Draft, units: &[Unit], errors: &mut Errors) -> Option<Vec<PrintItem>> {
    let file = &page.file;
    let id = item_id(page, d.id.as_deref(), kind.name, errors)?;
    let paper = d.size.clone().unwrap_or_else(|| kind.size.into());
    let landscape = match d.orientation {
        None => kind.landscape,
        Some(o) => o == Orientation::Landscape,
    };
    let bleed = d.bleed_mm.unwrap_or(kind.bleed_mm);
    if !(0.0..=10.0).contains(&bleed) {
        errors.push(
            page.keys
                .locate(Error::in_file(file, format!("a bleed of {bleed} mm is not usable")), "bleed_mm")
                .with_hint("print shops ask for 2–5 mm; the default is 3"),
        );
        return None;
    }
    // A size in mm keeps the orientation it is written in; a kind that lies across turns it.
    let landscape = landscape && sizes::parse(&paper).is_ok_and(|s| s.width_mm < s.height_mm);
    let sheet = match Sheet::new(&paper, landscape, bleed, d.crop_marks.unwrap_or(kind.crop_marks)) {
        Ok(sheet) => Sheet { scale: kind.scale, ..sheet },
        Err(hint) => {
            let key = if kind.name == "notice" { "sizes" } else { "size" };
            errors.push(page.keys.locate(Error::in_file(file, format!("`{paper}` is not a size placard knows")), key).with_hint(hint));
            return None;
        }
    };
    let color = d.color.clone().unwrap_or_else(|| "#b71c1c".into());
    if !is_hex_color(&color) {
        errors.push(page.keys.locate(Error::in_file(file, format!("`{color}` is not a colour")), "color").with_hint("write colours as #rrggbb, like #b71c1c"));
        return None;
    }
    let copies = match Copies::from_front_matter(kind, d.copies.as_ref(), d.extra_copies) {
        Ok(copies) => copies,
        Err(hint) => {
            errors.push(page.keys.locate(Error::in_file(file, "this copies rule is not understood"), "copies").with_hint(hint));
            return None;
        }
    };
    let seal = match &d.seal {
        Some(name) => {
            if !page.assets.iter().any(|a| a.file_name().and_then(|n| n.to_str()) == Some(name.as_str())) {
                errors.push(
                    page.keys
                        .locate(Error::in_file(file, format!("the seal image `{name}` is not next to this {}", kind.label)), "seal")
                        .with_hint("make the item a page bundle (a folder with index.md) and put the image in that folder"),
                );
                return None;
            }
            // Relative to the site root: print pages open from the disk, with no server.
            Some(format!("{}{name}", page.path.trim_start_matches('/')))
        }
        None => None,
    };
    let channels = d.channels.clone().unwrap_or_else(|| cx.primary.clone());
    for channel in channels.iter().chain(&d.channel) {
        // A channel that failed its own checks was reported there; once is enough.
        if cx.channels.get(channel).is_none() && !cx.channels.is_rejected(channel) {
            errors.push(unknown_channel(page, channel, cx.channels));
        }
    }
    let mut finishing = None;
    let mut text_mm = None;
    if kind.name == "banner" {
        finishing = Some(slogans::mount_finishing(d.mount.unwrap_or_default()).to_string());
        let text = d.text.as_deref().unwrap_or_default();
        match slogans::banner_type(text, sheet.trim_width_mm.max(sheet.trim_height_mm), sheet.trim_width_mm.min(sheet.trim_height_mm)) {
            Ok(t) => text_mm = Some(t),
            Err(message) => {
                errors.push(
                    page.keys
                        .locate(Error::in_file(file, message), "size")
                        .with_hint("order a longer banner (size = \"900x6000\"), or shorten the slogan in its list"),
                );
                return None;
            }
        }
    }
    let page_title = cx.library.pages[index].meta.title.clone();
    let title = match &d.text {
        Some(text) => format!("{}：{text}", page_title.unwrap_or_default()),
        None => page_title.unwrap_or_else(|| id.clone()),
    };
    let unit_ids = resolve_units(page, d.units.as_ref(), cx, units, errors);
    let issuer_default = cx.config.extra.get("issuer").and_then(Value::as_str).unwrap_or(&cx.config.title).to_string();
    // A language of a sheet is one of the site's: its translations are loaded only then.
    let listed = d.languages.iter().flatten().map(|l| (l, "languages")).chain(d.editions.iter().flatten().flatten().map(|l| (l, "editions")));
    for (code, key) in listed {
        if !cx.config.has_language(code) {
            errors.push(
                page.keys
                    .locate(Error::in_file(file, format!("`{code}` is not a language of this site")), key)
                    .with_hint(format!("add [languages.{code}] to config.toml, or print in {}", cx.config.language_codes().join(", "))),
            );
            return None;
        }
    }
    let spec = languages::Spec { languages: d.languages.as_deref(), layout: d.layout.as_deref(), editions: d.editions.as_deref() };
    let at = |key: &str, message: String| page.keys.locate(Error::in_file(file, message), key);
    let editions = match languages::editions(
        &cx.config.default_language,
        index,
        file,
        spec,
        &|lang| page_translation(cx.library, index, lang),
        &|lang| cx.config.dir_of(lang).as_str(),
        &at,
    ) {
        Ok(editions) => editions,
        Err(error) => {
            errors.push(error);
            return None;
        }
    };
    // A translation gives text (title, body, a letter's salutation); what is printed, where and
    // for whom is the item's own, so a translation's own print table is refused at its line.
    for lang in editions.iter().flat_map(|e| &e.languages).filter(|l| !l.default) {
        let t = &cx.library.pages[lang.page];
        let m = &t.meta;
        let letter_only_words = m.letter.as_ref().is_none_or(|l| {
            l.id.is_none()
                && l.issuer.is_none()
                && l.date.is_none()
                && l.seal.is_none()
                && l.channels.is_none()
                && l.units.is_none()
                && l.copies.is_none()
                && l.extra_copies.is_none()
                && l.languages.is_none()
                && l.layout.is_none()
                && l.editions.is_none()
                && l.channel_fallback.is_none()
        });
        let table = [(m.poster.is_some(), "poster"), (m.print.is_some(), "print"), (m.notice.is_some(), "notice"), (!letter_only_words, "letter")]
            .into_iter()
            .find(|(set, _)| *set)
            .map(|(_, name)| name);
        if let Some(table) = table {
            let source = std::fs::read_to_string(&t.file).unwrap_or_default();
            let line = source.lines().position(|l| l.trim() == format!("[{table}]")).map_or(0, |i| i + 1);
            errors.push(
                Error::at(&t.file, line, 1, format!("the {} translation has a [{table}] table of its own", lang.code)).with_hint(format!(
                    "a translation gives only text: remove [{table}] (a letter's translation may keep [letter] salutation); sizes, channels and units are the item's"
                )),
            );
            return None;
        }
    }
    // Every channel an edition prints, the units' own included, needs its words in each language
    // of the sheet, or the item must say that the default language's words will do.
    let printed: Vec<&str> = channels
        .iter()
        .chain(&d.channel)
        .map(String::as_str)
        .chain(units.iter().filter(|u| unit_ids.contains(&u.id)).flat_map(|u| u.own_channels.iter().map(String::as_str)))
        .collect();
    let mut checked_langs: Vec<&str> = Vec::new();
    for (n, edition) in editions.iter().enumerate() {
        for lang in edition.languages.iter().filter(|l| !l.default) {
            if checked_langs.contains(&lang.code.as_str()) {
                continue;
            }
            checked_langs.push(&lang.code);
            let mut missing: Vec<&str> = printed.iter().copied().filter(|c| cx.channels.get(c).is_some_and(|c| !c.has_lang(&lang.code))).collect();
            missing.sort_unstable();
            missing.dedup();
            if missing.is_empty() {
                continue;
            }
            let key = if n == 0 { "languages" } else { "editions" };
            let files: Vec<String> =
                missing.iter().filter_map(|c| cx.channels.get(c)).map(|c| languages::translation_file(&cx.library.pages[c.page].file, &lang.code)).collect();
            let message = format!("the channels {} have no {} translation", missing.join(", "), lang.code);
            if d.channel_fallback == Some(true) {
                let warning = at(key, format!("{message}: their {} words are printed in the {} text", cx.config.default_language, lang.code));
                errors.push(Error { severity: crate::error::Severity::Warning, ..warning.with_hint(format!("write {}", files.join(", "))) });
            } else {
                errors.push(at(key, message).with_hint(format!(
                    "write {}, or set channel_fallback = true to print their {} words instead",
                    files.join(", "),
                    cx.config.default_language
                )));
                return None;
            }
        }
    }
    let first = PrintItem {
        kind: kind.family,
        spec: kind,
        path: format!("/{PRINT_DIR}/{}/{id}/", kind.folder),
        id,
        sheet,
        channels,
        units: unit_ids,
        color,
        copies,
        issuer: d.issuer.clone().unwrap_or(issuer_default),
        date: d.date.as_ref().or(page.date.as_ref()).map(|dt| dt.text.clone()),
        salutation: d.salutation.clone(),
        seal,
        channel: d.channel.clone(),
        notice: d.notice,
        title,
        text: d.text,
        text_mm,
        finishing,
        form_units: vec![],
        languages: vec![],
        layout: languages::Layout::Single,
        page: index,
    };
    let mut items = Vec::new();
    for edition in editions {
        let id = format!("{}{}", first.id, edition.suffix);
        if !crate::content::is_short_id(&id, 40) {
            errors.push(at("editions", format!("the edition id `{id}` is too long")).with_hint("give the item a shorter id = \"...\""));
            continue;
        }
        items.push(PrintItem {
            path: format!("/{PRINT_DIR}/{}/{id}/", kind.folder),
            id,
            languages: edition.languages,
            layout: edition.layout,
            ..first.clone()
        });
    }
    Some(items)
}

/// The translation of page `index` into `lang`, as a page index.
fn page_translation(library: &Library, index: usize, lang: &str) -> Option<usize> {
    languages::translations_of(library, index).into_iter().find(|(l, _)| l == lang).map(|(_, i)| i)
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
            kind: item.spec.name.into(),
            folder: item.spec.folder.into(),
            flow: item.spec.pages == kinds::Pages::Flow,
            pages_per_variant: match item.spec.pages {
                kinds::Pages::Fixed(n) => usize::from(n),
                kinds::Pages::Flow => 1,
            },
            id: item.id.clone(),
            title: item.title.clone(),
            combined: in_print_dir(&item.path),
            // A form lays out as many sheets as its rows need: its variant is listed once per sheet.
            variants: item
                .variants()
                .into_iter()
                .flat_map(|v| std::iter::repeat_n((v.to_string(), in_print_dir(&item.variant_path(v))), forms::sheet_count(print, item, v)))
                .collect(),
            width_mm: item.sheet.width_mm * item.sheet.scale,
            height_mm: item.sheet.height_mm * item.sheet.scale,
        })
        .collect()
}

fn is_hex_color(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// The item's id (front matter `id` or the slug), which must suit a file name and a short link.
fn item_id(page: &Page, id: Option<&str>, what: &str, errors: &mut Errors) -> Option<String> {
    let id = id.map(str::to_string).unwrap_or_else(|| page.slug.clone());
    let ok = crate::content::is_short_id(&id, 32) && id != TOWN_VARIANT;
    if ok {
        Some(id)
    } else {
        errors.push(
            page.keys
                .locate(Error::in_file(&page.file, format!("`{id}` cannot be a {what} id")), "id")
                .with_hint(format!("give the {what} an id of lower-case letters, digits and dashes, like id = \"dongwan\"")),
        );
        None
    }
}

fn unknown_channel(page: &Page, id: &str, channels: &Channels) -> Error {
    let known: Vec<&str> = channels.iter().map(|c| c.id.as_str()).collect();
    let hint = match crate::error::suggest(id, &known) {
        Some(near) => format!("did you mean `{near}`? channels are: {}", known.join(", ")),
        None => format!("channels are: {}", known.join(", ")),
    };
    page.keys.locate(Error::in_file(&page.file, format!("there is no channel `{id}`")), "channels").with_hint(hint)
}

fn resolve_units(page: &Page, spec: Option<&UnitsSpec>, cx: &Context, units: &[Unit], errors: &mut Errors) -> Vec<String> {
    let all = &cx.all_units;
    match spec {
        None => vec![],
        // Schools are units too, but "all" means the villages and communities: schools get the
        // items written for them (units = "schools").
        Some(UnitsSpec::All(word)) if word == "all" => units.iter().filter(|u| !u.is_school()).map(|u| u.id.clone()).collect(),
        Some(UnitsSpec::All(word)) if word == "schools" => units.iter().filter(|u| u.is_school()).map(|u| u.id.clone()).collect(),
        Some(UnitsSpec::All(word)) => {
            errors.push(
                page.keys
                    .locate(Error::in_file(&page.file, format!("units = \"{word}\" is not understood")), "units")
                    .with_hint("write units = \"all\", units = \"schools\", or a list such as units = [\"dongwan\", \"shiqiao\"]"),
            );
            vec![]
        }
        Some(UnitsSpec::List(list)) => {
            for id in list {
                if !all.contains(id) && !cx.rejected_units.contains(id) {
                    let known: Vec<&str> = all.iter().map(String::as_str).collect();
                    errors.push(
                        page.keys
                            .locate(Error::in_file(&page.file, format!("there is no unit `{id}`")), "units")
                            .with_hint(format!("units are: {}", known.join(", "))),
                    );
                }
            }
            list.iter().filter(|id| all.contains(id)).cloned().collect()
        }
    }
}

//! Template functions (`get_url`, `get_page`, `load_data`, …) and filters (`markdown`, `date_zh`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value};
use tera::{Function, Tera};

use super::values::{page_listing, section_meta, Shapes};
use crate::campaign::Campaign;
use crate::config::Config;
use crate::content::library::Item;
use crate::content::{slugify, Date, Library};
use crate::error::Error;
use crate::images::{Format, Images, Op, Request};

/// What the functions read: the loaded site and, once Markdown is rendered, the page shapes.
pub struct SiteData {
    pub root: PathBuf,
    pub config: Arc<Config>,
    pub library: Arc<Library>,
    pub campaign: Arc<Campaign>,
    /// `None` while shortcodes render, before any page body exists.
    pub shapes: Option<Arc<Shapes>>,
}

/// Registers every placard function and filter on `tera`.
pub fn register(tera: &mut Tera, data: Arc<SiteData>) {
    super::zola::register(tera, data.clone());
    let d = data.clone();
    tera.register_function("get_url", move |args: &HashMap<String, Value>| get_url(&d, args));
    let d = data.clone();
    tera.register_function("get_page", move |args: &HashMap<String, Value>| get_page(&d, args));
    let d = data.clone();
    tera.register_function("get_section", move |args: &HashMap<String, Value>| get_section(&d, args));
    let d = data.clone();
    tera.register_function("get_taxonomy", move |args: &HashMap<String, Value>| get_taxonomy(&d, args));
    let d = data.clone();
    tera.register_function("get_taxonomy_url", move |args: &HashMap<String, Value>| get_taxonomy_url(&d, args));
    let d = data.clone();
    tera.register_function("load_data", move |args: &HashMap<String, Value>| load_data(&d.root, args));
    let d = data.clone();
    tera.register_function("get_channels", move |args: &HashMap<String, Value>| {
        let primary_only = args.get("primary").and_then(Value::as_bool).unwrap_or(false);
        let channels = d.campaign.channels.iter().filter(|c| !primary_only || c.primary);
        // `lang` asks for the channels' words in a language; only `fallback=true` accepts the
        // default language's words for a channel that has none in it.
        let Some(lang) = args.get("lang").and_then(Value::as_str) else {
            return serde_json::to_value(channels.collect::<Vec<_>>()).map_err(|e| e.to_string().into());
        };
        let fallback = args.get("fallback").and_then(Value::as_bool).unwrap_or(false);
        let mut list = Vec::new();
        for c in channels {
            list.push(c.in_lang(lang, fallback).ok_or_else(|| {
                format!("get_channels: the channel `{}` has no {lang} translation; write it beside the channel's page, or pass fallback=true", c.id)
            })?);
        }
        serde_json::to_value(list).map_err(|e| e.to_string().into())
    });
    let d = data.clone();
    tera.register_function("get_channel", move |args: &HashMap<String, Value>| {
        let id = string_arg(args, "id", "get_channel")?;
        let channel = d.campaign.channel(id).ok_or_else(|| {
            let known: Vec<&str> = d.campaign.channels.iter().map(|c| c.id.as_str()).collect();
            format!("get_channel: there is no channel `{id}`; channels are: {}", known.join(", "))
        })?;
        // `lang` asks for the channel's words in a language; only `fallback=true` accepts the
        // default language's words when the channel has none in it.
        let channel = match args.get("lang").and_then(Value::as_str) {
            None => channel.clone(),
            Some(lang) => {
                let fallback = args.get("fallback").and_then(Value::as_bool).unwrap_or(false);
                channel.in_lang(lang, fallback).ok_or_else(|| {
                    format!("get_channel: the channel `{id}` has no {lang} translation; write it beside the channel's page, or pass fallback=true")
                })?
            }
        };
        serde_json::to_value(channel).map_err(|e| e.to_string().into())
    });
    let d = data.clone();
    tera.register_function("trans", move |args: &HashMap<String, Value>| trans(&d.config, args));
    for name in ["now", "get_random", "get_env"] {
        tera.register_function(name, Refused(name));
    }
    let config = data.config.clone();
    tera.register_filter("markdown", move |value: &Value, args: &HashMap<String, Value>| {
        let text = value.as_str().ok_or("the markdown filter takes text")?;
        let inline = args.get("inline").and_then(Value::as_bool).unwrap_or(false);
        Ok(Value::String(crate::markdown::render_fragment(text, &config.markdown, inline)))
    });
    tera.register_filter("date_zh", date_zh);
    tera.register_filter("base64_encode", |value: &Value, _: &HashMap<String, Value>| {
        use base64::Engine as _;
        let text = value.as_str().ok_or("base64_encode takes text")?;
        Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(text)))
    });
    tera.register_filter("base64_decode", |value: &Value, _: &HashMap<String, Value>| {
        use base64::Engine as _;
        let text = value.as_str().ok_or("base64_decode takes text")?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(text).map_err(|e| format!("base64_decode: {e}"))?;
        Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    });
}

/// Registers `resize_image` and `get_image_metadata`, which share `images` (made once per request,
/// written by [`Images::finish`]).
pub fn register_images(tera: &mut Tera, data: &SiteData, images: Arc<Images>) {
    let root = data.root.clone();
    let theme = data.config.theme.clone();
    let i = images.clone();
    let (r, t) = (root.clone(), theme.clone());
    tera.register_function("resize_image", move |args: &HashMap<String, Value>| {
        resize_image(&i, args).map_err(|why| located("resize_image", args, &r, t.as_deref(), why))
    });
    tera.register_function("get_image_metadata", move |args: &HashMap<String, Value>| {
        get_image_metadata(&images, args).map_err(|why| located("get_image_metadata", args, &root, theme.as_deref(), why))
    });
}

fn resize_image(images: &Images, args: &HashMap<String, Value>) -> Result<Value, String> {
    let path = args
        .get("path")
        .and_then(Value::as_str)
        .ok_or("it needs the picture's `path`, like resize_image(path=\"images/photo.jpg\", width=800, op=\"fit_width\")")?;
    let number = |name: &str| -> Result<Option<u32>, String> {
        match args.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().and_then(|n| u32::try_from(n).ok()).map(Some).ok_or_else(|| format!("`{name}` must be a whole number of pixels, not {v}")),
        }
    };
    let text = |name: &str, default: &'static str| -> Result<String, String> {
        match args.get(name) {
            None | Some(Value::Null) => Ok(default.to_string()),
            Some(v) => v.as_str().map(str::to_string).ok_or_else(|| format!("`{name}` must be text, like {name}=\"{default}\"")),
        }
    };
    let quality = match number("quality")? {
        Some(q) => Some(u8::try_from(q).map_err(|_| format!("`quality={q}` is out of range; use 1 to 100"))?),
        None => None,
    };
    let request = Request {
        width: number("width")?,
        height: number("height")?,
        op: Op::parse(&text("op", "fill")?)?,
        format: Format::parse(&text("format", "auto")?)?,
        quality,
    };
    let file = images.find(path)?;
    let resized = images.resize(&file, &request, None)?;
    serde_json::to_value(resized).map_err(|e| e.to_string())
}

fn get_image_metadata(images: &Images, args: &HashMap<String, Value>) -> Result<Value, String> {
    let path = args.get("path").and_then(Value::as_str).ok_or("it needs the picture's `path`, like get_image_metadata(path=\"images/photo.jpg\")")?;
    let allow_missing = args.get("allow_missing").and_then(Value::as_bool).unwrap_or(false);
    let file = match images.find(path) {
        Ok(file) => file,
        Err(_) if allow_missing => return Ok(Value::Null),
        Err(why) => return Err(why),
    };
    Ok(images.source(&file)?.metadata())
}

/// What to do about a picture that cannot be used.
const IMAGE_HINT: &str = "paths are relative to the site folder, static/ or content/ (or start with @/ for content/), \
                          and the picture must be a JPEG, PNG or WebP file";
const CALLED_AT: &str = " (called at ";

/// An image function's error, naming the template line that called it: Tera does not say where a
/// function was called, so the templates are searched for the call with this path.
fn located(function: &str, args: &HashMap<String, Value>, root: &Path, theme: Option<&str>, why: String) -> tera::Error {
    let path = args.get("path").and_then(Value::as_str).unwrap_or("");
    let at = call_site(function, path, root, theme).map(|(file, line, column)| format!("{CALLED_AT}{file}:{line}:{column})")).unwrap_or_default();
    format!("{function}{at}: {why} (help: {IMAGE_HINT})").into()
}

/// The error for a template that failed in `resize_image` or `get_image_metadata`, located at the
/// line of the call, or `None` when `cause` is another failure. `template_file` is the file of the
/// template being rendered: the call's file is found beside it, since the cause names it relative
/// to the site folder.
pub fn image_call_failure(cause: &str, rendering: &Path, template_file: &Path) -> Option<Error> {
    let function = ["resize_image", "get_image_metadata"].into_iter().find(|f| cause.starts_with(&format!("{f}{CALLED_AT}")))?;
    let rest = &cause[function.len() + CALLED_AT.len()..];
    let close = rest.find("): ")?;
    let mut place = rest[..close].rsplitn(3, ':');
    let column: usize = place.next()?.parse().ok()?;
    let line: usize = place.next()?.parse().ok()?;
    let file = place.next()?;
    let why = rest[close + 3..].strip_suffix(&format!(" (help: {IMAGE_HINT})")).unwrap_or(&rest[close + 3..]);
    let full = template_file.ancestors().map(|a| a.join(file)).find(|f| f.is_file()).unwrap_or_else(|| PathBuf::from(file));
    Some(Error::at(full, line, column, format!("{function}: {why} (while rendering `{}`)", rendering.display())).with_hint(IMAGE_HINT))
}

/// The file (relative to the site folder), line and column of a template's call of `function`,
/// preferring a call that names `path` within its first lines.
fn call_site(function: &str, path: &str, root: &Path, theme: Option<&str>) -> Option<(String, usize, usize)> {
    let mut sources: Vec<(String, String)> = Vec::new();
    let mut folders = vec![root.join("templates")];
    folders.extend(theme.map(|t| root.join("themes").join(t).join("templates")));
    for folder in &folders {
        for entry in walkdir::WalkDir::new(folder).sort_by_file_name().into_iter().flatten().filter(|e| e.file_type().is_file()) {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                sources.push((entry.path().strip_prefix(root).unwrap_or(entry.path()).display().to_string(), text));
            }
        }
    }
    if theme == Some(super::templates::DEFAULT_THEME) && !root.join("themes").join(super::templates::DEFAULT_THEME).is_dir() {
        for (name, bytes) in super::templates::built_in_files("templates/") {
            sources.push((format!("(built-in theme)/templates/{name}"), String::from_utf8_lossy(bytes).into_owned()));
        }
    }
    let call = format!("{function}(");
    let quoted = [format!("\"{path}\""), format!("'{path}'"), format!("`{path}`")];
    let mut first = None;
    for (name, text) in &sources {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(byte) = line.find(&call) else { continue };
            let at = (name.clone(), i + 1, line[..byte].chars().count() + 1);
            let window = lines[i..lines.len().min(i + 4)].join("\n");
            if !path.is_empty() && quoted.iter().any(|q| window.contains(q.as_str())) {
                return Some(at);
            }
            first.get_or_insert(at);
        }
    }
    first
}

/// Functions that would make the output depend on when or where it was built.
struct Refused(&'static str);

impl Function for Refused {
    fn call(&self, _: &HashMap<String, Value>) -> tera::Result<Value> {
        Err(format!(
            "`{}()` is not available: placard's output never depends on when or where it is built; \
             use a date from front matter or config.extra instead",
            self.0
        )
        .into())
    }
}

fn string_arg<'a>(args: &'a HashMap<String, Value>, name: &str, function: &str) -> tera::Result<&'a str> {
    args.get(name).and_then(Value::as_str).ok_or_else(|| format!("`{function}` needs a text argument `{name}`, like {function}({name}=\"...\")").into())
}

/// The optional `lang` argument of a function, checked against the site's languages; the default
/// language when it is left out (as in Zola, not the language of the page being rendered).
fn lang_arg<'a>(config: &'a Config, args: &'a HashMap<String, Value>, function: &str) -> tera::Result<&'a str> {
    match args.get("lang") {
        None | Some(Value::Null) => Ok(&config.default_language),
        // A theme macro's `lang=""` default: the default language.
        Some(Value::String(lang)) if lang.is_empty() => Ok(&config.default_language),
        Some(Value::String(lang)) if config.has_language(lang) => Ok(lang),
        Some(other) => Err(format!(
            "`{function}`: `{}` is not one of the site's languages ({}); add [languages.{}] to config.toml or fix the lang argument",
            other.as_str().unwrap_or(&other.to_string()),
            config.language_codes().join(", "),
            other.as_str().unwrap_or("xx")
        )
        .into()),
    }
}

/// `trans(key=..., lang=...)`: the site's `[translations]` of the language first; for the keys the
/// default theme uses, its own wording next (Chinese, or English for `en`), so a site needs to
/// write only what it wants to change.
fn trans(config: &Config, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let key = string_arg(args, "key", "trans")?;
    let lang = lang_arg(config, args, "trans")?;
    if let Some(value) = config.translation(lang, key) {
        return Ok(value.clone());
    }
    if let Some(text) = super::ui_strings::theme_string(key, lang) {
        return Ok(Value::String(text.to_string()));
    }
    let table = if lang == config.default_language { "[translations]".to_string() } else { format!("[languages.{lang}.translations]") };
    Err(format!("trans: there is no `{key}` under {table} in config.toml").into())
}

/// Whether a call passed `required = false`: then a missing page, section or translation gives
/// nothing (`null`) instead of failing the build.
fn not_required(args: &HashMap<String, Value>) -> bool {
    args.get("required").and_then(Value::as_bool) == Some(false)
}

/// `@/news/a.md` with `lang = "en"` → `@/news/a.en.md`, as Zola's functions name translations.
fn with_lang(file: &str, lang: &str, config: &Config) -> String {
    if lang == config.default_language {
        return file.to_string();
    }
    match file.rsplit_once('.') {
        Some((base, ext)) if !base.is_empty() && !base.ends_with('/') => format!("{base}.{lang}.{ext}"),
        _ => format!("{file}.{lang}"),
    }
}

fn get_url(data: &SiteData, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let path = string_arg(args, "path", "get_url")?;
    if path.starts_with("http://") || path.starts_with("https://") {
        return Ok(Value::String(path.to_string()));
    }
    let lang = lang_arg(&data.config, args, "get_url")?;
    let mut url = if let Some(target) = path.strip_prefix("@/") {
        let (file, fragment) = match target.split_once('#') {
            Some((f, frag)) => (f, Some(frag)),
            None => (target, None),
        };
        let file = &with_lang(file, lang, &data.config);
        let Some(url_path) = data.library.url_path(file) else {
            // placard: `required = false` gives nothing instead of an error, so a theme can fall
            // back when a page has no translation.
            if not_required(args) {
                return Ok(Value::Null);
            }
            return Err(format!("get_url: `{path}` names `content/{file}`, which does not exist (or is a draft)").into());
        };
        let mut url = data.config.permalink(url_path);
        if let Some(f) = fragment {
            url.push('#');
            url.push_str(f);
        }
        url
    } else {
        // A plain path of another language goes under its folder, unless it is there already.
        let plain = path.trim_start_matches('/');
        let prefix = data.config.lang_prefix(lang);
        let inside = !prefix.is_empty() && (plain == lang || plain.starts_with(&format!("{lang}/")));
        if prefix.is_empty() || inside {
            format!("{}/{plain}", data.config.base_url)
        } else {
            format!("{}{prefix}/{plain}", data.config.base_url)
        }
    };
    if args.get("trailing_slash").and_then(Value::as_bool) == Some(true) && !url.ends_with('/') && !url.contains('#') {
        url.push('/');
    }
    Ok(Value::String(url))
}

fn get_page(data: &SiteData, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let path = string_arg(args, "path", "get_page")?;
    let lang = lang_arg(&data.config, args, "get_page")?;
    let path = &with_lang(path, lang, &data.config);
    match data.library.get(path) {
        Some(Item::Page(i)) => Ok(match &data.shapes {
            Some(shapes) => shapes.page(&data.library, i),
            None => page_listing(&data.library, &data.campaign, &data.config, &data.library.pages[i], None).value(),
        }),
        _ if not_required(args) => Ok(Value::Null),
        _ => Err(format!("get_page: there is no page `content/{path}`").into()),
    }
}

fn get_section(data: &SiteData, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let path = string_arg(args, "path", "get_section")?;
    let metadata_only = args.get("metadata_only").and_then(Value::as_bool).unwrap_or(false);
    let lang = lang_arg(&data.config, args, "get_section")?;
    let path = &with_lang(path, lang, &data.config);
    let Some(Item::Section(i)) = data.library.get(path) else {
        if not_required(args) {
            return Ok(Value::Null);
        }
        return Err(format!("get_section: there is no section `content/{path}`").into());
    };
    match (&data.shapes, metadata_only) {
        (Some(shapes), false) => {
            // placard's `limit`: only the first pages, for a home page that shows a few per section.
            let pages = &data.library.sections[i].pages;
            let limit = args.get("limit").and_then(Value::as_u64).map_or(pages.len(), |n| (n as usize).min(pages.len()));
            Ok(shapes.section(&data.library, &data.config, i, &pages[..limit], true))
        }
        (Some(shapes), true) => Ok(shapes.section_meta[i].clone()),
        (None, _) => Ok(section_meta(&data.library, &data.config, &data.library.sections[i])),
    }
}

fn get_taxonomy(data: &SiteData, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let kind = string_arg(args, "kind", "get_taxonomy")?;
    let lang = lang_arg(&data.config, args, "get_taxonomy")?;
    let found = data.library.taxonomies.iter().find(|t| t.config.name == kind && t.lang == lang);
    // Zola's `required = false` gives nothing instead of an error.
    if found.is_none() && args.get("required").and_then(Value::as_bool) == Some(false) {
        return Ok(Value::Null);
    }
    let taxonomy = found.ok_or_else(|| format!("get_taxonomy: taxonomy `{kind}` is not configured in config.toml for the language `{lang}`"))?;
    let items: Vec<Value> = match &data.shapes {
        Some(shapes) => taxonomy.terms.iter().map(|t| shapes.term_in_list(&data.library, &data.config, t)).collect(),
        None => taxonomy.terms.iter().map(|t| super::values::term_value(&data.config, t, vec![])).collect(),
    };
    let mut value = json!({ "kind": {"name": taxonomy.config.name, "paginate_by": taxonomy.config.paginate_by, "feed": taxonomy.config.feed}, "lang": taxonomy.lang, "permalink": data.config.permalink(&taxonomy.path) });
    // Moved in: `json!` would copy every term's page list again.
    if let Value::Object(map) = &mut value {
        map.insert("items".into(), Value::Array(items));
    }
    Ok(value)
}

fn get_taxonomy_url(data: &SiteData, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let kind = string_arg(args, "kind", "get_taxonomy_url")?;
    let name = string_arg(args, "name", "get_taxonomy_url")?;
    let lang = lang_arg(&data.config, args, "get_taxonomy_url")?;
    let taxonomy = data
        .library
        .taxonomies
        .iter()
        .find(|t| t.config.name == kind && t.lang == lang)
        .ok_or_else(|| format!("get_taxonomy_url: taxonomy `{kind}` is not configured in config.toml for the language `{lang}`"))?;
    let slug = slugify(name);
    let term = taxonomy.terms.iter().find(|t| t.slug == slug).ok_or_else(|| format!("get_taxonomy_url: no page uses the term `{name}` of `{kind}`"))?;
    Ok(Value::String(data.config.permalink(&term.path)))
}

/// Reads TOML, JSON or CSV from inside the site directory (never outside it).
pub fn load_data(root: &Path, args: &HashMap<String, Value>) -> tera::Result<Value> {
    if args.contains_key("url") {
        return Err("load_data(url=...) is not available: a build never contacts other hosts; save the data in the site folder and use path=...".into());
    }
    let path = string_arg(args, "path", "load_data")?;
    let required = args.get("required").and_then(Value::as_bool).unwrap_or(true);
    let file = inside_site(root, path)?;
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(_) if !required => return Ok(Value::Null),
        Err(e) => return Err(format!("load_data: could not read `{path}`: {e}").into()),
    };
    let format = match args.get("format").and_then(Value::as_str) {
        Some(f) => f.to_ascii_lowercase(),
        None => Path::new(path).extension().and_then(|e| e.to_str()).unwrap_or("plain").to_ascii_lowercase(),
    };
    match format.as_str() {
        "toml" => {
            let table: toml::Table = toml::from_str(&text).map_err(|e| format!("load_data: `{path}` is not valid TOML: {}", e.message()))?;
            serde_json::to_value(table).map_err(|e| e.to_string().into())
        }
        "json" => serde_json::from_str(&text).map_err(|e| format!("load_data: `{path}` is not valid JSON: {e}").into()),
        "csv" => {
            let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
            let headers: Vec<String> =
                reader.headers().map_err(|e| format!("load_data: `{path}`: {e}"))?.iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
            let mut records = Vec::new();
            for record in reader.records() {
                let record = record.map_err(|e| format!("load_data: `{path}`: {e} (every row needs as many cells as the header)"))?;
                records.push(Value::Array(record.iter().map(|c| Value::String(c.to_string())).collect()));
            }
            Ok(json!({ "headers": headers, "records": records }))
        }
        "plain" | "txt" | "md" | "html" => Ok(Value::String(text)),
        other => Err(format!("load_data: unknown format `{other}`; use toml, json, csv or plain").into()),
    }
}

/// Resolves `path` against the site root and refuses anything that would leave it.
fn inside_site(root: &Path, path: &str) -> tera::Result<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    let escapes = relative.components().any(|c| !matches!(c, std::path::Component::Normal(_)));
    let outside = || format!("load_data: `{path}` is outside the site folder; data files must be inside it");
    if escapes {
        return Err(outside().into());
    }
    let file = root.join(relative);
    // A symbolic link could still point outside; compare real paths when the file exists.
    let root = if root.as_os_str().is_empty() { Path::new(".") } else { root };
    if let (Ok(real), Ok(real_root)) = (file.canonicalize(), root.canonicalize()) {
        if !real.starts_with(real_root) {
            return Err(outside().into());
        }
    }
    Ok(file)
}

/// `2023-06-01` → `2023年6月1日`.
/// `2023-06-01` → `2023年6月1日`; with `lang="en"` (any English) the date stays `2023-06-01`,
/// which every English reader reads the same way.
fn date_zh(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let text = value.as_str().ok_or("date_zh takes a date such as 2023-06-01")?;
    let date = Date::parse(text).ok_or_else(|| format!("date_zh: `{text}` is not a date such as 2023-06-01"))?;
    use chrono::Datelike;
    let day = date.day();
    if args.get("lang").and_then(Value::as_str).is_some_and(|l| l == "en" || l.starts_with("en-")) {
        return Ok(Value::String(day.format("%Y-%m-%d").to_string()));
    }
    Ok(Value::String(format!("{}年{}月{}日", day.year(), day.month(), day.day())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_zh_formats_without_leading_zeros() {
        let out = date_zh(&json!("2023-06-01"), &HashMap::new()).unwrap();
        assert_eq!(out, json!("2023年6月1日"));
        assert!(date_zh(&json!("June"), &HashMap::new()).is_err());
    }

    #[test]
    fn image_errors_are_located_at_the_call() {
        let dir = tempfile::tempdir().unwrap();
        let templates = dir.path().join("templates");
        std::fs::create_dir_all(&templates).unwrap();
        std::fs::write(templates.join("page.html"), "<p>\n  {% set a = resize_image(path=\"a.jpg\", width=1) %}\n{{ get_image_metadata(path=\"b.png\") }}\n")
            .unwrap();
        let args = HashMap::from([("path".to_string(), json!("b.png"))]);
        let cause = located("get_image_metadata", &args, dir.path(), None, "the image `b.png` does not exist".into()).to_string();
        assert!(cause.starts_with("get_image_metadata (called at templates/page.html:3:4): "), "{cause}");
        let error = image_call_failure(&cause, Path::new("content/x.md"), &templates.join("page.html")).unwrap();
        let location = error.location.unwrap();
        assert_eq!((location.path, location.line, location.column), (templates.join("page.html"), 3, 4));
        assert!(error.message.contains("`b.png` does not exist") && !error.message.contains("help:"), "{}", error.message);
        let args = HashMap::from([("path".to_string(), json!("a.jpg"))]);
        let cause = located("resize_image", &args, dir.path(), None, "x".into()).to_string();
        assert!(cause.starts_with("resize_image (called at templates/page.html:2:14): "), "{cause}");
        assert!(image_call_failure("something else", Path::new("x"), Path::new("y")).is_none());
    }

    #[test]
    fn load_data_never_fetches_urls() {
        let args = HashMap::from([("url".to_string(), json!("https://cdn.example.com/x.json"))]);
        assert!(load_data(Path::new("."), &args).unwrap_err().to_string().contains("never contacts other hosts"));
    }

    #[test]
    fn load_data_stays_inside_the_site() {
        let root = std::env::temp_dir();
        let args = HashMap::from([("path".to_string(), json!("../etc/passwd"))]);
        assert!(load_data(&root, &args).unwrap_err().to_string().contains("outside"));
    }
}

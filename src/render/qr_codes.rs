//! QR codes requested by templates and shortcodes during rendering. Each code is made once per
//! (payload, size), shown inline as SVG at once, and queued; at the end every code is decoded back
//! and its PNG written. A code that does not decode to its payload fails the build.
//!
//! Once the whole site is assembled, static files included, [`verify_published`] decodes every
//! code again from the files as they will be published, so a static file or a page asset that
//! replaced a generated code cannot send residents elsewhere unnoticed.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde_json::{json, Value};
use tera::Function;

use super::functions::SiteData;
use crate::channels::Channel;
use crate::error::{Error, Errors};
use crate::markdown::escape_attr;
use crate::output::{Entry, Output};
use crate::phone::PhoneNumber;
use crate::qr::QrCode;

/// Where downloadable QR images go in the output.
pub const QR_DIR: &str = "qr";
/// Pixels per module of the downloadable PNG: about 350–450 px for a typical short link.
const PNG_PX_PER_MODULE: u32 = 8;

/// (payload, size in µm) → the code and the labels it was shown with.
type Made = BTreeMap<(String, u64), (Arc<QrCode>, Vec<String>)>;

/// Every QR code made during one render.
#[derive(Default)]
pub struct QrCodes {
    made: Mutex<Made>,
}

impl QrCodes {
    /// The code for `payload` at `size_mm`, made on first use.
    pub fn get(&self, payload: &str, size_mm: f64, label: &str) -> Result<Arc<QrCode>, String> {
        let key = (payload.to_string(), (size_mm * 1000.0).round() as u64);
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((code, labels)) = made.get_mut(&key) {
            if !labels.iter().any(|l| l == label) {
                labels.push(label.to_string());
            }
            return Ok(code.clone());
        }
        let code = Arc::new(QrCode::new(payload, size_mm).map_err(|e| e.to_string())?);
        made.insert(key, (code.clone(), vec![label.to_string()]));
        Ok(code)
    }

    /// `list` (from [`QrCodes::list`]) grouped for reading: codes in one folder below `short_links` (a unit's
    /// per-item codes `/q/<unit>/<item>/`) are listed once under that folder, by their last part,
    /// so a campaign with many printed items keeps its verification page short. Every code is still
    /// listed; labels shared within a group are shown once. A group's `is_code` says whether the
    /// folder's own address is a code too.
    pub fn grouped(list: &[Value], short_links: &str) -> Vec<Value> {
        let folder_of = |payload: &str| -> Option<String> {
            let rest = payload.strip_prefix(short_links)?;
            let (folder, part) = rest.trim_end_matches('/').split_once('/')?;
            (!part.contains('/') && payload.ends_with('/')).then(|| format!("{short_links}{folder}/"))
        };
        let mut groups: Vec<Value> = Vec::new();
        for code in list {
            let payload = code["payload"].as_str().unwrap_or_default();
            let Some(folder) = folder_of(payload) else {
                match groups.iter_mut().find(|g| g["payload"] == payload) {
                    Some(group) => group["is_code"] = json!(true),
                    None => {
                        let mut group = code.clone();
                        group["parts"] = json!([]);
                        group["is_code"] = json!(true);
                        groups.push(group);
                    }
                }
                continue;
            };
            let index = match groups.iter().position(|g| g["payload"] == folder.as_str()) {
                Some(i) => i,
                None => {
                    groups.push(json!({ "payload": folder, "target": "", "labels": [], "parts": [], "is_code": false }));
                    groups.len() - 1
                }
            };
            let group = &mut groups[index];
            let part = &payload[folder.len()..];
            if let Some(parts) = group["parts"].as_array_mut() {
                parts.push(json!(part));
            }
            for label in code["labels"].as_array().into_iter().flatten() {
                if let Some(labels) = group["labels"].as_array_mut().filter(|l| !l.contains(label)) {
                    labels.push(label.clone());
                }
            }
        }
        groups
    }

    /// Every code so far, for the verification page: sorted by payload.
    pub fn list(&self) -> Vec<Value> {
        let made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        let mut by_payload: BTreeMap<&str, (Vec<String>, Vec<f64>)> = BTreeMap::new();
        for (code, labels) in made.values() {
            let entry = by_payload.entry(code.payload.as_str()).or_default();
            for l in labels {
                if !l.is_empty() && !entry.0.contains(l) {
                    entry.0.push(l.clone());
                }
            }
            entry.1.push(code.size_mm);
        }
        by_payload
            .into_iter()
            .map(|(payload, (mut labels, sizes))| {
                labels.sort();
                json!({ "payload": payload, "target": human_target(payload), "labels": labels, "sizes_mm": sizes })
            })
            .collect()
    }

    /// Decodes every code back and adds its PNG to `output`; any mismatch is an error.
    pub fn finish(&self, output: &mut Output) -> Result<usize, Errors> {
        let made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        let codes: Vec<&Arc<QrCode>> = made.values().map(|(c, _)| c).collect();
        let results: Vec<Result<(String, Vec<u8>), Error>> = codes
            .par_iter()
            .map(|code| {
                code.verify().map_err(|why| {
                    Error::new(format!("the QR code for `{}` does not read back correctly: {why}", code.payload))
                        .with_hint("this is a bug in placard; please report it with the payload")
                })?;
                Ok((format!("{QR_DIR}/{}", code.file_name()), code.png(PNG_PX_PER_MODULE)))
            })
            .collect();
        let mut errors = Errors::default();
        for result in results {
            match result {
                Ok((path, png)) => output.add(path, png),
                Err(e) => errors.push(e),
            }
        }
        if errors.has_errors() {
            Err(errors)
        } else {
            Ok(codes.len())
        }
    }
}

/// What a person reads beside a code to act without scanning, or to spot a replaced sticker: a
/// number as it is printed everywhere else (`0123-6110110`), an address without its scheme and with
/// its percent-encoding read back (`qinghe.example.gov.cn/policies/举报人保护`).
pub fn human_target(payload: &str) -> String {
    if let Some(number) = payload.strip_prefix("tel:") {
        return PhoneNumber::from_dial(number).map(|n| n.display()).unwrap_or_else(|| number.to_string());
    }
    for scheme in ["https://", "http://", "mailto:"] {
        if let Some(rest) = payload.strip_prefix(scheme) {
            return readable(rest.trim_end_matches('/'));
        }
    }
    if let Some(rest) = payload.strip_prefix("SMSTO:") {
        let number = rest.split(':').next().unwrap_or(rest);
        return format!("短信 {}", PhoneNumber::from_dial(number).map(|n| n.display()).unwrap_or_else(|| number.to_string()));
    }
    payload.to_string()
}

/// Percent-encoding read back for people, when it decodes to visible UTF-8 text; else as it is.
fn readable(text: &str) -> String {
    match percent_encoding::percent_decode_str(text).decode_utf8() {
        Ok(decoded) if !decoded.chars().any(|c| c.is_whitespace() || c.is_control() || c == '%') => decoded.into_owned(),
        _ => text.to_string(),
    }
}

/// A `tel:`, `sms:` or `SMSTO:` payload written by hand, checked and rewritten in the dialled form
/// of its number; any other payload as it is.
fn checked_data(data: &str, services: &[String]) -> Result<String, String> {
    let (scheme, rest) = match data.split_once(':') {
        Some((scheme, rest)) if ["tel", "sms", "smsto"].contains(&scheme.to_ascii_lowercase().as_str()) => (scheme.to_ascii_lowercase(), rest),
        _ => return Ok(data.to_string()),
    };
    let (number, body) = match scheme.as_str() {
        "smsto" => rest.split_once(':').unwrap_or((rest, "")),
        _ => (rest, ""),
    };
    let number = PhoneNumber::parse(number, services).map_err(|e| format!("qr: `{data}`: {} ({})", e.message, e.hint))?;
    Ok(match scheme.as_str() {
        "tel" => crate::qr::tel_payload(&number),
        "sms" => format!("sms:{}", number.dial()),
        _ => crate::qr::sms_payload(&number, Some(body)),
    })
}

/// The `qr(...)` template function: `qr(data="...", size_mm=30, label="...")` or `qr(channel="id")`.
pub struct QrFunction {
    pub data: Arc<SiteData>,
    pub codes: Arc<QrCodes>,
}

impl Function for QrFunction {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let size_mm = match args.get("size_mm") {
            None => 30.0,
            Some(v) => v.as_f64().ok_or("qr: size_mm must be a number of millimetres, like size_mm=40")?,
        };
        let (payload, label, target) = match (args.get("channel").and_then(Value::as_str), args.get("data").and_then(Value::as_str)) {
            (Some(id), None) => {
                if self.data.campaign.channels.is_rejected(id) {
                    // The channel's own error says what is wrong; a second one here would only repeat it.
                    return Ok(Value::String(String::new()));
                }
                let channel: &Channel = self.data.campaign.channel(id).ok_or_else(|| {
                    let known: Vec<&str> = self.data.campaign.channels.iter().map(|c| c.id.as_str()).collect();
                    format!("qr: there is no channel `{id}`; channels are: {}", known.join(", "))
                })?;
                let label = args.get("label").and_then(Value::as_str).filter(|l| !l.is_empty()).map(str::to_string).unwrap_or_else(|| channel.title.clone());
                // The number or address as printed everywhere, then where the code leads when that is
                // somewhere else (the landing page).
                let leads_to = human_target(&channel.qr_payload);
                let target = match &channel.href {
                    Some(_) if channel.kind != crate::channels::Kind::Web && leads_to != channel.display => format!("{} · {leads_to}", channel.display),
                    _ => leads_to,
                };
                (channel.qr_payload.clone(), label, target)
            }
            (None, Some(data)) => {
                let label = args.get("label").and_then(Value::as_str).unwrap_or("").to_string();
                let data = checked_data(data, &self.data.config.channels.service_numbers)?;
                let target = human_target(&data);
                (data, label, target)
            }
            _ => return Err("qr needs either data=\"...\" (what to encode) or channel=\"id\" (a reporting channel), not both".into()),
        };
        // Print templates ask for a minimum module size (1 mm on posters): grow the code to reach it.
        // Only the code at the final size is kept, so every published PNG is one a page shows.
        let mut size_mm = size_mm;
        if let Some(min) = args.get("min_module_mm").and_then(Value::as_f64) {
            let probe = QrCode::new(&payload, size_mm).map_err(|e| e.to_string())?;
            if probe.module_mm + 1e-9 < min {
                size_mm = (probe.min_size_mm(min) * 2.0).ceil() / 2.0;
            }
        }
        let code = self.codes.get(&payload, size_mm, &label)?;
        let png = format!("{}/{QR_DIR}/{}", self.data.config.base_url, code.file_name());
        let caption_label = if label.is_empty() { String::new() } else { format!("<span class=\"qr-label\">{}</span>", escape_attr(&label)) };
        Ok(Value::String(format!(
            "<figure class=\"qr-code\">{}<figcaption>{caption_label}<span class=\"qr-target\">{}</span><a class=\"qr-download\" href=\"{}\" download>下载二维码</a></figcaption></figure>",
            code.svg(if label.is_empty() { &target } else { &label }),
            escape_attr(&target),
            escape_attr(&png),
        )))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// A QR code as a published page shows it: the page, the code's SVG, what it should say, the text
/// printed beside it and the PNG offered for download.
struct Shown<'a> {
    page: &'a str,
    svg: &'a str,
    payload: String,
    /// The `qr-target` text beside it, escaped as in the page.
    printed: Option<String>,
    png: Option<String>,
}

/// Decodes every QR code of the site from the files as they will be published, after static files
/// were added: each inline SVG on each page, each downloadable PNG, and any standalone `.svg` code.
/// Each must decode (by [`crate::qr::check_image`]) to the payload its page says it holds, and the
/// text printed beside it must show where it leads. Every `qr/qr-….png` must belong to a code
/// shown on some page. Returns how many files were checked.
pub fn verify_published(output: &Output, base_url: &str) -> Result<usize, Errors> {
    let mut errors = Errors::default();
    let mut texts: Vec<(&str, String)> = Vec::new();
    for (path, entry) in output.iter() {
        // Pages streamed to disk were checked for QR markup as they were written (`output::stage`).
        if !(path.ends_with(".html") || path.ends_with(".htm") || path.ends_with(".svg")) || output.streamed(path) {
            continue;
        }
        match read_entry(entry) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                if text.contains("class=\"qr") {
                    texts.push((path.as_str(), text));
                }
            }
            Err(e) => errors.push(Error::new(format!("could not read `{path}` to check its QR codes: {e}"))),
        }
    }
    let mut shown: Vec<Shown> = Vec::new();
    for (page, text) in &texts {
        shown.extend(shown_codes(page, text, base_url));
    }
    // Each distinct SVG and each PNG is decoded once, in parallel; the pages that show it share the result.
    let mut svgs: BTreeMap<(&str, &str), Vec<&Shown>> = BTreeMap::new();
    let mut pngs: BTreeMap<&str, Vec<&Shown>> = BTreeMap::new();
    for s in &shown {
        svgs.entry((s.svg, s.payload.as_str())).or_default().push(s);
        if let Some(png) = &s.png {
            pngs.entry(png.as_str()).or_default().push(s);
        }
    }
    let svg_results: Vec<Option<Error>> = svgs
        .par_iter()
        .map(|((svg, payload), pages)| {
            let why = crate::qr::svg_image(svg).and_then(|image| crate::qr::check_image(&image, payload)).err()?;
            Some(published_error(format!("the QR code on `{}` {why}", pages[0].page), payload))
        })
        .collect();
    let png_results: Vec<Option<Error>> = pngs
        .par_iter()
        .map(|(png, pages)| {
            let payload = &pages[0].payload;
            if let Some(other) = pages.iter().find(|s| &s.payload != payload) {
                return Some(published_error(
                    format!("`{png}` is offered on `{}` for {payload:?} and on `{}` for {:?}", pages[0].page, other.page, other.payload),
                    payload,
                ));
            }
            let why = match output.get(png) {
                None => format!("is offered for download on `{}` but is not in the output", pages[0].page),
                Some(entry) => match read_entry(entry)
                    .map_err(|e| e.to_string())
                    .and_then(|b| image::load_from_memory(&b).map_err(|e| format!("is not a readable image: {e}")))
                {
                    Err(e) => e,
                    Ok(image) => crate::qr::check_image(&image.to_luma8(), payload).err()?,
                },
            };
            Some(published_error(format!("`{png}` (the download of the QR code on `{}`) {why}", pages[0].page), payload))
        })
        .collect();
    errors.extend(svg_results.into_iter().chain(png_results).flatten());
    for s in &shown {
        let Some(printed) = &s.printed else { continue };
        if !printed.contains(&escape_attr(&human_target(&s.payload))) {
            errors.push(published_error(
                format!("the QR code on `{}` leads to `{}`, but the text beside it says `{}`", s.page, human_target(&s.payload), unescape(printed)),
                &s.payload,
            ));
        }
    }
    let prefix = format!("{QR_DIR}/qr-");
    for (path, _) in output.iter().filter(|(p, _)| p.starts_with(&prefix) && p.ends_with(".png")) {
        if !pngs.contains_key(path.as_str()) {
            let says = output
                .get(path)
                .and_then(|e| read_entry(e).ok())
                .and_then(|b| image::load_from_memory(&b).ok())
                .and_then(|i| crate::qr::read_image(&i.to_luma8()).ok())
                .map(|r| format!(" (it decodes to {:?})", r.text))
                .unwrap_or_default();
            errors.push(
                Error::new(format!("`{path}` looks like a QR code placard made{says}, but no page shows it, so nothing says what it should lead to"))
                    .with_hint("remove the file from static/ or from the page's folder; placard writes the QR images itself"),
            );
        }
    }
    errors.sort();
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok(svgs.len() + pngs.len())
    }
}

fn published_error(message: String, payload: &str) -> Error {
    Error::new(message).with_hint(format!(
        "the code should lead to {payload:?}; a file in static/, an alias or a page asset at the same path may have replaced what placard made: remove or rename it"
    ))
}

fn read_entry(entry: &Entry) -> std::io::Result<Vec<u8>> {
    match entry {
        Entry::Bytes(bytes) => Ok(bytes.clone()),
        Entry::Copy(source) => std::fs::read(source),
    }
}

/// The QR codes in one published file: each `<svg class="qr" … data-payload="…">`, with the
/// `qr-target` text and `qr-download` link of its `<figure>` when it has one.
fn shown_codes<'a>(page: &'a str, text: &'a str, base_url: &str) -> Vec<Shown<'a>> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<svg") {
        let Some(len) = rest[start..].find("</svg>") else { break };
        let svg = &rest[start..start + len + "</svg>".len()];
        let after = &rest[start + svg.len()..];
        rest = after;
        let open = &svg[..svg.find('>').unwrap_or(svg.len())];
        if !open.contains("class=\"qr\"") {
            continue;
        }
        let Some(payload) = attribute(open, "data-payload") else { continue };
        // The caption that follows the code right away, as [`QrFunction`] writes it, belongs to it.
        let caption = match after.strip_prefix("<figcaption>") {
            Some(caption) => &caption[..caption.find("</figcaption>").unwrap_or(0)],
            None => "",
        };
        let printed = between(caption, "<span class=\"qr-target\">", "</span>").map(str::to_string);
        let png = between(caption, "<a class=\"qr-download\" href=\"", "\"").map(|href| {
            let href = unescape(href);
            href.strip_prefix(base_url).unwrap_or(&href).trim_start_matches('/').to_string()
        });
        found.push(Shown { page, svg, payload: unescape(&payload), printed, png });
    }
    found
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    between(tag, &format!(" {name}=\""), "\"").map(str::to_string)
}

fn between<'t>(text: &'t str, start: &str, end: &str) -> Option<&'t str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)?;
    Some(&text[from..from + to])
}

/// Reads back what [`crate::qr`] and [`escape_attr`] escape in attributes.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#10;", "\n")
        .replace("&#13;", "\r")
        .replace("&#9;", "\t")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_like_what_people_dial() {
        // Numbers read as they are printed everywhere else, so the two can be compared at a glance.
        assert_eq!(human_target("tel:+861236110110"), "0123-6110110");
        assert_eq!(human_target("tel:+861062345678"), "010-62345678");
        assert_eq!(human_target("tel:12337"), "12337");
        assert_eq!(human_target("tel:+8613812345678"), "138 1234 5678");
        assert_eq!(human_target("SMSTO:+8613812345678:"), "短信 138 1234 5678");
        // Percent-encoded addresses read back as the Chinese they encode.
        assert_eq!(human_target("https://a.example.cn/policies/%E4%B8%BE%E6%8A%A5/"), "a.example.cn/policies/举报");
        assert_eq!(human_target("https://a.example.cn/%20x"), "a.example.cn/%20x");
        assert_eq!(human_target("https://qinghe.example.gov.cn/q/hotline/"), "qinghe.example.gov.cn/q/hotline");
        assert_eq!(human_target("SMSTO:12110:"), "短信 12110");
    }

    #[test]
    fn the_verification_list_groups_a_units_codes_under_its_folder() {
        let codes = QrCodes::default();
        let q = "https://a.example.cn/q/";
        for (payload, label) in [
            ("https://a.example.cn/q/hotline/", "热线"),
            ("https://a.example.cn/q/east/poster/", "东村"),
            ("https://a.example.cn/q/east/letter/", "东村"),
            ("https://a.example.cn/q/east/", "东村渠道"),
            ("https://a.example.cn/q/west/card/", "西村"),
            ("https://www.12337.gov.cn", "12337"),
        ] {
            codes.get(payload, 30.0, label).unwrap();
        }
        let groups = QrCodes::grouped(&codes.list(), q);
        let shown: Vec<(String, Vec<String>, bool, usize)> = groups
            .iter()
            .map(|g| {
                let parts = g["parts"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect();
                (g["payload"].as_str().unwrap().to_string(), parts, g["is_code"].as_bool().unwrap(), g["labels"].as_array().unwrap().len())
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("https://a.example.cn/q/east/".to_string(), vec!["letter/".to_string(), "poster/".to_string()], true, 2),
                ("https://a.example.cn/q/hotline/".to_string(), vec![], true, 1),
                ("https://a.example.cn/q/west/".to_string(), vec!["card/".to_string()], false, 1),
                ("https://www.12337.gov.cn".to_string(), vec![], true, 1),
            ]
        );
        // Every code is still there: a folder and its parts add up to the list.
        let listed: usize = shown.iter().map(|(_, parts, is_code, _)| parts.len() + usize::from(*is_code)).sum();
        assert_eq!(listed, codes.list().len());
    }

    /// A page as [`QrFunction`] writes it: the figure with its SVG, target text and download link.
    fn page_with(code: &QrCode, target: &str) -> String {
        format!(
            "<p>x</p><figure class=\"qr-code\">{}<figcaption><span class=\"qr-target\">{}</span><a class=\"qr-download\" href=\"https://a.example.cn/qr/{}\" download>下载二维码</a></figcaption></figure>",
            code.svg("label"),
            escape_attr(target),
            code.file_name()
        )
    }

    fn site(codes: &[&QrCode]) -> Output {
        let mut output = Output::default();
        for (i, code) in codes.iter().enumerate() {
            output.add(format!("p{i}/index.html"), page_with(code, &human_target(&code.payload)).into_bytes());
            output.add(format!("{QR_DIR}/{}", code.file_name()), code.png(PNG_PX_PER_MODULE));
        }
        output
    }

    #[test]
    fn published_codes_are_decoded_from_the_files() {
        let chinese = QrCode::new("https://a.example.cn/policies/举报人保护/", 30.0).unwrap();
        let hotline = QrCode::new("tel:+861236110110", 30.0).unwrap();
        let text = QrCode::new("青禾镇扫黑办举报电话 0123-6110110", 40.0).unwrap();
        let output = site(&[&chinese, &hotline, &text]);
        assert_eq!(verify_published(&output, "https://a.example.cn").unwrap(), 6);
    }

    #[test]
    fn a_replaced_png_is_an_error_naming_the_file() {
        let hotline = QrCode::new("https://a.example.cn/q/hotline/", 30.0).unwrap();
        let evil = QrCode::new("https://evil.example.com/", 30.0).unwrap();
        let mut output = site(&[&hotline]);
        // A file of static/ at the same path wins over the generated one.
        let dir = tempfile::tempdir().unwrap();
        let replaced = dir.path().join("evil.png");
        std::fs::write(&replaced, evil.png(8)).unwrap();
        output.copy(format!("{QR_DIR}/{}", hotline.file_name()), replaced);
        let errors = verify_published(&output, "https://a.example.cn").unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let message = &errors[0].message;
        assert!(
            message.contains(&format!("`qr/{}`", hotline.file_name())) && message.contains("evil.example.com") && message.contains("p0/index.html"),
            "{message}"
        );
    }

    #[test]
    fn a_changed_inline_svg_or_wrong_caption_is_an_error() {
        let hotline = QrCode::new("https://a.example.cn/q/hotline/", 30.0).unwrap();
        let evil = QrCode::new("https://evil.example.com/q/hotline/", 30.0).unwrap();
        let mut output = site(&[&hotline]);
        // The evil code's drawing, under the hotline's payload.
        let forged = page_with(&hotline, "a.example.cn/q/hotline").replace(&path_of(&hotline.svg("label")), &path_of(&evil.svg("label")));
        output.add("p0/index.html", forged.into_bytes());
        let errors = verify_published(&output, "https://a.example.cn").unwrap_err();
        assert!(errors.iter().any(|e| e.message.starts_with("the QR code on `p0/index.html` ") && !e.message.contains("text beside")), "{errors:?}");

        let mut output = site(&[&hotline]);
        output.add("p0/index.html", page_with(&hotline, "a.example.cn/q/other").into_bytes());
        let errors = verify_published(&output, "https://a.example.cn").unwrap_err();
        assert!(errors[0].message.contains("but the text beside it says `a.example.cn/q/other`"), "{errors:?}");
    }

    #[test]
    fn a_png_no_page_shows_is_an_error() {
        let hotline = QrCode::new("https://a.example.cn/q/hotline/", 30.0).unwrap();
        let mut output = site(&[&hotline]);
        output.add(format!("{QR_DIR}/qr-0000000000.png"), hotline.png(8));
        let errors = verify_published(&output, "https://a.example.cn").unwrap_err();
        assert!(
            errors[0].message.contains("`qr/qr-0000000000.png` looks like a QR code placard made (it decodes to \"https://a.example.cn/q/hotline/\")"),
            "{errors:?}"
        );
    }

    fn path_of(svg: &str) -> String {
        svg.split(" d=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
    }

    #[test]
    fn hand_written_phone_payloads_are_checked_and_dialable() {
        assert_eq!(checked_data("tel:0123-6110110", &[]).unwrap(), "tel:+861236110110");
        assert_eq!(checked_data("SMSTO:12337:举报", &[]).unwrap(), "SMSTO:12337:举报");
        assert_eq!(checked_data("sms:138 1234 5678", &[]).unwrap(), "sms:+8613812345678");
        assert!(checked_data("tel:1233", &[]).unwrap_err().contains("did you mean 12337"));
        assert!(checked_data("tel:0123-61101101", &[]).is_err());
        assert_eq!(checked_data("tel:96111", &["96111".into()]).unwrap(), "tel:96111");
        assert_eq!(checked_data("https://a.example.cn/", &[]).unwrap(), "https://a.example.cn/");
    }
}

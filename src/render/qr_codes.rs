//! QR codes requested by templates and shortcodes during rendering. Each code is made once per
//! (payload, size), shown inline as SVG at once, and queued; at the end every code is decoded back
//! and its PNG written. A code that does not decode to its payload fails the build.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde_json::{json, Value};
use tera::Function;

use super::functions::SiteData;
use crate::channels::Channel;
use crate::error::{Error, Errors};
use crate::markdown::escape_attr;
use crate::output::Output;
use crate::qr::QrCode;

/// Where downloadable QR images go in the output.
pub const QR_DIR: &str = "qr";
/// Pixels per module of the downloadable PNG: about 350–450 px for a typical short link.
const PNG_PX_PER_MODULE: u32 = 8;

/// Every QR code made during one render.
#[derive(Default)]
pub struct QrCodes {
    /// (payload, size in µm) → the code and the labels it was shown with.
    made: Mutex<BTreeMap<(String, u64), (Arc<QrCode>, Vec<String>)>>,
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

    /// Every code so far, for the verification page: sorted by payload.
    pub fn list(&self) -> Vec<Value> {
        let made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        let mut by_payload: BTreeMap<&str, (Vec<String>, Vec<f64>)> = BTreeMap::new();
        for ((payload, _), (code, labels)) in made.iter() {
            let entry = by_payload.entry(payload).or_default();
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

/// What a person reads beside a code to act without scanning, or to spot a replaced sticker.
pub fn human_target(payload: &str) -> String {
    if let Some(number) = payload.strip_prefix("tel:") {
        return match number.strip_prefix("+86") {
            Some(mobile) if mobile.len() == 11 && mobile.starts_with('1') => mobile.to_string(),
            // A landline: put back the trunk 0 that dialling from inside China needs.
            Some(landline) => format!("0{landline}"),
            None => number.to_string(),
        };
    }
    for scheme in ["https://", "http://", "mailto:"] {
        if let Some(rest) = payload.strip_prefix(scheme) {
            return rest.trim_end_matches('/').to_string();
        }
    }
    if let Some(rest) = payload.strip_prefix("SMSTO:") {
        return format!("短信 {}", rest.split(':').next().unwrap_or(rest));
    }
    payload.to_string()
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
                let channel: &Channel = self.data.library.channel(id).ok_or_else(|| {
                    let known: Vec<&str> = self.data.library.channels.iter().map(|c| c.id.as_str()).collect();
                    format!("qr: there is no channel `{id}`; channels are: {}", known.join(", "))
                })?;
                let label = args.get("label").and_then(Value::as_str).filter(|l| !l.is_empty()).map(str::to_string).unwrap_or_else(|| channel.title.clone());
                let target = match &channel.href {
                    Some(_) if channel.kind != crate::channels::Kind::Web => format!("{} · {}", channel.display, human_target(&channel.qr_payload)),
                    _ => human_target(&channel.qr_payload),
                };
                (channel.qr_payload.clone(), label, target)
            }
            (None, Some(data)) => {
                let label = args.get("label").and_then(Value::as_str).unwrap_or("").to_string();
                (data.to_string(), label, human_target(data))
            }
            _ => return Err("qr needs either data=\"...\" (what to encode) or channel=\"id\" (a reporting channel), not both".into()),
        };
        let mut code = self.codes.get(&payload, size_mm, &label)?;
        // Print templates ask for a minimum module size (1 mm on posters): grow the code to reach it.
        if let Some(min) = args.get("min_module_mm").and_then(Value::as_f64) {
            if code.module_mm + 1e-9 < min {
                let grown = (code.min_size_mm(min) * 2.0).ceil() / 2.0;
                code = self.codes.get(&payload, grown, &label)?;
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_like_what_people_dial() {
        assert_eq!(human_target("tel:+861236110110"), "01236110110");
        assert_eq!(human_target("tel:12337"), "12337");
        assert_eq!(human_target("tel:+8613812345678"), "13812345678");
        assert_eq!(human_target("https://qinghe.example.gov.cn/q/hotline/"), "qinghe.example.gov.cn/q/hotline");
        assert_eq!(human_target("SMSTO:12110:"), "短信 12110");
    }
}

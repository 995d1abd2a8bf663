//! Resized images: `resize_image` in templates and the photos of page bundles in Markdown.
//!
//! A request only reads the source's header and answers at once with the address and size the
//! file will have; the pixels are worked on later, once per distinct request, in [`Images::finish`].
//! Each result is kept in a cache folder beside the site ([`CACHE_DIR`]) under a stable hash of the
//! source's bytes and the request, so a rebuild reuses it instead of encoding again. Encoders are
//! deterministic and write no metadata (no EXIF: phone photos carry the place they were taken), so
//! the same site gives the same bytes whether the cache was warm or cold.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use rayon::prelude::*;

use crate::error::{Error, Errors};
use crate::output::{Entry, Origin, Output};

/// Where resized images go in the output, as in Zola.
pub const PROCESSED_DIR: &str = "processed_images";
/// The cache of resized images, relative to the site folder.
pub const CACHE_DIR: &str = ".placard-cache/images";
/// Part of every cache key: change it when the encoding changes, so old cache entries are not reused.
const ENCODING_VERSION: &[u8] = b"placard-images-1";
/// Larger sides are refused: a typo like `width=80000` would otherwise take gigabytes.
const MAX_SIDE: u32 = 10_000;
/// JPEG quality when none is asked for (Zola's default).
pub const DEFAULT_QUALITY: u8 = 75;

/// How a resize treats the requested width and height (Zola's `op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    /// Exactly width × height, stretching if the proportions differ.
    Scale,
    /// The given width; the height follows the proportions.
    FitWidth,
    /// The given height; the width follows the proportions.
    FitHeight,
    /// As large as fits inside width × height, keeping proportions; never enlarged.
    Fit,
    /// Covers width × height, keeping proportions, and the overflow is cut off evenly on both sides.
    Fill,
}

impl Op {
    pub fn parse(text: &str) -> Result<Op, String> {
        Ok(match text {
            "scale" => Op::Scale,
            "fit_width" => Op::FitWidth,
            "fit_height" => Op::FitHeight,
            "fit" => Op::Fit,
            "fill" => Op::Fill,
            other => return Err(format!("`op=\"{other}\"` is not an operation; use scale, fit_width, fit_height, fit or fill")),
        })
    }

    fn name(self) -> &'static str {
        match self {
            Op::Scale => "scale",
            Op::FitWidth => "fit_width",
            Op::FitHeight => "fit_height",
            Op::Fit => "fit",
            Op::Fill => "fill",
        }
    }
}

/// The file format asked for (Zola's `format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JPEG for JPEG (and opaque WebP) sources, PNG for the others.
    Auto,
    Jpg,
    Png,
    /// Lossless WebP: placard has no lossy WebP encoder without C code.
    Webp,
}

impl Format {
    pub fn parse(text: &str) -> Result<Format, String> {
        Ok(match text {
            "auto" => Format::Auto,
            "jpg" | "jpeg" => Format::Jpg,
            "png" => Format::Png,
            "webp" => Format::Webp,
            "avif" => return Err("`format=\"avif\"` is not available: placard encodes only jpg, png and webp".into()),
            other => return Err(format!("`format=\"{other}\"` is not a format; use auto, jpg, png or webp")),
        })
    }
}

/// A file format placard writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Encoding {
    Jpeg,
    Png,
    Webp,
}

impl Encoding {
    fn extension(self) -> &'static str {
        match self {
            Encoding::Jpeg => "jpg",
            Encoding::Png => "png",
            Encoding::Webp => "webp",
        }
    }
}

/// One resize request, as the template asked for it.
#[derive(Debug, Clone)]
pub struct Request {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub op: Op,
    pub format: Format,
    /// JPEG quality, 1–100 (`None`: [`DEFAULT_QUALITY`]).
    pub quality: Option<u8>,
}

/// Where something was asked for, so a failure found later still names the line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Asker {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

/// What a resize gives: Zola's `{url, static_path, width, height, orig_width, orig_height}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Resized {
    pub url: String,
    /// The path inside the output folder, like `processed_images/photo.0123456789abcdef.jpg`.
    pub static_path: String,
    pub width: u32,
    pub height: u32,
    pub orig_width: u32,
    pub orig_height: u32,
}

/// What the header of a source image says, and the hash of its bytes.
#[derive(Debug, Clone)]
pub struct Source {
    pub format: ImageFormat,
    /// As shown, after the EXIF orientation is applied.
    pub width: u32,
    pub height: u32,
    pub has_alpha: bool,
    hash: u128,
}

impl Source {
    /// Zola's `get_image_metadata` answer.
    pub fn metadata(&self) -> serde_json::Value {
        let format = self.format.extensions_str().first().copied().unwrap_or("");
        serde_json::json!({ "width": self.width, "height": self.height, "format": format, "mime": self.format.to_mime_type() })
    }
}

/// What to make of the pixels: the size and, for `fill`, the part of the source to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Plan {
    width: u32,
    height: u32,
    /// x, y, width, height in the (oriented) source.
    crop: Option<(u32, u32, u32, u32)>,
}

/// One distinct file to make.
#[derive(Debug, Clone)]
struct Job {
    source: PathBuf,
    hash: u128,
    plan: Plan,
    encoding: Encoding,
    quality: u8,
    /// Lower the JPEG quality step by step until the file fits in this many bytes.
    budget: Option<usize>,
    asker: Option<Asker>,
}

/// A source's header, read by whoever asks first.
type SourceCell = Arc<OnceLock<Result<Source, String>>>;
/// An output path and its bytes, or why they could not be made.
type Made = (String, Result<Vec<u8>, Error>);

/// Every resized image of one render, made once per distinct request.
pub struct Images {
    root: PathBuf,
    base_url: String,
    theme_static: Option<PathBuf>,
    cache: Option<PathBuf>,
    sources: Mutex<BTreeMap<PathBuf, SourceCell>>,
    /// Output path → what to make there.
    jobs: Mutex<BTreeMap<String, Job>>,
}

impl Images {
    /// For the site in `root`: results are cached in `root/.placard-cache/images/`.
    pub fn new(root: &Path, base_url: &str, theme: Option<&str>) -> Images {
        Images::with_cache(root, base_url, theme, Some(root.join(CACHE_DIR)))
    }

    /// [`Images::new`] with another cache folder, or none.
    pub fn with_cache(root: &Path, base_url: &str, theme: Option<&str>, cache: Option<PathBuf>) -> Images {
        Images {
            root: root.to_path_buf(),
            base_url: base_url.trim_end_matches('/').to_string(),
            // The built-in theme has no folder to look in.
            theme_static: theme.map(|t| root.join("themes").join(t).join("static")).filter(|d| d.is_dir()),
            cache,
            sources: Mutex::default(),
            jobs: Mutex::default(),
        }
    }

    /// Finds `path` as Zola does: `@/…` in `content/`, otherwise in the site folder, `static/`,
    /// `content/` and the theme's `static/`, in that order. Never outside the site folder.
    pub fn find(&self, path: &str) -> Result<PathBuf, String> {
        let (relative, places): (&str, Vec<PathBuf>) = match path.strip_prefix("@/") {
            Some(rest) => (rest, vec![self.root.join("content")]),
            None => {
                let mut places = vec![self.root.clone(), self.root.join("static"), self.root.join("content")];
                places.extend(self.theme_static.clone());
                (path.trim_start_matches('/'), places)
            }
        };
        let relative_path = Path::new(relative);
        if relative.is_empty() || relative_path.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            return Err(format!("`{path}` is not a path inside the site folder"));
        }
        for place in &places {
            let file = place.join(relative_path);
            if file.is_file() {
                // A symbolic link could still lead outside the site.
                if let (Ok(real), Ok(root)) = (file.canonicalize(), self.root.canonicalize()) {
                    if !real.starts_with(&root) {
                        return Err(format!("`{path}` leads outside the site folder"));
                    }
                }
                return Ok(file);
            }
        }
        let looked: Vec<String> = places.iter().map(|p| self.shown(p)).collect();
        Err(format!("the image `{path}` does not exist (looked in {})", looked.join(", ")))
    }

    fn shown(&self, path: &Path) -> String {
        let relative = path.strip_prefix(&self.root).unwrap_or(path).display().to_string();
        if relative.is_empty() {
            "the site folder".into()
        } else {
            format!("{relative}/")
        }
    }

    /// The header of `file` (read once per build, whoever asks).
    pub fn source(&self, file: &Path) -> Result<Source, String> {
        let cell = {
            let mut sources = self.sources.lock().unwrap_or_else(|e| e.into_inner());
            sources.entry(file.to_path_buf()).or_default().clone()
        };
        cell.get_or_init(|| read_source(file).map_err(|why| format!("`{}` {why}", self.shown_file(file)))).clone()
    }

    fn shown_file(&self, file: &Path) -> String {
        file.strip_prefix(&self.root).unwrap_or(file).display().to_string()
    }

    /// Plans the resize of `file` and returns where the result will be; the pixels are made by
    /// [`Images::finish`].
    pub fn resize(&self, file: &Path, request: &Request, asker: Option<Asker>) -> Result<Resized, String> {
        let source = self.source(file)?;
        let plan = plan(request, source.width, source.height)?;
        let encoding = match request.format {
            Format::Jpg => Encoding::Jpeg,
            Format::Png => Encoding::Png,
            Format::Webp => {
                if request.quality.is_some() {
                    return Err("WebP with a `quality` needs a lossy WebP encoder, which placard does not have; leave out `quality` for lossless WebP, or use format=\"jpg\"".into());
                }
                Encoding::Webp
            }
            Format::Auto => auto_encoding(&source),
        };
        let quality = match request.quality {
            Some(q) if (1..=100).contains(&q) => q,
            Some(q) => return Err(format!("`quality={q}` is out of range; use 1 to 100")),
            None => DEFAULT_QUALITY,
        };
        Ok(self.queue(file, &source, plan, encoding, quality, None, asker))
    }

    /// The widths of a photo for `srcset`: each of `widths` smaller than the photo, plus the
    /// photo's own width when it is below the largest. JPEG for JPEG sources (each variant fitted
    /// into `budget` bytes by lowering the quality from `quality` where needed), PNG for others.
    pub fn variants(&self, file: &Path, widths: &[u32], quality: u8, budget: usize, asker: Option<Asker>) -> Result<Vec<Resized>, String> {
        let source = self.source(file)?;
        let largest = widths.iter().copied().max().unwrap_or(source.width);
        let mut chosen: Vec<u32> = widths.iter().copied().filter(|&w| w < source.width).collect();
        if source.width <= largest {
            chosen.push(source.width);
        }
        let encoding = auto_encoding(&source);
        let budget = (encoding == Encoding::Jpeg).then_some(budget);
        let mut out = Vec::new();
        for width in chosen {
            let request = Request { width: Some(width), height: None, op: Op::FitWidth, format: Format::Auto, quality: None };
            let plan = plan(&request, source.width, source.height)?;
            out.push(self.queue(file, &source, plan, encoding, quality, budget, asker.clone()));
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn queue(&self, file: &Path, source: &Source, plan: Plan, encoding: Encoding, quality: u8, budget: Option<usize>, asker: Option<Asker>) -> Resized {
        let key = cache_key(source.hash, &plan, encoding, quality, budget);
        let stem: String = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c.to_ascii_lowercase() } else { '-' })
            .collect();
        let stem = stem.trim_matches('-');
        let stem = if stem.is_empty() { "image" } else { stem };
        let name = format!("{stem}.{:016x}.{}", (key >> 64) as u64, encoding.extension());
        let static_path = format!("{PROCESSED_DIR}/{name}");
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        let job = jobs.entry(static_path.clone()).or_insert_with(|| Job {
            source: file.to_path_buf(),
            hash: source.hash,
            plan,
            encoding,
            quality,
            budget,
            asker: asker.clone(),
        });
        // Pages render in parallel: of all who asked, name the first in file order, so the same
        // site always gives the same error.
        if asker.is_some() && (job.asker.is_none() || asker < job.asker) {
            job.asker = asker;
        }
        Resized {
            url: format!("{}/{static_path}", self.base_url),
            static_path,
            width: plan.width,
            height: plan.height,
            orig_width: source.width,
            orig_height: source.height,
        }
    }

    /// Makes every requested image (from the cache when it holds it) and puts it into `output`.
    /// Each source is decoded once, and sources are worked on in parallel.
    pub fn finish(&self, output: &mut Output) -> Result<usize, Errors> {
        let jobs = std::mem::take(&mut *self.jobs.lock().unwrap_or_else(|e| e.into_inner()));
        let mut by_source: BTreeMap<&Path, Vec<(&String, &Job)>> = BTreeMap::new();
        for (path, job) in &jobs {
            by_source.entry(&job.source).or_default().push((path, job));
        }
        let groups: Vec<Vec<(&String, &Job)>> = by_source.into_values().collect();
        let results: Vec<Vec<Made>> = groups.par_iter().map(|group| self.make_group(group)).collect();
        let mut errors = Errors::default();
        let mut count = 0;
        for (path, result) in results.into_iter().flatten() {
            match result {
                Ok(bytes) => {
                    let source = jobs.get(&path).map(|j| j.source.clone());
                    if output.contains(&path) {
                        // `serve` re-rendering one page: the name is a hash of the content, so this is the same file.
                        output.add(path, bytes);
                    } else {
                        output.claim(path, Entry::Bytes(bytes), Origin::new("a resized image", source.as_deref()));
                    }
                    count += 1;
                }
                Err(e) => errors.push(e),
            }
        }
        errors.sort();
        // The sizes of one broken picture fail for one reason: say it once.
        errors.dedup();
        if errors.has_errors() {
            Err(errors)
        } else {
            Ok(count)
        }
    }

    /// The files of one source: cached ones are read, the rest made from one decode of the source.
    fn make_group(&self, group: &[(&String, &Job)]) -> Vec<Made> {
        let mut decoded: Option<Result<DynamicImage, String>> = None;
        let mut out = Vec::new();
        for (path, job) in group {
            let cache_file = self
                .cache
                .as_ref()
                .map(|dir| dir.join(format!("{:032x}.{}", cache_key(job.hash, &job.plan, job.encoding, job.quality, job.budget), job.encoding.extension())));
            if let Some(bytes) = cache_file.as_ref().and_then(|f| std::fs::read(f).ok()) {
                out.push((path.to_string(), Ok(bytes)));
                continue;
            }
            let image = decoded.get_or_insert_with(|| decode(&job.source, job.hash));
            let result = match image {
                Ok(image) => encode_job(image, job),
                Err(why) => Err(why.clone()),
            };
            let result = result.map_err(|why| self.job_error(job, why));
            if let (Ok(bytes), Some(file)) = (&result, &cache_file) {
                // A cache that cannot be written only costs time at the next build.
                let _ = write_cache(file, bytes);
            }
            out.push((path.to_string(), result));
        }
        out
    }

    fn job_error(&self, job: &Job, why: String) -> Error {
        let message = format!("could not resize `{}`: {why}", self.shown_file(&job.source));
        let error = match &job.asker {
            Some(a) => Error::at(&a.file, a.line, a.column, message),
            None => Error::in_file(&job.source, message),
        };
        error.with_hint("save the picture again as JPEG or PNG (for example with the phone's or computer's photo viewer), or replace it")
    }
}

/// JPEG for photos, PNG for pictures that are lossless or transparent.
fn auto_encoding(source: &Source) -> Encoding {
    match source.format {
        ImageFormat::Jpeg => Encoding::Jpeg,
        ImageFormat::WebP if !source.has_alpha => Encoding::Jpeg,
        _ => Encoding::Png,
    }
}

/// Reads the header: the format, the size as shown (EXIF orientation applied) and the bytes' hash.
fn read_source(file: &Path) -> Result<Source, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("could not be read: {e}"))?;
    let hash = fnv1a128(&bytes);
    let reader = ImageReader::new(Cursor::new(&bytes)).with_guessed_format().map_err(|e| format!("could not be read: {e}"))?;
    let format = match reader.format() {
        Some(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
        Some(other) => return Err(format!("is a {other:?} image; placard reads JPEG, PNG and WebP")),
        None => return Err("is not an image placard can read (JPEG, PNG or WebP)".into()),
    };
    let mut decoder = reader.into_decoder().map_err(|e| format!("is not a readable image: {e}"))?;
    let (w, h) = decoder.dimensions();
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let has_alpha = decoder.color_type().has_alpha();
    let (width, height) = if turns(orientation) { (h, w) } else { (w, h) };
    if width == 0 || height == 0 {
        return Err("is an empty image".into());
    }
    if format == ImageFormat::Jpeg && !jpeg_is_complete(&bytes) {
        // The JPEG decoder fills a missing end with grey; residents would see half a picture.
        return Err("is cut short (its end is missing): it was probably not copied completely".into());
    }
    Ok(Source { format, width, height, has_alpha, hash })
}

fn turns(orientation: image::metadata::Orientation) -> bool {
    use image::metadata::Orientation::*;
    matches!(orientation, Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH)
}

/// Whether a JPEG has its end marker after the image data. The segments before the first scan are
/// stepped over by their lengths (an EXIF thumbnail inside them has an end marker of its own), and
/// image data never holds the bytes FF D9, so finding them after the scan starts means the end is there.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let length = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        if marker == 0xDA {
            return bytes[at + 2 + length.min(bytes.len() - at - 2)..].windows(2).any(|w| w == [0xFF, 0xD9]);
        }
        at += 2 + length;
    }
    false
}

/// Decodes the whole source, upright. `hash` makes sure it is still the file that was planned.
fn decode(file: &Path, hash: u128) -> Result<DynamicImage, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("it could not be read: {e}"))?;
    if fnv1a128(&bytes) != hash {
        return Err("the file changed during the build; build again".into());
    }
    let mut decoder = ImageReader::new(Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .into_decoder()
        .map_err(|e| format!("it is not a readable image: {e}"))?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| format!("it is damaged or cut short: {e}"))?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// The size (and crop) a request gives for a source of `ow` × `oh`.
fn plan(request: &Request, ow: u32, oh: u32) -> Result<Plan, String> {
    let op = request.op.name();
    let need = |value: Option<u32>, name: &str| -> Result<u32, String> {
        match value {
            Some(0) => Err(format!("`{name}` must be at least 1")),
            Some(v) if v > MAX_SIDE => Err(format!("`{name}={v}` is larger than {MAX_SIDE} pixels")),
            Some(v) => Ok(v),
            None => Err(format!("`op=\"{op}\"` needs `{name}`")),
        }
    };
    let proportional = |given: u32, a: u32, b: u32| -> u32 { ((given as u64 * b as u64 + a as u64 / 2) / a as u64).clamp(1, MAX_SIDE as u64) as u32 };
    let plain = |width, height| Plan { width, height, crop: None };
    Ok(match request.op {
        Op::Scale => plain(need(request.width, "width")?, need(request.height, "height")?),
        Op::FitWidth => {
            let w = need(request.width, "width")?;
            plain(w, proportional(w, ow, oh))
        }
        Op::FitHeight => {
            let h = need(request.height, "height")?;
            plain(proportional(h, oh, ow), h)
        }
        Op::Fit => {
            let (w, h) = (need(request.width, "width")?, need(request.height, "height")?);
            if ow <= w && oh <= h {
                plain(ow, oh)
            } else if ow as u64 * h as u64 > oh as u64 * w as u64 {
                // Wider than the box: the width decides.
                plain(w, proportional(w, ow, oh))
            } else {
                plain(proportional(h, oh, ow), h)
            }
        }
        Op::Fill => {
            let (w, h) = (need(request.width, "width")?, need(request.height, "height")?);
            // The largest part of the source with the box's proportions, centred.
            let (cw, ch) =
                if ow as u64 * h as u64 > oh as u64 * w as u64 { (proportional(oh, h, w).min(ow), oh) } else { (ow, proportional(ow, w, h).min(oh)) };
            let crop = ((cw, ch) != (ow, oh)).then_some(((ow - cw) / 2, (oh - ch) / 2, cw, ch));
            Plan { width: w, height: h, crop }
        }
    })
}

fn encode_job(image: &DynamicImage, job: &Job) -> Result<Vec<u8>, String> {
    let cropped;
    let image = match job.plan.crop {
        Some((x, y, w, h)) => {
            cropped = image.crop_imm(x, y, w, h);
            &cropped
        }
        None => image,
    };
    let resized;
    let image = if (job.plan.width, job.plan.height) == (image.width(), image.height()) {
        image
    } else {
        // A big reduction first averages areas down to twice the size (fast), then Lanczos3 gives
        // the sharp result; filtering the whole phone photo with Lanczos3 takes seconds.
        let (w, h) = (job.plan.width, job.plan.height);
        resized = if image.width() >= 4 * w && image.height() >= 4 * h {
            image.thumbnail_exact(2 * w, 2 * h).resize_exact(w, h, image::imageops::FilterType::Lanczos3)
        } else {
            image.resize_exact(w, h, image::imageops::FilterType::Lanczos3)
        };
        &resized
    };
    match job.encoding {
        Encoding::Jpeg => {
            let rgb = flatten(image);
            let mut quality = job.quality;
            loop {
                let bytes = encode_jpeg(&rgb, quality)?;
                match job.budget {
                    // Lower the quality in small steps, never below a level where faces blur.
                    Some(budget) if bytes.len() > budget && quality > 40 => quality = quality.saturating_sub(6).max(40),
                    _ => return Ok(bytes),
                }
            }
        }
        Encoding::Png => {
            let mut bytes = Vec::new();
            let encoder = image::codecs::png::PngEncoder::new_with_quality(
                &mut bytes,
                image::codecs::png::CompressionType::Best,
                image::codecs::png::FilterType::Adaptive,
            );
            let image = if image.has_alpha() { DynamicImage::ImageRgba8(image.to_rgba8()) } else { DynamicImage::ImageRgb8(image.to_rgb8()) };
            image.write_with_encoder(encoder).map_err(|e| e.to_string())?;
            Ok(bytes)
        }
        Encoding::Webp => {
            let mut bytes = Vec::new();
            let encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut bytes);
            let image = if image.has_alpha() { DynamicImage::ImageRgba8(image.to_rgba8()) } else { DynamicImage::ImageRgb8(image.to_rgb8()) };
            image.write_with_encoder(encoder).map_err(|e| e.to_string())?;
            Ok(bytes)
        }
    }
}

/// JPEG has no transparency: transparent parts become white, as on a page.
fn flatten(image: &DynamicImage) -> image::RgbImage {
    if !image.has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = p[3] as u32;
        let mix = |c: u8| ((c as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
        image::Rgb([mix(p[0]), mix(p[1]), mix(p[2])])
    })
}

fn encode_jpeg(rgb: &image::RgbImage, quality: u8) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality).encode_image(rgb).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// Writes beside the final name and renames, so a killed build never leaves half a file to reuse.
fn write_cache(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    if !dir.is_dir() {
        std::fs::create_dir_all(dir)?;
        // The cache is the build's own: keep it out of version control without touching the site's .gitignore.
        if let Some(top) = dir.parent() {
            let ignore = top.join(".gitignore");
            if !ignore.exists() {
                std::fs::write(ignore, "# placard's cache of resized images: safe to delete\n*\n")?;
            }
        }
    }
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("image");
    let temporary = dir.join(format!(".{name}.{}.part", std::process::id()));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, file).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

/// The cache key: the source's bytes and everything that decides the result.
fn cache_key(source: u128, plan: &Plan, encoding: Encoding, quality: u8, budget: Option<usize>) -> u128 {
    let mut input = Vec::with_capacity(96);
    input.extend_from_slice(ENCODING_VERSION);
    input.extend_from_slice(&source.to_le_bytes());
    for n in [plan.width, plan.height] {
        input.extend_from_slice(&n.to_le_bytes());
    }
    match plan.crop {
        Some((x, y, w, h)) => {
            input.push(1);
            for n in [x, y, w, h] {
                input.extend_from_slice(&n.to_le_bytes());
            }
        }
        None => input.push(0),
    }
    input.push(encoding as u8);
    input.push(quality);
    input.extend_from_slice(&(budget.unwrap_or(0) as u64).to_le_bytes());
    fnv1a128(&input)
}

/// FNV-1a, 128 bits: the same everywhere and in every version, unlike std's hasher.
fn fnv1a128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    let mut hash = OFFSET;
    for &b in bytes {
        hash ^= b as u128;
        hash = hash.wrapping_mul(PRIME);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(op: Op, width: Option<u32>, height: Option<u32>) -> Request {
        Request { width, height, op, format: Format::Auto, quality: None }
    }

    type Size = (u32, u32, Option<(u32, u32, u32, u32)>);

    fn size(op: Op, w: Option<u32>, h: Option<u32>, ow: u32, oh: u32) -> Size {
        let p = plan(&request(op, w, h), ow, oh).unwrap();
        (p.width, p.height, p.crop)
    }

    #[test]
    fn operations_give_zolas_sizes() {
        assert_eq!(size(Op::Scale, Some(100), Some(50), 4000, 3000), (100, 50, None));
        assert_eq!(size(Op::FitWidth, Some(800), None, 4000, 3000), (800, 600, None));
        assert_eq!(size(Op::FitHeight, None, Some(300), 4000, 3000), (400, 300, None));
        assert_eq!(size(Op::Fit, Some(800), Some(800), 4000, 3000), (800, 600, None));
        assert_eq!(size(Op::Fit, Some(800), Some(800), 3000, 4000), (600, 800, None));
        // Never enlarged.
        assert_eq!(size(Op::Fit, Some(800), Some(800), 200, 100), (200, 100, None));
        // Fill cuts the sides of a wide picture evenly, the top and bottom of a tall one.
        assert_eq!(size(Op::Fill, Some(100), Some(100), 400, 300), (100, 100, Some((50, 0, 300, 300))));
        assert_eq!(size(Op::Fill, Some(100), Some(100), 300, 400), (100, 100, Some((0, 50, 300, 300))));
        assert_eq!(size(Op::Fill, Some(200), Some(150), 400, 300), (200, 150, None));
    }

    #[test]
    fn bad_requests_say_what_is_missing() {
        assert!(plan(&request(Op::Fill, Some(100), None), 10, 10).unwrap_err().contains("needs `height`"));
        assert!(plan(&request(Op::FitWidth, Some(0), None), 10, 10).unwrap_err().contains("at least 1"));
        assert!(plan(&request(Op::Scale, Some(80_000), Some(1)), 10, 10).unwrap_err().contains("larger than"));
        assert!(Op::parse("crop").unwrap_err().contains("fit_width"));
        assert!(Format::parse("avif").is_err());
    }

    #[test]
    fn a_jpeg_cut_short_is_noticed() {
        let image = image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 7]));
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 80).encode_image(&image).unwrap();
        assert!(jpeg_is_complete(&bytes));
        assert!(!jpeg_is_complete(&bytes[..bytes.len() - 2]));
        assert!(!jpeg_is_complete(&bytes[..bytes.len() / 2]));
        assert!(!jpeg_is_complete(&bytes[..3]));
    }

    #[test]
    fn variants_fit_their_budget_by_lowering_the_quality() {
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("noise.jpg");
        let mut state = 1u32;
        let image = image::RgbImage::from_fn(400, 300, |_, _| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            image::Rgb([(state >> 24) as u8, (state >> 16) as u8, (state >> 8) as u8])
        });
        image.save(&photo).unwrap();
        let sizes = |budget: usize| {
            let images = Images::with_cache(dir.path(), "https://a.cn", None, None);
            let variants = images.variants(&photo, &[200, 800], 90, budget, None).unwrap();
            assert_eq!(variants.iter().map(|v| v.width).collect::<Vec<_>>(), [200, 400]);
            let mut output = Output::default();
            images.finish(&mut output).unwrap();
            variants.iter().map(|v| if let Some(Entry::Bytes(b)) = output.get(&v.static_path) { b.len() } else { 0 }).collect::<Vec<_>>()
        };
        let free = sizes(usize::MAX);
        let tight = sizes(free[1] / 2);
        assert!(tight[1] <= free[1] / 2 && tight[1] > 0, "{free:?} {tight:?}");
        // The small variant already fitted and kept its quality.
        assert_eq!(tight[0], free[0]);
    }

    #[test]
    fn phone_photos_stand_upright_and_lose_their_exif() {
        use image::ImageEncoder as _;
        // A phone held upright stores the picture on its side with EXIF orientation 6.
        let mut exif = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0".to_vec();
        exif.extend_from_slice(b"GPS would be here");
        let stored = image::RgbImage::from_fn(40, 20, |x, _| if x < 20 { image::Rgb([250, 0, 0]) } else { image::Rgb([0, 0, 250]) });
        let mut bytes = Vec::new();
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90);
        encoder.set_exif_metadata(exif).unwrap();
        encoder.write_image(stored.as_raw(), 40, 20, image::ExtendedColorType::Rgb8).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("upright.jpg");
        std::fs::write(&photo, &bytes).unwrap();

        let images = Images::with_cache(dir.path(), "https://a.cn", None, None);
        assert_eq!((images.source(&photo).unwrap().width, images.source(&photo).unwrap().height), (20, 40));
        let ask = Request { width: Some(10), height: None, op: Op::FitWidth, format: Format::Auto, quality: Some(90) };
        let resized = images.resize(&photo, &ask, None).unwrap();
        assert_eq!((resized.width, resized.height), (10, 20));
        let mut output = Output::default();
        images.finish(&mut output).unwrap();
        let Some(Entry::Bytes(out)) = output.get(&resized.static_path) else { panic!("not written") };
        let image = image::load_from_memory(out).unwrap().to_rgb8();
        assert_eq!(image.dimensions(), (10, 20));
        // Turned clockwise: the left (red) half of the stored picture is now on top.
        assert!(image.get_pixel(5, 2).0[0] > 200 && image.get_pixel(5, 17).0[2] > 200, "{:?} {:?}", image.get_pixel(5, 2), image.get_pixel(5, 17));
        assert!(!out.windows(4).any(|w| w == b"Exif"), "the EXIF block was copied");
    }

    #[test]
    fn the_hash_is_stable() {
        // Published file names and cache entries must not change between versions of Rust or placard.
        assert_eq!(fnv1a128(b""), 0x6c62272e07bb014262b821756295c58d);
        assert_eq!(fnv1a128(b"a"), 0xd228cb696f1a8caf78912b704e4a8964);
    }

    #[test]
    fn requests_are_made_once_and_encoded_the_same_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("photo.png");
        let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x * y) % 256) as u8]));
        image.save(&photo).unwrap();
        let images = Images::with_cache(dir.path(), "https://a.cn/", None, None);
        let ask = Request { width: Some(32), height: None, op: Op::FitWidth, format: Format::Jpg, quality: Some(70) };
        let first = images.resize(&photo, &ask, None).unwrap();
        let again = images.resize(&photo, &ask, None).unwrap();
        assert_eq!(first, again);
        assert_eq!((first.width, first.height, first.orig_width, first.orig_height), (32, 24, 64, 48));
        assert!(first.url.starts_with("https://a.cn/processed_images/photo.") && first.url.ends_with(".jpg"), "{}", first.url);
        let mut output = Output::default();
        assert_eq!(images.finish(&mut output).unwrap(), 1);
        let Some(Entry::Bytes(bytes)) = output.get(&first.static_path) else { panic!("not written") };
        let decoded = image::load_from_memory(bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (32, 24));

        let images = Images::with_cache(dir.path(), "https://a.cn", None, None);
        images.resize(&photo, &ask, None).unwrap();
        let mut second = Output::default();
        images.finish(&mut second).unwrap();
        let Some(Entry::Bytes(again)) = second.get(&first.static_path) else { panic!("not written") };
        assert_eq!(bytes, again);
    }
}

/// A JPEG as it may be published: the same image data, without the metadata a phone writes (EXIF,
/// with the place and time it was taken; XMP; IPTC; comments). Only the orientation is kept, in a
/// minimal EXIF block of its own, so that the photo still stands upright. Nothing is re-encoded.
/// `None` when `bytes` is not a JPEG this can read, or carries nothing to remove.
pub fn without_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let orientation = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_decoder().ok())
        .and_then(|mut d| d.orientation().ok())
        .map(|o| o.to_exif())
        .unwrap_or(1);
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    if orientation != 1 {
        // Little-endian TIFF header, one IFD entry: tag 0x0112 (orientation), SHORT, count 1.
        let mut exif = b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
        exif.extend_from_slice(&[orientation, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&exif);
    }
    let mut removed = false;
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let length = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        let end = (at + 2 + length).min(bytes.len());
        if marker == 0xDA {
            // The scan and everything after it is image data, copied as it is.
            out.extend_from_slice(&bytes[at..]);
            // A file that only had the minimal orientation block comes out the same.
            return (removed && out != bytes).then_some(out);
        }
        // APP1 (EXIF, XMP), APP12–APP15 (vendor, IPTC) and comments go; JFIF and ICC colour stay.
        if matches!(marker, 0xE1 | 0xEC..=0xEF | 0xFE) {
            removed = true;
        } else {
            out.extend_from_slice(&bytes[at..end]);
        }
        at = end;
    }
    None
}

#[cfg(test)]
mod metadata_tests {
    use super::*;

    #[test]
    fn published_photos_lose_their_exif_but_stand_upright() {
        let image = image::RgbImage::from_fn(40, 20, |x, _| image::Rgb([(x * 6) as u8, 80, 160]));
        let mut jpeg = Vec::new();
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80);
        let mut exif = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0".to_vec();
        exif.extend_from_slice(b"GPS 31.2N 121.5E");
        image::ImageEncoder::set_exif_metadata(&mut encoder, exif).unwrap();
        image::ImageEncoder::write_image(encoder, image.as_raw(), 40, 20, image::ExtendedColorType::Rgb8).unwrap();
        assert!(jpeg.windows(3).any(|w| w == b"GPS"));
        let clean = without_metadata(&jpeg).expect("there was metadata to remove");
        assert!(!clean.windows(3).any(|w| w == b"GPS"), "the place is gone");
        let mut decoder = ImageReader::new(Cursor::new(&clean)).with_guessed_format().unwrap().into_decoder().unwrap();
        assert_eq!(decoder.orientation().unwrap().to_exif(), 6, "the orientation is kept");
        let pixels = DynamicImage::from_decoder(decoder).unwrap();
        assert_eq!((pixels.width(), pixels.height()), (40, 20), "the image data is untouched");
        assert_eq!(without_metadata(&clean), None, "nothing left to remove");
        assert_eq!(without_metadata(b"not a jpeg"), None);
    }
}

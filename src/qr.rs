//! QR codes that lead residents to the reporting channels: made, sized for print, and checked.
//!
//! A QR code on a poster or letter that does not scan, or scans to the wrong place, silently fails
//! the one person who was ready to report. So this module is strict where that matters:
//!
//! - it refuses sizes whose modules (the small squares) are too small for a phone camera, and
//!   payloads too long to print legibly, with an error that says what to change;
//! - it always draws the 4-module white quiet zone, which scanners need to find the code;
//! - it never lets the encoder pick Kanji mode for Chinese text (see [`encode_bits`]);
//! - [`QrCode::verify`] decodes the published raster back with an independent decoder (rqrr).
//!
//! Output is deterministic (same input, same bytes), so two builds of a site are identical.

use std::fmt::{self, Write as _};

use qrcode::bits::Bits;
use qrcode::types::{Color, EcLevel as LibEcLevel, QrError as LibQrError, Version};

/// Modules of white border around the code on each side. ISO/IEC 18004 requires 4; scanners use
/// the border to find the finder patterns, and ink or a photo right up to the code breaks them.
pub const QUIET_ZONE: usize = 4;

/// Smallest module (mm) a phone camera reads reliably held close to a letter; below it a code is an
/// error rather than a warning, because it would be printed and then fail in residents' hands.
pub const MIN_MODULE_MM: f64 = 0.4;

/// Smallest module (mm) for posters, which are scanned from a step away, often in poor light.
/// Smaller modules only produce a warning: a poster may still be read from up close.
pub const POSTER_MIN_MODULE_MM: f64 = 1.0;

/// Longest payload accepted, in bytes. Longer payloads need so many modules that a code of a
/// printable size has modules too small to scan; a shorter link is the fix.
pub const MAX_PAYLOAD_BYTES: usize = 300;

/// Largest pixels per module [`QrCode::png`] draws, which bounds memory: even the largest accepted
/// payload stays under about 4,500 px square. Print uses the SVG, which is resolution-free.
pub const MAX_PX_PER_MODULE: u32 = 64;

/// Pixels per module of the raster [`QrCode::verify`] decodes: small enough to be quick, large
/// enough that the decoder's thresholding behaves as it does on a photo.
const VERIFY_PX_PER_MODULE: u32 = 4;

/// Error-correction level, highest first.
///
/// Higher levels survive more damage (a fold, a smudge, a torn corner, a poster partly covered)
/// but need more modules for the same payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EcLevel {
    /// About 30% of the codewords can be restored.
    H,
    /// About 25% of the codewords can be restored.
    Q,
    /// About 15% of the codewords can be restored.
    M,
    /// About 7% of the codewords can be restored.
    L,
}

impl EcLevel {
    /// Every level, strongest first: the order [`QrCode::new`] tries them in.
    pub const ALL: [EcLevel; 4] = [EcLevel::H, EcLevel::Q, EcLevel::M, EcLevel::L];

    /// Roughly what share (percent) of a damaged code can be restored, for messages and docs.
    pub fn recovery_percent(self) -> u8 {
        match self {
            EcLevel::H => 30,
            EcLevel::Q => 25,
            EcLevel::M => 15,
            EcLevel::L => 7,
        }
    }

    fn to_lib(self) -> LibEcLevel {
        match self {
            EcLevel::H => LibEcLevel::H,
            EcLevel::Q => LibEcLevel::Q,
            EcLevel::M => LibEcLevel::M,
            EcLevel::L => LibEcLevel::L,
        }
    }

    /// The two error-correction bits as stored in the symbol's format information (ISO/IEC 18004
    /// table 12), which is what a decoder reports; lets `verify` check the level really printed.
    fn format_bits(self) -> u16 {
        match self {
            EcLevel::L => 0b01,
            EcLevel::M => 0b00,
            EcLevel::Q => 0b11,
            EcLevel::H => 0b10,
        }
    }
}

impl fmt::Display for EcLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EcLevel::H => "H",
            EcLevel::Q => "Q",
            EcLevel::M => "M",
            EcLevel::L => "L",
        })
    }
}

/// Why a QR code could not be made. Messages are meant for the office worker who wrote the
/// Markdown, so each says what is wrong and what to change.
#[derive(Clone, Debug, PartialEq)]
pub enum QrError {
    /// Nothing (or only spaces) to encode.
    Empty,
    /// The payload is longer than [`MAX_PAYLOAD_BYTES`].
    TooLong {
        /// Length of the payload in UTF-8 bytes.
        bytes: usize,
        /// The limit, [`MAX_PAYLOAD_BYTES`].
        max: usize,
    },
    /// At the requested size the modules would be smaller than [`MIN_MODULE_MM`].
    TooSmall {
        /// The requested printed size (mm, quiet zone included).
        size_mm: f64,
        /// The module size that size gives (mm).
        module_mm: f64,
        /// The smallest printed size (mm, quiet zone included) that scans.
        min_size_mm: f64,
    },
    /// The size is not a positive, finite number of millimetres.
    BadSize(f64),
    /// The encoder refused the payload (should not happen below [`MAX_PAYLOAD_BYTES`]).
    Encode(String),
}

impl fmt::Display for QrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QrError::Empty => f.write_str("the QR code has nothing to encode; give it the link, phone number or text it should lead to"),
            QrError::TooLong { bytes, max } => write!(
                f,
                "the QR code's content is {bytes} bytes long, but only up to {max} bytes still print as a code phones can \
                 scan; shorten it, for example use a shorter link (each Chinese character takes 3 bytes)"
            ),
            QrError::TooSmall { size_mm, module_mm, min_size_mm } => write!(
                f,
                "a {} mm QR code of this content has modules of {module_mm:.2} mm, too small to scan; make it at least {} mm, \
                 or shorten the link or text it encodes",
                fmt_mm(*size_mm),
                mm_up(*min_size_mm)
            ),
            QrError::BadSize(size) => write!(
                f,
                "`{size}` mm is not a size a QR code can be printed at; give its width in millimetres as a positive number, \
                 for example 30"
            ),
            QrError::Encode(message) => {
                write!(f, "the QR code could not be made ({message}); shorten the link or text it encodes")
            }
        }
    }
}

impl std::error::Error for QrError {}

/// A QR code ready to print: its symbol, and the physical size it will be printed at.
///
/// Built only through [`QrCode::new`], which guarantees that the payload fits and that the modules
/// are large enough to scan.
#[derive(Clone, Debug, PartialEq)]
pub struct QrCode {
    /// The exact text the code decodes to.
    pub payload: String,
    /// QR version, 1..=40: the symbol has `17 + 4 × version` modules per side.
    pub version: i16,
    /// The error-correction level chosen (see [`QrCode::new`]).
    pub ec: EcLevel,
    /// Modules per side, without the quiet zone.
    pub modules: usize,
    /// Printed size (mm) of the whole square, including the quiet zone on each side.
    pub size_mm: f64,
    /// Size of one module (mm): `size_mm / (modules + 8)`.
    pub module_mm: f64,
    /// `modules × modules` dark flags, row-major.
    dark: Vec<bool>,
}

impl QrCode {
    /// Encodes `payload` at the highest error correction that does not grow the symbol:
    /// find the smallest version at level L, then try H, Q, M, L and keep the first that fits that
    /// same version.
    ///
    /// Why: a bigger version at the same printed size means smaller modules, which costs more
    /// scannability than the extra error correction buys; but spare capacity in the smallest
    /// symbol is free robustness against smudges and folds.
    ///
    /// `size_mm` is the printed width including the quiet zone. Errors: [`QrError::Empty`],
    /// [`QrError::TooLong`], [`QrError::BadSize`], [`QrError::TooSmall`] (modules under
    /// [`MIN_MODULE_MM`]), [`QrError::Encode`].
    pub fn new(payload: &str, size_mm: f64) -> Result<QrCode, QrError> {
        if payload.trim().is_empty() {
            return Err(QrError::Empty);
        }
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(QrError::TooLong { bytes: payload.len(), max: MAX_PAYLOAD_BYTES });
        }
        if !size_mm.is_finite() || size_mm <= 0.0 {
            return Err(QrError::BadSize(size_mm));
        }
        let version = (1..=40)
            .find(|&v| encode_bits(payload, v, EcLevel::L).is_ok())
            .ok_or_else(|| QrError::Encode("the content does not fit even the largest QR code".into()))?;
        let (ec, bits) = EcLevel::ALL
            .iter()
            .find_map(|&ec| encode_bits(payload, version, ec).ok().map(|bits| (ec, bits)))
            .ok_or_else(|| QrError::Encode("the content does not fit the chosen QR version".into()))?;
        let symbol = qrcode::QrCode::with_bits(bits, ec.to_lib()).map_err(|e| QrError::Encode(lib_error(e)))?;
        let modules = symbol.width();
        let dark: Vec<bool> = symbol.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        debug_assert_eq!(dark.len(), modules * modules);
        let module_mm = size_mm / (modules + 2 * QUIET_ZONE) as f64;
        let code = QrCode { payload: payload.to_string(), version, ec, modules, size_mm, module_mm, dark };
        if module_mm < MIN_MODULE_MM {
            return Err(QrError::TooSmall { size_mm, module_mm, min_size_mm: code.min_size_mm(MIN_MODULE_MM) });
        }
        Ok(code)
    }

    /// Minimum printed size (mm, incl. quiet zone) for a given minimum module size.
    pub fn min_size_mm(&self, min_module_mm: f64) -> f64 {
        min_module_mm * self.side() as f64
    }

    /// `Some(warning text)` when modules are below [`POSTER_MIN_MODULE_MM`], saying the size that
    /// would work. A warning, not an error: the same code may be fine on a letter read up close.
    pub fn poster_warning(&self) -> Option<String> {
        if self.module_mm >= POSTER_MIN_MODULE_MM {
            return None;
        }
        Some(format!(
            "this {} mm QR code has modules of {:.2} mm; on a poster, scanned from a step away, modules should be at least \
             {} mm: make it at least {} mm wide, or shorten the link or text it encodes",
            fmt_mm(self.size_mm),
            self.module_mm,
            fmt_mm(POSTER_MIN_MODULE_MM),
            mm_up(self.min_size_mm(POSTER_MIN_MODULE_MM))
        ))
    }

    /// Whether the module at column `x`, row `y` (0-based, quiet zone excluded) is dark; for other
    /// renderers (e.g. print export). Out-of-range positions are light, like the quiet zone.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.modules && y < self.modules && self.dark[y * self.modules + x]
    }

    /// Inline SVG: dark on light only (`#000` on `#fff`; the light background rect covers the quiet
    /// zone, so a coloured page background cannot eat it), `width="{size}mm" height="{size}mm"`,
    /// `viewBox="0 0 N N"` with N = modules + 8, `shape-rendering="crispEdges"` (no anti-aliased
    /// seams between modules), ONE `<path>` of run-length horizontal rects (`M x yhwv1h-wz`) to keep
    /// it small, `role="img"`, `aria-label` = label (XML-escaped) for screen readers, `class="qr"`,
    /// and a `data-payload` attribute (escaped) so tests can find what it should decode to.
    /// Deterministic: the same input gives the same bytes.
    pub fn svg(&self, label: &str) -> String {
        let n = self.side();
        let mut d = String::new();
        for y in 0..self.modules {
            let mut x = 0;
            while x < self.modules {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.modules && self.is_dark(x, y) {
                    x += 1;
                }
                let w = x - start;
                let _ = write!(d, "M{} {}h{w}v1h-{w}z", start + QUIET_ZONE, y + QUIET_ZONE);
            }
        }
        let size = fmt_mm(self.size_mm);
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" width=\"{size}mm\" height=\"{size}mm\" \
             viewBox=\"0 0 {n} {n}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{}\" data-payload=\"{}\">\
             <rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{d}\"/></svg>",
            xml_escape(label),
            xml_escape(&self.payload)
        )
    }

    /// Grayscale 8-bit PNG with `px_per_module` pixels per module (clamped to
    /// 1..=[`MAX_PX_PER_MODULE`]) and the quiet zone; deterministic bytes (no timestamps or other
    /// metadata), so rebuilding a site does not change its files.
    pub fn png(&self, px_per_module: u32) -> Vec<u8> {
        use image::codecs::png::{CompressionType, FilterType, PngEncoder};
        use image::{ExtendedColorType, ImageEncoder};

        let (pixels, side) = self.raster(px_per_module);
        let mut out = Vec::new();
        // Two flat colours compress best with no filtering and maximum deflate.
        PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::NoFilter)
            .write_image(&pixels, side as u32, side as u32, ExtendedColorType::L8)
            .expect("encoding a bounded grayscale image into memory cannot fail");
        out
    }

    /// PNG sized to about `width_px` wide (quiet zone included): the largest whole number of pixels
    /// per module that does not exceed it, at least 1. Whole pixels keep every module the same size,
    /// which scanners need more than an exact width.
    pub fn png_width(&self, width_px: u32) -> Vec<u8> {
        self.png(self.px_per_module_for_width(width_px))
    }

    /// The pixels per module [`QrCode::png_width`] uses for `width_px`; the image is
    /// `(modules + 8) × that` pixels wide, which callers need for `<img width height>`.
    pub fn px_per_module_for_width(&self, width_px: u32) -> u32 {
        (width_px / self.side() as u32).clamp(1, MAX_PX_PER_MODULE)
    }

    /// Decodes this code back in-process with rqrr, from the very PNG bytes [`QrCode::png`]
    /// publishes (4 px per module), and checks it equals the payload, version and error-correction
    /// level. `Err(message)` on any mismatch or failure to decode.
    ///
    /// Why an independent decoder: it catches an encoder bug, a wrong text encoding, or a rendering
    /// mistake (e.g. a missing quiet zone) before the code is printed thousands of times.
    pub fn verify(&self) -> Result<(), String> {
        let png = self.png(VERIFY_PX_PER_MODULE);
        let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .map_err(|e| format!("the QR code's PNG could not be read back: {e}"))?
            .to_luma8();
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(image.width() as usize, image.height() as usize, |x, y| image.get_pixel(x as u32, y as u32)[0]);
        let grids = prepared.detect_grids();
        if grids.len() != 1 {
            return Err(format!("the QR code for {:?} could not be found in its own image (found {} codes, expected 1)", self.payload, grids.len()));
        }
        let (meta, text) = grids[0].decode().map_err(|e| format!("the QR code for {:?} does not decode: {e}", self.payload))?;
        if text != self.payload {
            return Err(format!("the QR code decodes to {text:?}, not {:?}", self.payload));
        }
        if meta.version.0 != self.version as usize {
            return Err(format!("the QR code for {:?} is version {}, not {}", self.payload, meta.version.0, self.version));
        }
        if meta.ecc_level != self.ec.format_bits() {
            return Err(format!("the QR code for {:?} carries error-correction bits {:02b}, not those of level {}", self.payload, meta.ecc_level, self.ec));
        }
        Ok(())
    }

    /// A stable file name for the PNG, from an FNV-1a 64 hash of (payload, size): e.g.
    /// `qr-3f2a9c1b7d.png`. Stable across builds, machines and Rust versions (unlike std's
    /// randomly seeded hasher), so URLs of published codes do not change. Assumes one PNG per
    /// (payload, size); 40 bits of hash make collisions between a site's codes negligible.
    pub fn file_name(&self) -> String {
        let mut input = self.payload.as_bytes().to_vec();
        input.push(0xff); // never occurs in UTF-8: separates payload from size unambiguously
        input.extend_from_slice(&self.size_mm.to_bits().to_le_bytes());
        format!("qr-{:010x}.png", fnv1a64(&input) >> 24)
    }

    /// Modules per side including the quiet zone on both sides.
    fn side(&self) -> usize {
        self.modules + 2 * QUIET_ZONE
    }

    /// Grayscale pixels (0 dark, 255 light), row-major, and the side length in pixels.
    fn raster(&self, px_per_module: u32) -> (Vec<u8>, usize) {
        let ppm = px_per_module.clamp(1, MAX_PX_PER_MODULE) as usize;
        let side = self.side() * ppm;
        let mut pixels = vec![255u8; side * side];
        for y in 0..self.modules {
            for x in 0..self.modules {
                if self.is_dark(x, y) {
                    let (px, py) = ((x + QUIET_ZONE) * ppm, (y + QUIET_ZONE) * ppm);
                    for row in py..py + ppm {
                        pixels[row * side + px..row * side + px + ppm].fill(0);
                    }
                }
            }
        }
        (pixels, side)
    }

    /// Flips the given modules (column, row), to show that `verify` catches damage.
    #[cfg(test)]
    fn flip(&mut self, cells: impl IntoIterator<Item = (usize, usize)>) {
        for (x, y) in cells {
            let i = y * self.modules + x;
            self.dark[i] = !self.dark[i];
        }
    }
}

/// Encodes `payload` into a symbol of exactly `version` at `ec`, or fails if it does not fit.
///
/// ASCII payloads use the library's optimal mix of numeric, alphanumeric and byte segments. Any
/// other payload is one byte-mode segment of its UTF-8 bytes: the library's optimiser would
/// otherwise mistake UTF-8 Chinese bytes for Shift JIS and switch to Kanji mode, and scanners would
/// then show Japanese mojibake instead of the Chinese text. No ECI header is added, since
/// several phone scanners mishandle it, while all common ones read plain UTF-8 bytes as UTF-8.
fn encode_bits(payload: &str, version: i16, ec: EcLevel) -> Result<Bits, LibQrError> {
    let mut bits = Bits::new(Version::Normal(version));
    if payload.is_ascii() {
        bits.push_optimal_data(payload.as_bytes())?;
    } else {
        bits.push_byte_data(payload.as_bytes())?;
    }
    bits.push_terminator(ec.to_lib())?;
    Ok(bits)
}

fn lib_error(error: LibQrError) -> String {
    match error {
        LibQrError::DataTooLong => "the content is too long".into(),
        other => format!("{other:?}"),
    }
}

/// FNV-1a, 64 bit: tiny, well known and fully specified, so names never change between builds.
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Millimetres for messages and SVG attributes: at most two decimals, no trailing zeros.
fn fmt_mm(mm: f64) -> String {
    let s = format!("{mm:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Rounds a minimum size up to whole millimetres, so following the advice always works; the small
/// tolerance keeps 12.000000000000002 at 12.
fn mm_up(mm: f64) -> u64 {
    (mm - 1e-9).ceil().max(1.0) as u64
}

/// Escapes text for an XML/HTML attribute value. Newlines and tabs are escaped too, because
/// parsers would otherwise normalise them to spaces and `data-payload` would no longer match.
fn xml_escape(text: &str) -> String {
    crate::markdown::escape_attr(text).replace('\n', "&#10;").replace('\r', "&#13;").replace('\t', "&#9;")
}

/// Normalises a Chinese phone number so it dials correctly from any phone, including one roaming
/// or registered abroad: separators (spaces, dashes, dots, brackets, full-width forms) are
/// removed and full-width digits made ASCII; short service numbers (3–5 digits, e.g. 110, 12337)
/// stay as they are, since they only exist inside China; landlines `0AA(A)-NNNNNNN(N)` become
/// `+86AA(A)NNNNNNN(N)` (the trunk 0 dropped); mobiles `1XXXXXXXXXX` become `+861XXXXXXXXXX`;
/// `0086…` becomes `+86…`; anything else (already `+…`, 400 numbers) is kept as cleaned.
pub fn phone_number(number: &str) -> String {
    let cleaned: String = number
        .chars()
        .filter_map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            '＋' => Some('+'),
            c if c.is_whitespace() => None,
            '-' | '.' | '(' | ')' | '（' | '）' | '－' | '—' | '–' => None,
            c => Some(c),
        })
        .collect();
    if let Some(rest) = cleaned.strip_prefix("0086") {
        return format!("+86{rest}");
    }
    if !cleaned.bytes().all(|b| b.is_ascii_digit()) {
        return cleaned;
    }
    match (cleaned.len(), cleaned.as_bytes().first()) {
        (3..=5, _) => cleaned,
        (10..=12, Some(b'0')) => format!("+86{}", &cleaned[1..]),
        (11, Some(b'1')) => format!("+86{cleaned}"),
        _ => cleaned,
    }
}

/// Payload helpers for direct channel payloads (China): `tel:+8612337`-style.
///
/// `tel:` opens the dialler with the number filled in (the resident still chooses to call). The
/// number goes through [`phone_number`]: `110` → `tel:110`, `0123-6110110` → `tel:+861236110110`,
/// `138 0013 8000` → `tel:+8613800138000`.
pub fn tel_payload(number: &str) -> String {
    format!("tel:{}", phone_number(number))
}

/// `SMSTO:number:body`, the form most scanners turn into a prepared text message (useful where
/// speaking on the phone is not safe). The number goes through [`phone_number`]; without a body
/// the body is empty (`SMSTO:12337:`), which scanners read as "no text yet".
pub fn sms_payload(number: &str, body: Option<&str>) -> String {
    format!("SMSTO:{}:{}", phone_number(number), body.unwrap_or(""))
}

/// `mailto:address`, with `?subject=` percent-encoded as UTF-8 (RFC 6068) so Chinese subjects
/// survive every mail app.
pub fn mailto_payload(address: &str, subject: Option<&str>) -> String {
    let mut out = format!("mailto:{}", address.trim());
    if let Some(subject) = subject.filter(|s| !s.is_empty()) {
        out.push_str("?subject=");
        for b in subject.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(b as char);
            } else {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// A MECARD contact (`MECARD:N:…;TEL:…;EMAIL:…;ADR:…;;`), which phones offer to save, so the
/// channel is still at hand later. Absent or empty fields are left out; `\ ; : ,` are escaped with a
/// backslash as the format requires; the phone number goes through [`phone_number`].
pub fn mecard_payload(name: &str, tel: Option<&str>, email: Option<&str>, address: Option<&str>) -> String {
    fn esc(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if matches!(c, '\\' | ';' | ':' | ',') {
                out.push('\\');
            }
            out.push(c);
        }
        out
    }
    let mut out = format!("MECARD:N:{};", esc(name.trim()));
    if let Some(tel) = tel.filter(|t| !t.trim().is_empty()) {
        let _ = write!(out, "TEL:{};", esc(&phone_number(tel)));
    }
    if let Some(email) = email.filter(|e| !e.trim().is_empty()) {
        let _ = write!(out, "EMAIL:{};", esc(email.trim()));
    }
    if let Some(address) = address.filter(|a| !a.trim().is_empty()) {
        let _ = write!(out, "ADR:{};", esc(address.trim()));
    }
    out.push(';');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 40-character https link, the typical campaign link.
    const URL40: &str = "https://qinghe.example.gov.cn/q/hotline/";

    fn code(payload: &str) -> QrCode {
        QrCode::new(payload, 40.0).unwrap_or_else(|e| panic!("{payload:?}: {e}"))
    }

    /// The smallest version the library itself picks at a level (independent of our search).
    fn lib_min_version(payload: &str, ec: LibEcLevel) -> i16 {
        match qrcode::QrCode::with_error_correction_level(payload, ec).unwrap().version() {
            Version::Normal(v) => v,
            Version::Micro(_) => unreachable!(),
        }
    }

    #[test]
    fn url40_is_forty_characters() {
        assert_eq!(URL40.len(), 40);
    }

    #[test]
    fn a_short_payload_gets_the_highest_error_correction() {
        let c = code("tel:110");
        assert_eq!((c.version, c.ec, c.modules), (1, EcLevel::H, 21));
    }

    #[test]
    fn a_lower_level_is_chosen_when_h_would_need_a_bigger_symbol() {
        let c = code(URL40);
        let l_min = lib_min_version(URL40, LibEcLevel::L);
        assert_eq!(c.version, l_min, "the symbol must not grow beyond the level-L minimum");
        assert!(lib_min_version(URL40, LibEcLevel::H) > l_min, "H needs a bigger symbol for this link");
        assert_eq!((c.version, c.ec), (3, EcLevel::M));
        // M is the best that fits: Q would also need a bigger symbol.
        assert!(lib_min_version(URL40, LibEcLevel::Q) > l_min);
        assert_eq!(lib_min_version(URL40, LibEcLevel::M), l_min);
    }

    #[test]
    fn versions_and_levels_for_example_channels() {
        for (payload, version, ec) in [(URL40, 3, EcLevel::M), ("tel:+861236110110", 1, EcLevel::M), ("tel:12337", 1, EcLevel::Q), ("tel:110", 1, EcLevel::H)] {
            let c = code(payload);
            assert_eq!((c.version, c.ec), (version, ec), "{payload}");
            assert_eq!(c.version, lib_min_version(payload, LibEcLevel::L), "{payload}");
            assert_eq!(c.modules, 17 + 4 * version as usize, "{payload}");
        }
    }

    #[test]
    fn module_size_math_includes_the_quiet_zone() {
        let c = code(URL40); // 29 modules + 8 quiet = 37
        assert_eq!(c.modules, 29);
        assert!((c.module_mm - 40.0 / 37.0).abs() < 1e-12);
        assert!((c.min_size_mm(MIN_MODULE_MM) - 14.8).abs() < 1e-9);
        assert!((c.min_size_mm(POSTER_MIN_MODULE_MM) - 37.0).abs() < 1e-9);
        assert_eq!(c.poster_warning(), None, "40 mm / 37 = 1.08 mm modules are fine on a poster");

        let small = QrCode::new(URL40, 20.0).unwrap();
        assert!((small.module_mm - 20.0 / 37.0).abs() < 1e-12);
        let warning = small.poster_warning().expect("0.54 mm modules are too small for a poster");
        assert!(warning.contains("20 mm") && warning.contains("0.54 mm") && warning.contains("at least 37 mm"), "{warning}");

        // Exactly at the limit is accepted: 0.4 mm × 37 = 14.8 mm.
        assert!(QrCode::new(URL40, 14.8).is_ok());
    }

    #[test]
    fn a_ten_mm_code_of_a_link_is_too_small_and_says_the_size_that_works() {
        let err = QrCode::new(URL40, 10.0).unwrap_err();
        let QrError::TooSmall { size_mm, module_mm, min_size_mm } = err.clone() else { panic!("{err:?}") };
        assert_eq!(size_mm, 10.0);
        assert!((module_mm - 10.0 / 37.0).abs() < 1e-12);
        assert!((min_size_mm - 14.8).abs() < 1e-9);
        let message = err.to_string();
        assert_eq!(
            message,
            "a 10 mm QR code of this content has modules of 0.27 mm, too small to scan; make it at least 15 mm, \
             or shorten the link or text it encodes"
        );
    }

    #[test]
    fn payloads_over_the_limit_are_refused() {
        let err = QrCode::new(&"a".repeat(400), 100.0).unwrap_err();
        assert_eq!(err, QrError::TooLong { bytes: 400, max: 300 });
        let message = err.to_string();
        assert!(message.contains("400 bytes") && message.contains("300 bytes") && message.contains("shorten"), "{message}");
        // Bytes, not characters: 101 Chinese characters are 303 bytes.
        assert_eq!(QrCode::new(&"举".repeat(101), 100.0).unwrap_err(), QrError::TooLong { bytes: 303, max: 300 });
        // The limit itself is accepted, and still verifies.
        let max = QrCode::new(&"a".repeat(MAX_PAYLOAD_BYTES), 100.0).unwrap();
        max.verify().unwrap();
    }

    #[test]
    fn bad_sizes_and_empty_payloads_are_refused() {
        for size in [0.0, -5.0, f64::NAN, f64::INFINITY] {
            let err = QrCode::new("tel:110", size).unwrap_err();
            assert!(matches!(err, QrError::BadSize(_)), "{size}: {err:?}");
            assert!(err.to_string().contains("positive number"), "{err}");
        }
        assert_eq!(QrCode::new("", 30.0).unwrap_err(), QrError::Empty);
        assert_eq!(QrCode::new("  ", 30.0).unwrap_err(), QrError::Empty);
        assert!(QrError::Empty.to_string().contains("give it"));
    }

    #[test]
    fn png_has_the_quiet_zone_and_the_right_size() {
        let c = code(URL40);
        let ppm = 3;
        let img = image::load_from_memory(&c.png(ppm)).unwrap();
        assert_eq!(img.color(), image::ColorType::L8, "8-bit grayscale");
        let img = img.to_luma8();
        let side = (c.modules + 8) * ppm as usize;
        assert_eq!((img.width() as usize, img.height() as usize), (side, side));
        let border = QUIET_ZONE * ppm as usize;
        let mut white_border = 0;
        for (x, y, p) in img.enumerate_pixels() {
            let (x, y) = (x as usize, y as usize);
            if x < border || y < border || x >= side - border || y >= side - border {
                assert_eq!(p[0], 255, "border pixel ({x}, {y}) is not white");
                white_border += 1;
            }
        }
        assert_eq!(white_border, side * side - (c.modules * ppm as usize).pow(2));
        // The finder pattern starts right inside the quiet zone.
        assert_eq!(img.get_pixel(border as u32, border as u32)[0], 0);
        assert_eq!(img.get_pixel(border as u32 - 1, border as u32 - 1)[0], 255);
        // Only pure black and white.
        assert!(img.pixels().all(|p| p[0] == 0 || p[0] == 255));
    }

    #[test]
    fn png_width_uses_whole_pixels_per_module() {
        let c = code(URL40); // 37 modules with the quiet zone
        assert_eq!(c.px_per_module_for_width(300), 8); // 296 px
        assert_eq!(c.px_per_module_for_width(10), 1);
        assert_eq!(c.px_per_module_for_width(1_000_000), MAX_PX_PER_MODULE);
        let img = image::load_from_memory(&c.png_width(300)).unwrap();
        assert_eq!(img.width(), 296);
        assert_eq!(c.png(0), c.png(1), "0 px per module is treated as 1");
    }

    #[test]
    fn svg_is_one_path_dark_on_light_with_escaped_attributes() {
        let c = QrCode::new("https://x.example/?a=1&b=\"2\"", 30.0).unwrap();
        let svg = c.svg("举报 <热线> & \"12337\"");
        let n = c.modules + 8;
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" width=\"30mm\" height=\"30mm\""), "{svg}");
        assert!(svg.contains(&format!("viewBox=\"0 0 {n} {n}\"")));
        assert!(svg.contains("shape-rendering=\"crispEdges\"") && svg.contains("role=\"img\""));
        assert!(svg.contains("aria-label=\"举报 &lt;热线&gt; &amp; &quot;12337&quot;\""), "{svg}");
        assert!(svg.contains("data-payload=\"https://x.example/?a=1&amp;b=&quot;2&quot;\""), "{svg}");
        assert!(svg.contains(&format!("<rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/>")));
        assert_eq!(svg.matches("<path").count(), 1);
        assert_eq!(svg.matches("fill=").count(), 2, "only #fff and #000");
        // The top-left finder's top row: 7 dark modules starting inside the quiet zone.
        assert!(svg.contains("d=\"M4 4h7v1h-7z"), "{svg}");
        // The path paints exactly the dark modules.
        let d = svg.split(" d=\"").nth(1).unwrap().split('"').next().unwrap();
        let painted: usize = d.split('h').skip(1).step_by(2).map(|w| w.split('v').next().unwrap().parse::<usize>().unwrap()).sum();
        assert_eq!(painted, c.dark.iter().filter(|&&d| d).count());
    }

    #[test]
    fn svg_and_png_are_deterministic() {
        let a = code("举报电话 0123-6110110");
        let b = code("举报电话 0123-6110110");
        assert_eq!(a.svg("label"), b.svg("label"));
        assert_eq!(a.png(6), b.png(6));
        assert_eq!(a.file_name(), b.file_name());
    }

    #[test]
    fn verify_round_trips_links_chinese_text_and_channel_payloads() {
        for payload in [
            URL40.to_string(),
            "https://qinghe.example.gov.cn/policies/%E4%BB%80%E4%B9%88/?from=poster#top".to_string(),
            "青禾镇扫黑除恶举报电话：0123-6110110，12337。举报人信息严格保密。".to_string(),
            tel_payload("0123-6110110"),
            tel_payload("12337"),
            tel_payload("110"),
            sms_payload("12337", Some("举报：青禾镇")),
            mecard_payload("青禾镇扫黑办", Some("0123-6110110"), Some("jubao@qinghe.example.gov.cn"), Some("青禾镇人民路1号")),
            mailto_payload("jubao@qinghe.example.gov.cn", Some("举报线索")),
        ] {
            let c = QrCode::new(&payload, 60.0).unwrap_or_else(|e| panic!("{payload}: {e}"));
            c.verify().unwrap_or_else(|e| panic!("{payload}: {e}"));
        }
    }

    #[test]
    fn chinese_text_is_byte_mode_not_kanji() {
        // 镇扫黑办 in UTF-8 happens to look like Shift JIS kanji to the library's optimiser, which
        // would encode it in Kanji mode: scanners would show Japanese mojibake, not the Chinese.
        let text = "青禾镇扫黑办";
        let segments: Vec<_> = qrcode::optimize::Parser::new(text.as_bytes()).optimize(Version::Normal(2)).collect();
        assert!(
            segments.iter().any(|s| s.mode == qrcode::types::Mode::Kanji),
            "the library no longer picks Kanji mode here; keep the guard anyway: {segments:?}"
        );
        // Our stream is one byte-mode segment: mode 0100, an 8-bit length (versions 1–9), the UTF-8
        // bytes as they are. (rqrr and zbar cannot tell: both return Kanji-mode pairs as the raw
        // bytes, but ZXing-based phone scanners convert them from Shift JIS. Only this check
        // catches a Kanji segment.)
        let mut expected = vec![false, true, false, false];
        for byte in std::iter::once(text.len() as u8).chain(text.bytes()) {
            expected.extend((0..8).rev().map(|i| byte >> i & 1 == 1));
        }
        let stream = encode_bits(text, 2, EcLevel::L).unwrap().into_bytes();
        let actual: Vec<bool> = stream.iter().flat_map(|b| (0..8).rev().map(move |i| b >> i & 1 == 1)).collect();
        assert_eq!(actual[..expected.len()], expected[..]);
        code(text).verify().unwrap();
        code(&mecard_payload(text, Some("12337"), None, None)).verify().unwrap();
    }

    #[test]
    fn verify_catches_damage_beyond_error_correction_and_wrong_payloads() {
        let mut c = code(URL40);
        // Two flipped data modules in the bottom-right corner are within error correction.
        c.flip([(28, 28), (27, 28)]);
        c.verify().expect("small damage is corrected");
        // A 11×11 block of the data region is far beyond what level M can restore.
        c.flip((9..20).flat_map(|y| (9..20).map(move |x| (x, y))));
        assert!(c.verify().is_err());

        let mut wrong = code(URL40);
        wrong.payload = "https://qinghe.example.gov.cn/q/hotline/x".into();
        let err = wrong.verify().unwrap_err();
        assert!(err.contains("decodes to \"https://qinghe.example.gov.cn/q/hotline/\""), "{err}");
    }

    #[test]
    fn file_names_are_stable_hashes_of_payload_and_size() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        let name = code(URL40).file_name();
        assert!(name.starts_with("qr-") && name.ends_with(".png") && name.len() == 3 + 10 + 4, "{name}");
        assert!(name[3..13].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(name, "qr-266b900313.png", "published file names must not change between versions");
        assert_ne!(name, QrCode::new(URL40, 41.0).unwrap().file_name());
        assert_ne!(name, code("tel:12337").file_name());
    }

    #[test]
    fn phone_numbers_become_dialable_tel_payloads() {
        assert_eq!(tel_payload("110"), "tel:110");
        assert_eq!(tel_payload("12337"), "tel:12337");
        assert_eq!(tel_payload("0123-6110110"), "tel:+861236110110");
        assert_eq!(tel_payload("010 6512 3456"), "tel:+861065123456");
        assert_eq!(tel_payload("0755-1234567"), "tel:+867551234567");
        assert_eq!(tel_payload("138-0013-8000"), "tel:+8613800138000");
        assert_eq!(tel_payload("１３８００１３８０００"), "tel:+8613800138000");
        assert_eq!(tel_payload("0086 138 0013 8000"), "tel:+8613800138000");
        assert_eq!(tel_payload("+86 123 6110110"), "tel:+861236110110");
        assert_eq!(tel_payload("400-123-4567"), "tel:4001234567");
    }

    #[test]
    fn sms_mailto_and_mecard_payloads() {
        assert_eq!(sms_payload("12337", Some("举报")), "SMSTO:12337:举报");
        assert_eq!(sms_payload("138 0013 8000", None), "SMSTO:+8613800138000:");
        assert_eq!(mailto_payload("a@b.cn", None), "mailto:a@b.cn");
        assert_eq!(mailto_payload("a@b.cn", Some("举报 线索&1")), "mailto:a@b.cn?subject=%E4%B8%BE%E6%8A%A5%20%E7%BA%BF%E7%B4%A2%261");
        assert_eq!(
            mecard_payload("青禾镇扫黑办", Some("0123-6110110"), Some("a@b.cn"), Some("人民路1号; 3楼")),
            "MECARD:N:青禾镇扫黑办;TEL:+861236110110;EMAIL:a@b.cn;ADR:人民路1号\\; 3楼;;"
        );
        assert_eq!(mecard_payload("a\\b:c,d", None, Some(""), None), "MECARD:N:a\\\\b\\:c\\,d;;");
    }

    #[test]
    fn error_levels_display_as_letters() {
        let letters: Vec<String> = EcLevel::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(letters, ["H", "Q", "M", "L"]);
    }
}

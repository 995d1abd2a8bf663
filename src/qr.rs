//! QR codes that lead residents to the reporting channels: made, sized for print, and checked.
//!
//! A QR code on a poster or letter that does not scan, or scans to the wrong place, silently fails
//! the one person who was ready to report. So this module is strict where that matters:
//!
//! - it refuses sizes whose modules (the small squares) are too small for a phone camera, and
//!   payloads too long to print legibly, with an error that says what to change;
//! - it always draws the 4-module white quiet zone, which scanners need to find the code;
//! - it never lets the encoder pick Kanji mode for Chinese text, and marks any text that is not
//!   ASCII with the UTF-8 ECI designator, while web addresses are percent-encoded to plain ASCII
//!   (see [`encode_bits`] and [`ascii_url`]), so every common reader decodes the same text;
//! - [`QrCode::verify`] and [`check_image`] decode a raster back with an independent decoder
//!   (rqrr) and compare it module by module with the symbol made from a checked bit stream.
//!
//! Output is deterministic (same input, same bytes), so two builds of a site are identical.

use std::fmt::{self, Write as _};

use qrcode::bits::Bits;
use qrcode::types::{Color, EcLevel as LibEcLevel, QrError as LibQrError, Version};

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};

use crate::phone::PhoneNumber;

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
    /// A web address that cannot be written in plain ASCII (its host is not ASCII).
    BadUrl(String),
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
            QrError::BadUrl(why) => write!(f, "the web address cannot be put in a QR code: {why}"),
            QrError::TooLong { bytes, max } => write!(
                f,
                "the QR code's content is {bytes} bytes long, but only up to {max} bytes still print as a code phones can \
                 scan; shorten it, for example use a shorter link (each Chinese character takes 3 bytes, 9 in a web address)"
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
    ///
    /// A web or mail address (`http://`, `https://`, `mailto:`) is first percent-encoded to plain
    /// ASCII with [`ascii_url`]; [`QrCode::payload`] holds the text actually encoded.
    pub fn new(payload: &str, size_mm: f64) -> Result<QrCode, QrError> {
        if payload.trim().is_empty() {
            return Err(QrError::Empty);
        }
        let payload = qr_text(payload)?;
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(QrError::TooLong { bytes: payload.len(), max: MAX_PAYLOAD_BYTES });
        }
        if !size_mm.is_finite() || size_mm <= 0.0 {
            return Err(QrError::BadSize(size_mm));
        }
        let Symbol { version, ec, modules, dark } = symbol(&payload)?;
        let module_mm = size_mm / (modules + 2 * QUIET_ZONE) as f64;
        let code = QrCode { payload, version, ec, modules, size_mm, module_mm, dark };
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

    /// Decodes this code back in-process from the very PNG bytes [`QrCode::png`] publishes (4 px
    /// per module) with [`check_image`], and also checks the version and error-correction level.
    /// `Err(message)` on any mismatch or failure to decode.
    ///
    /// Why an independent decoder: it catches an encoder bug, a wrong text encoding, or a rendering
    /// mistake (e.g. a missing quiet zone) before the code is printed thousands of times.
    pub fn verify(&self) -> Result<(), String> {
        let png = self.png(VERIFY_PX_PER_MODULE);
        let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .map_err(|e| format!("the QR code's PNG could not be read back: {e}"))?
            .to_luma8();
        let read = read_image(&image).map_err(|e| format!("the QR code for {:?} {e}", self.payload))?;
        if read.text != self.payload {
            return Err(format!("the QR code decodes to {:?}, not {:?}", read.text, self.payload));
        }
        if read.version != self.version as usize {
            return Err(format!("the QR code for {:?} is version {}, not {}", self.payload, read.version, self.version));
        }
        if read.ecc_bits != self.ec.format_bits() {
            return Err(format!("the QR code for {:?} carries error-correction bits {:02b}, not those of level {}", self.payload, read.ecc_bits, self.ec));
        }
        if read.dark != self.dark {
            return Err(format!("the QR code for {:?} reads back with different modules than were drawn", self.payload));
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

/// A symbol: its version, level and modules.
struct Symbol {
    version: i16,
    ec: EcLevel,
    modules: usize,
    dark: Vec<bool>,
}

/// Makes the symbol for `payload` (already ASCII for web addresses) at the highest error
/// correction that does not grow it, after reading its bit stream back with [`read_segments`].
fn symbol(payload: &str) -> Result<Symbol, QrError> {
    let version = (1..=40)
        .find(|&v| encode_bits(payload, v, EcLevel::L).is_ok())
        .ok_or_else(|| QrError::Encode("the content does not fit even the largest QR code".into()))?;
    let (ec, bits) = EcLevel::ALL
        .iter()
        .find_map(|&ec| encode_bits(payload, version, ec).ok().map(|bits| (ec, bits)))
        .ok_or_else(|| QrError::Encode("the content does not fit the chosen QR version".into()))?;
    let stream = encode_bits(payload, version, ec).map_err(|e| QrError::Encode(lib_error(e)))?.into_bytes();
    check_stream(&stream, version, payload).map_err(QrError::Encode)?;
    let symbol = qrcode::QrCode::with_bits(bits, ec.to_lib()).map_err(|e| QrError::Encode(lib_error(e)))?;
    let modules = symbol.width();
    let dark: Vec<bool> = symbol.to_colors().into_iter().map(|c| c == Color::Dark).collect();
    debug_assert_eq!(dark.len(), modules * modules);
    Ok(Symbol { version, ec, modules, dark })
}

/// The ECI designator for UTF-8 (ISO/IEC 18004 and the AIM ECI register).
pub const ECI_UTF8: u32 = 26;

/// Encodes `payload` into a symbol of exactly `version` at `ec`, or fails if it does not fit.
///
/// ASCII payloads use the library's optimal mix of numeric, alphanumeric and byte segments. Any
/// other payload is the UTF-8 ECI designator followed by one byte-mode segment of its UTF-8 bytes:
/// without the designator, readers that follow the standard (ZXing, and so many phone scanners and
/// zbar) take byte mode as ISO-8859-1 or guess Shift JIS and show mojibake; and the library's
/// optimiser would mistake UTF-8 Chinese bytes for Shift JIS and switch to Kanji mode.
fn encode_bits(payload: &str, version: i16, ec: EcLevel) -> Result<Bits, LibQrError> {
    let mut bits = Bits::new(Version::Normal(version));
    if payload.is_ascii() {
        bits.push_optimal_data(payload.as_bytes())?;
    } else {
        bits.push_eci_designator(ECI_UTF8)?;
        bits.push_byte_data(payload.as_bytes())?;
    }
    bits.push_terminator(ec.to_lib())?;
    Ok(bits)
}

/// One segment of a QR data stream, as a reader that honours ECI sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// An ECI designator: the bytes that follow are in this character set.
    Eci(u32),
    /// Digits.
    Numeric(String),
    /// Upper-case letters, digits and ` $%*+-./:`.
    Alphanumeric(String),
    /// Bytes, read in the character set of the last ECI designator.
    Byte(Vec<u8>),
    /// Kanji mode (13-bit Shift JIS pairs), which placard never writes.
    Kanji(usize),
}

/// Reads the segments of a data stream (the data codewords before error correction) for `version`.
/// Written here because rqrr reads past ECI designators without reporting them; this is how the
/// build knows that a code with Chinese text says it is UTF-8.
pub fn read_segments(stream: &[u8], version: i16) -> Result<Vec<Segment>, String> {
    let total = stream.len() * 8;
    let at = std::cell::Cell::new(0usize);
    let take = |n: usize| -> Result<u32, String> {
        let from = at.get();
        if from + n > total {
            return Err("the data stream ends inside a segment".into());
        }
        at.set(from + n);
        Ok((from..from + n).fold(0u32, |v, i| v << 1 | u32::from(stream[i / 8] >> (7 - i % 8) & 1)))
    };
    let size = |small: usize, medium: usize, large: usize| match version {
        1..=9 => small,
        10..=26 => medium,
        _ => large,
    };
    const ALNUM: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut segments = Vec::new();
    loop {
        if total - at.get() < 4 {
            break;
        }
        match take(4)? {
            0 => break,
            0b0111 => {
                let first = take(8)?;
                let eci = if first & 0x80 == 0 {
                    first
                } else if first & 0xc0 == 0x80 {
                    (first & 0x3f) << 8 | take(8)?
                } else {
                    (first & 0x1f) << 16 | take(16)?
                };
                segments.push(Segment::Eci(eci));
            }
            0b0001 => {
                let mut count = take(size(10, 12, 14))? as usize;
                let mut digits = String::new();
                while count > 0 {
                    let (n, bits) = match count {
                        1 => (1, 4),
                        2 => (2, 7),
                        _ => (3, 10),
                    };
                    digits.push_str(&format!("{:0width$}", take(bits)?, width = n));
                    count -= n;
                }
                segments.push(Segment::Numeric(digits));
            }
            0b0010 => {
                let mut count = take(size(9, 11, 13))? as usize;
                let mut text = String::new();
                while count > 0 {
                    if count == 1 {
                        text.push(char::from(ALNUM[take(6)? as usize % 45]));
                        count = 0;
                    } else {
                        let v = take(11)? as usize;
                        text.push(char::from(ALNUM[(v / 45) % 45]));
                        text.push(char::from(ALNUM[v % 45]));
                        count -= 2;
                    }
                }
                segments.push(Segment::Alphanumeric(text));
            }
            0b0100 => {
                let count = take(size(8, 16, 16))? as usize;
                let bytes = (0..count).map(|_| take(8).map(|b| b as u8)).collect::<Result<Vec<u8>, String>>()?;
                segments.push(Segment::Byte(bytes));
            }
            0b1000 => {
                let count = take(size(8, 10, 12))? as usize;
                take(13 * count)?;
                segments.push(Segment::Kanji(count));
            }
            other => return Err(format!("unknown segment mode {other:04b}")),
        }
    }
    Ok(segments)
}

/// Checks that a data stream says what `payload` says to a reader that honours ECI: no Kanji mode,
/// the UTF-8 designator before any byte that is not ASCII, and the same text.
fn check_stream(stream: &[u8], version: i16, payload: &str) -> Result<(), String> {
    let mut eci = None;
    let mut bytes = Vec::new();
    for segment in read_segments(stream, version)? {
        match segment {
            Segment::Eci(e) => eci = Some(e),
            Segment::Numeric(t) | Segment::Alphanumeric(t) => bytes.extend(t.bytes()),
            Segment::Byte(b) => {
                if !b.is_ascii() && eci != Some(ECI_UTF8) {
                    return Err("text that is not ASCII is written without the UTF-8 ECI designator".into());
                }
                bytes.extend(b);
            }
            Segment::Kanji(_) => return Err("the data stream uses Kanji mode".into()),
        }
    }
    if bytes != payload.as_bytes() {
        return Err(format!("the data stream reads as {:?}, not {payload:?}", String::from_utf8_lossy(&bytes)));
    }
    Ok(())
}

/// What [`read_image`] found in an image.
#[derive(Debug, Clone)]
pub struct ReadBack {
    /// The decoded text (rqrr reads byte segments as UTF-8).
    pub text: String,
    /// The QR version, 1..=40.
    pub version: usize,
    /// The two error-correction bits of the format information.
    pub ecc_bits: u16,
    /// Modules as sampled from the image, row-major.
    pub dark: Vec<bool>,
}

/// Finds exactly one QR code in a grayscale image and decodes it with rqrr.
pub fn read_image(image: &image::GrayImage) -> Result<ReadBack, String> {
    use rqrr::BitGrid;
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(image.width() as usize, image.height() as usize, |x, y| image.get_pixel(x as u32, y as u32)[0]);
    let grids = prepared.detect_grids();
    if grids.len() != 1 {
        return Err(format!("could not be found in its image (found {} codes, expected 1)", grids.len()));
    }
    let grid = &grids[0];
    let (meta, text) = grid.decode().map_err(|e| format!("does not decode: {e}"))?;
    let n = grid.grid.size();
    let dark = (0..n).flat_map(|y| (0..n).map(move |x| (x, y))).map(|(x, y)| grid.grid.bit(y, x)).collect();
    Ok(ReadBack { text, version: meta.version.0, ecc_bits: meta.ecc_level, dark })
}

/// Checks that `image` holds exactly one QR code that says `payload`: decoded by rqrr to the same
/// text, and, module by module, the symbol placard makes for `payload`. The second part matters for
/// text that is not ASCII: rqrr skips ECI designators, but the symbol placard makes carries the
/// UTF-8 designator (checked by [`read_segments`] when it was made), so an image with the same
/// modules carries it too.
pub fn check_image(image: &image::GrayImage, payload: &str) -> Result<(), String> {
    let read = read_image(image)?;
    if read.text != payload {
        return Err(format!("decodes to {:?}, not {payload:?}", read.text));
    }
    let expected = symbol(payload).map_err(|e| e.to_string())?;
    if read.dark != expected.dark {
        return Err(format!("decodes to {payload:?} but is not the code placard makes for it (a different encoding or text marker)"));
    }
    Ok(())
}

/// Reads back the modules of an SVG that [`QrCode::svg`] wrote (one path of `M x yhwv1h-wz` runs)
/// and draws them as a grayscale image for [`check_image`]. Anything else is an error: an SVG
/// in the place of a generated one is not the code the build made.
pub fn svg_image(svg: &str) -> Result<image::GrayImage, String> {
    let not_ours = || "is not a QR code SVG as placard writes it".to_string();
    let view = svg.split("viewBox=\"0 0 ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse::<usize>().ok()).ok_or_else(not_ours)?;
    if !(21 + 2 * QUIET_ZONE..=177 + 2 * QUIET_ZONE).contains(&view) {
        return Err(not_ours());
    }
    let d = svg.split(" d=\"").nth(1).and_then(|r| r.split('"').next()).ok_or_else(not_ours)?;
    let ppm = VERIFY_PX_PER_MODULE as usize;
    let side = view * ppm;
    let mut pixels = vec![255u8; side * side];
    for run in d.split('z').filter(|r| !r.is_empty()) {
        let parse = |r: &str| -> Option<(usize, usize, usize)> {
            let r = r.strip_prefix('M')?;
            let (x, r) = r.split_once(' ')?;
            let (y, r) = r.split_once('h')?;
            let (w, r) = r.split_once("v1h-")?;
            (r == w).then_some(())?;
            Some((x.parse().ok()?, y.parse().ok()?, w.parse().ok()?))
        };
        let (x, y, w) = parse(run).ok_or_else(not_ours)?;
        if x + w > view || y >= view {
            return Err(not_ours());
        }
        for row in y * ppm..(y + 1) * ppm {
            pixels[row * side + x * ppm..row * side + (x + w) * ppm].fill(0);
        }
    }
    image::GrayImage::from_raw(side as u32, side as u32, pixels).ok_or_else(not_ours)
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
    crate::html::escape_attr(text).replace('\n', "&#10;").replace('\r', "&#13;").replace('\t', "&#9;")
}

/// `tel:` with the number's dialled form: `tel:110`, `tel:+861236110110`, `tel:+8613800138000`.
/// `tel:` opens the dialler with the number filled in (the resident still chooses to call).
pub fn tel_payload(number: &PhoneNumber) -> String {
    number.tel_uri()
}

/// `SMSTO:number:body`, the form most scanners turn into a prepared text message (useful where
/// speaking on the phone is not safe). Without a body the body is empty (`SMSTO:12337:`), which
/// scanners read as "no text yet".
pub fn sms_payload(number: &PhoneNumber, body: Option<&str>) -> String {
    format!("SMSTO:{}:{}", number.dial(), body.unwrap_or(""))
}

/// Characters percent-encoded in a web address besides everything that is not ASCII: spaces,
/// controls and the characters RFC 3986 never allows unencoded. `%` is kept, so an address that is
/// already encoded stays as it is.
const URL_ESCAPED: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`').add(b'{').add(b'}').add(b'|').add(b'\\').add(b'^');

/// Writes a web or mail address in plain ASCII: every byte of a character that is not ASCII (a
/// Chinese slug such as `/policies/举报人保护/`) is percent-encoded as UTF-8, which every scanner and
/// browser reads back the same. The host must already be ASCII (an internationalised name in its
/// `xn--` form): turning it into one is not percent-encoding, and a look-alike host is a risk.
pub fn ascii_url(url: &str) -> Result<String, String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let rest = &url[url.find("://").map_or(0, |i| i + 3)..];
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if !host.is_ascii() {
            return Err(format!("its host `{host}` is not plain ASCII; write it in its xn-- form"));
        }
    }
    Ok(utf8_percent_encode(url, URL_ESCAPED).to_string())
}

/// The text a QR code holds for `payload`: web and mail addresses in plain ASCII ([`ascii_url`]),
/// anything else as it is.
fn qr_text(payload: &str) -> Result<String, QrError> {
    let lower = payload.get(..8).unwrap_or(payload).to_ascii_lowercase();
    if ["http://", "https://", "mailto:"].iter().any(|s| lower.starts_with(s)) {
        ascii_url(payload).map_err(QrError::BadUrl)
    } else {
        Ok(payload.to_string())
    }
}

/// `mailto:address`, with `?subject=` percent-encoded as UTF-8 (RFC 6068) so Chinese subjects
/// survive every mail app.
pub fn mailto_payload(address: &str, subject: Option<&str>) -> String {
    let mut out = format!("mailto:{}", address.trim());
    if let Some(subject) = subject.filter(|s| !s.is_empty()) {
        // Everything but RFC 3986's unreserved characters is encoded, `&` and `=` included.
        const SUBJECT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
        let _ = write!(out, "?subject={}", utf8_percent_encode(subject, SUBJECT));
    }
    out
}

/// A MECARD contact (`MECARD:N:…;TEL:…;EMAIL:…;ADR:…;;`), which phones offer to save, so the
/// channel is still at hand later. Absent or empty fields are left out; `\ ; : ,` are escaped with a
/// backslash as the format requires; the phone number is written in its dialled form.
pub fn mecard_payload(name: &str, tel: Option<&PhoneNumber>, email: Option<&str>, address: Option<&str>) -> String {
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
    if let Some(tel) = tel {
        let _ = write!(out, "TEL:{};", esc(&tel.dial()));
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

    fn num(text: &str) -> PhoneNumber {
        PhoneNumber::parse(text, &[]).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

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
        // A web address is encoded as plain ASCII: the quotes are percent-encoded.
        assert!(svg.contains("data-payload=\"https://x.example/?a=1&amp;b=%222%22\""), "{svg}");
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
            tel_payload(&num("0123-6110110")),
            tel_payload(&num("12337")),
            tel_payload(&num("110")),
            sms_payload(&num("12337"), Some("举报：青禾镇")),
            mecard_payload("青禾镇扫黑办", Some(&num("0123-6110110")), Some("jubao@qinghe.example.gov.cn"), Some("青禾镇人民路1号")),
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
        // Our stream is the UTF-8 ECI designator (mode 0111, designator 26 in 8 bits), then one
        // byte-mode segment: mode 0100, an 8-bit length (versions 1–9), the UTF-8 bytes as they
        // are. (rqrr and zbar cannot tell: both return Kanji-mode pairs as the raw bytes, but
        // ZXing-based phone scanners convert them from Shift JIS. Only this check catches a Kanji
        // segment.)
        let mut expected = vec![false, true, true, true, false, false, false, true, true, false, true, false];
        expected.extend([false, true, false, false]);
        for byte in std::iter::once(text.len() as u8).chain(text.bytes()) {
            expected.extend((0..8).rev().map(|i| byte >> i & 1 == 1));
        }
        let stream = encode_bits(text, 2, EcLevel::L).unwrap().into_bytes();
        let actual: Vec<bool> = stream.iter().flat_map(|b| (0..8).rev().map(move |i| b >> i & 1 == 1)).collect();
        assert_eq!(actual[..expected.len()], expected[..]);
        code(text).verify().unwrap();
        code(&mecard_payload(text, Some(&num("12337")), None, None)).verify().unwrap();
        let stream = encode_bits(text, 2, EcLevel::L).unwrap().into_bytes();
        assert_eq!(read_segments(&stream, 2).unwrap(), [Segment::Eci(ECI_UTF8), Segment::Byte(text.as_bytes().to_vec())]);
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
        assert_eq!(tel_payload(&num("110")), "tel:110");
        assert_eq!(tel_payload(&num("12337")), "tel:12337");
        assert_eq!(tel_payload(&num("0123-6110110")), "tel:+861236110110");
        assert_eq!(tel_payload(&num("010 6512 3456")), "tel:+861065123456");
        assert_eq!(tel_payload(&num("138-0013-8000")), "tel:+8613800138000");
        assert_eq!(tel_payload(&num("400-123-4567")), "tel:4001234567");
    }

    #[test]
    fn sms_mailto_and_mecard_payloads() {
        assert_eq!(sms_payload(&num("12337"), Some("举报")), "SMSTO:12337:举报");
        assert_eq!(sms_payload(&num("138 0013 8000"), None), "SMSTO:+8613800138000:");
        assert_eq!(mailto_payload("a@b.cn", None), "mailto:a@b.cn");
        assert_eq!(mailto_payload("a@b.cn", Some("举报 线索&1")), "mailto:a@b.cn?subject=%E4%B8%BE%E6%8A%A5%20%E7%BA%BF%E7%B4%A2%261");
        assert_eq!(
            mecard_payload("青禾镇扫黑办", Some(&num("0123-6110110")), Some("a@b.cn"), Some("人民路1号; 3楼")),
            "MECARD:N:青禾镇扫黑办;TEL:+861236110110;EMAIL:a@b.cn;ADR:人民路1号\\; 3楼;;"
        );
        assert_eq!(mecard_payload("a\\b:c,d", None, Some(""), None), "MECARD:N:a\\\\b\\:c\\,d;;");
    }

    #[test]
    fn web_addresses_are_percent_encoded_to_ascii() {
        assert_eq!(
            ascii_url("https://a.example.cn/policies/举报人保护/").unwrap(),
            "https://a.example.cn/policies/%E4%B8%BE%E6%8A%A5%E4%BA%BA%E4%BF%9D%E6%8A%A4/"
        );
        // Already encoded addresses, queries and fragments stay as they are.
        let encoded = "https://a.example.cn/p/%E4%B8%BE/?q=a&b=c#top";
        assert_eq!(ascii_url(encoded).unwrap(), encoded);
        assert_eq!(ascii_url("https://a.example.cn/a b?x=\"y\"").unwrap(), "https://a.example.cn/a%20b?x=%22y%22");
        assert!(ascii_url("https://例子.中国/").unwrap_err().contains("xn--"));
        // A code of a Chinese-slug address holds plain ASCII, with no ECI designator needed.
        let c = code("https://a.example.cn/policies/举报人保护/");
        assert!(c.payload.is_ascii() && c.payload.ends_with("%E6%8A%A4/"), "{}", c.payload);
        c.verify().unwrap();
        assert!(matches!(QrCode::new("https://例子.中国/", 40.0), Err(QrError::BadUrl(_))));
    }

    #[test]
    fn segments_read_back_as_a_reader_that_honours_eci_sees_them() {
        for (payload, version) in [("tel:+861236110110", 1), ("HTTPS://A.CN/Q/1", 1), (URL40, 3), ("举报电话 0123-6110110", 2)] {
            let stream = encode_bits(payload, version, EcLevel::L).unwrap().into_bytes();
            check_stream(&stream, version, payload).unwrap_or_else(|e| panic!("{payload}: {e}"));
            let segments = read_segments(&stream, version).unwrap();
            assert_eq!(segments.iter().any(|s| matches!(s, Segment::Eci(_))), !payload.is_ascii(), "{payload}: {segments:?}");
        }
        // A stream of UTF-8 bytes without the designator is refused, as is Kanji mode.
        let mut bare = Bits::new(Version::Normal(2));
        bare.push_byte_data("举报".as_bytes()).unwrap();
        bare.push_terminator(LibEcLevel::L).unwrap();
        assert!(check_stream(&bare.into_bytes(), 2, "举报").unwrap_err().contains("ECI"));
        let mut kanji = Bits::new(Version::Normal(2));
        kanji.push_kanji_data(&[0x93, 0x5f]).unwrap();
        kanji.push_terminator(LibEcLevel::L).unwrap();
        assert!(check_stream(&kanji.into_bytes(), 2, "x").unwrap_err().contains("Kanji"));
    }

    #[test]
    fn published_images_and_svgs_are_checked_module_by_module() {
        let c = code("青禾镇扫黑办举报电话");
        let png = image::load_from_memory(&c.png(5)).unwrap().to_luma8();
        check_image(&png, &c.payload).unwrap();
        assert!(check_image(&png, "别的内容").unwrap_err().contains("decodes to"));
        let svg = svg_image(&c.svg("x")).unwrap();
        check_image(&svg, &c.payload).unwrap();
        // The same text without the UTF-8 designator decodes the same in rqrr, but is not our code.
        let mut bare = Bits::new(Version::Normal(c.version));
        bare.push_byte_data(c.payload.as_bytes()).unwrap();
        bare.push_terminator(c.ec.to_lib()).unwrap();
        let other = qrcode::QrCode::with_bits(bare, c.ec.to_lib()).unwrap();
        let mut fake = c.clone();
        fake.dark = other.to_colors().into_iter().map(|m| m == Color::Dark).collect();
        let image = image::load_from_memory(&fake.png(5)).unwrap().to_luma8();
        assert_eq!(read_image(&image).unwrap().text, c.payload, "rqrr alone cannot tell");
        assert!(check_image(&image, &c.payload).unwrap_err().contains("not the code placard makes"));
        assert!(svg_image("<svg viewBox=\"0 0 29 29\"><path d=\"M0 0h1v1h-2z\"/></svg>").is_err());
        assert!(svg_image("<svg><rect/></svg>").is_err());
    }

    #[test]
    fn error_levels_display_as_letters() {
        let letters: Vec<String> = EcLevel::ALL.iter().map(ToString::to_string).collect();
        assert_eq!(letters, ["H", "Q", "M", "L"]);
    }
}

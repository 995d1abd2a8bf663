//! Print sizes: the ISO A series a print shop stocks, the display boards (展板) and roll-up stands
//! (易拉宝) campaigns also order, and any size written in millimetres (`"600x900"`, `"600×900 mm"`).
//! Every size goes through the same print model, so the same bleed, QR, safe-area and overflow
//! checks apply to all of them; type scales with the sheet's short side.

/// A named size, portrait, in mm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    /// What to write in front matter (`size = "A3"`), matched without regard to case.
    pub name: &'static str,
    /// Other spellings accepted for it.
    pub aliases: &'static [&'static str],
    pub width_mm: f64,
    pub height_mm: f64,
    /// What the print shop does after printing, when it is more than trimming.
    pub finishing: Option<&'static str>,
}

/// The sizes placard knows by name.
pub const SIZES: &[Size] = &[
    Size { name: "A4", aliases: &[], width_mm: 210.0, height_mm: 297.0, finishing: None },
    Size { name: "A3", aliases: &[], width_mm: 297.0, height_mm: 420.0, finishing: None },
    Size { name: "A2", aliases: &[], width_mm: 420.0, height_mm: 594.0, finishing: None },
    Size { name: "A1", aliases: &[], width_mm: 594.0, height_mm: 841.0, finishing: None },
    Size { name: "A0", aliases: &[], width_mm: 841.0, height_mm: 1189.0, finishing: None },
    Size { name: "展板", aliases: &["board", "display-board"], width_mm: 900.0, height_mm: 1200.0, finishing: Some("KT 板裱板，裁切至成品尺寸") },
    Size { name: "易拉宝", aliases: &["roll-up", "rollup"], width_mm: 800.0, height_mm: 2000.0, finishing: Some("装入易拉宝展架") },
];

/// The smallest and largest side placard prints, in mm: below a business card nothing fits with a
/// readable QR code; cloth banners (横幅) come off the roll up to 10 m long.
pub const MIN_SIDE_MM: f64 = 50.0;
pub const MAX_SIDE_MM: f64 = 10000.0;

/// A size read from front matter: its name for the order sheet and its portrait size in mm.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// `A3`, `展板`, or `600×900 mm` for a size given in millimetres.
    pub name: String,
    pub width_mm: f64,
    pub height_mm: f64,
}

/// Reads `size = "..."`: a name from [`SIZES`] (any case, or an alias), or `W×H` in millimetres
/// (`x`, `X`, `×` or `*` between, an optional `mm`). Sizes in mm keep the orientation they are
/// written in; the error says what is accepted.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let trimmed = text.trim();
    if let Some(size) = SIZES.iter().find(|s| s.name.eq_ignore_ascii_case(trimmed) || s.aliases.iter().any(|a| a.eq_ignore_ascii_case(trimmed))) {
        return Ok(Parsed { name: size.name.to_string(), width_mm: size.width_mm, height_mm: size.height_mm });
    }
    // Banners are ordered in metres (`0.7×5 m`, `0.9x6m`); everything else in millimetres.
    let (numbers, factor) = match trimmed.strip_suffix("mm").or_else(|| trimmed.strip_suffix("MM")) {
        Some(n) => (n.trim(), 1.0),
        None => match trimmed.strip_suffix('m').or_else(|| trimmed.strip_suffix("米")) {
            Some(n) => (n.trim(), 1000.0),
            None => (trimmed, 1.0),
        },
    };
    let parts: Vec<&str> = numbers.split(['x', 'X', '×', '*']).map(str::trim).collect();
    let names: Vec<&str> = SIZES.iter().map(|s| s.name).collect();
    let accepted = format!("use {}, or a size in millimetres such as \"600x900\"", names.join(", "));
    let [w, h] = parts[..] else { return Err(accepted) };
    let (Ok(w), Ok(h)) = (w.parse::<f64>(), h.parse::<f64>()) else { return Err(accepted) };
    // Metres become whole millimetres; millimetres stay as written.
    let (w, h) = if factor == 1.0 { (w, h) } else { ((w * factor).round(), (h * factor).round()) };
    for side in [w, h] {
        if !(MIN_SIDE_MM..=MAX_SIDE_MM).contains(&side) {
            return Err(format!("each side must be between {MIN_SIDE_MM} and {MAX_SIDE_MM} mm; {accepted}"));
        }
    }
    let show = |v: f64| if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v}") };
    Ok(Parsed { name: format!("{}×{} mm", show(w), show(h)), width_mm: w, height_mm: h })
}

/// What the shop does to a sheet of this size after printing, beyond trimming at the crop marks:
/// named sizes say it; very large custom sizes are banners and get grommets.
pub fn finishing(name: &str, width_mm: f64, height_mm: f64) -> Option<&'static str> {
    if let Some(size) = SIZES.iter().find(|s| s.name == name) {
        return size.finishing;
    }
    (width_mm.max(height_mm) >= 1500.0 && !SIZES.iter().any(|s| s.name.eq_ignore_ascii_case(name))).then_some("四角打扣眼（挂绳用）")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_sizes_and_millimetres() {
        assert_eq!(parse("a3").unwrap(), Parsed { name: "A3".into(), width_mm: 297.0, height_mm: 420.0 });
        assert_eq!(parse("A0").unwrap().height_mm, 1189.0);
        assert_eq!(parse("展板").unwrap(), Parsed { name: "展板".into(), width_mm: 900.0, height_mm: 1200.0 });
        assert_eq!(parse("roll-up").unwrap().height_mm, 2000.0);
        assert_eq!(parse("600x900").unwrap(), Parsed { name: "600×900 mm".into(), width_mm: 600.0, height_mm: 900.0 });
        assert_eq!(parse(" 1000 × 3000 mm ").unwrap().width_mm, 1000.0);
        assert_eq!(parse("148.5*210").unwrap().name, "148.5×210 mm");
        assert_eq!(parse("0.7×5 m").unwrap(), Parsed { name: "700×5000 mm".into(), width_mm: 700.0, height_mm: 5000.0 });
        assert_eq!(parse("0.9x6m").unwrap().height_mm, 6000.0);
    }

    #[test]
    fn nonsense_is_refused_with_what_is_accepted() {
        for bad in ["B5", "600", "x900", "0x900", "10x10", "600x90000", "0.9x60m", "axb"] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains("A4") && err.contains("600x900"), "{bad}: {err}");
        }
    }

    #[test]
    fn finishing_follows_the_size() {
        assert_eq!(finishing("展板", 900.0, 1200.0), Some("KT 板裱板，裁切至成品尺寸"));
        assert_eq!(finishing("易拉宝", 800.0, 2000.0), Some("装入易拉宝展架"));
        assert_eq!(finishing("A3", 297.0, 420.0), None);
        assert_eq!(finishing("1000×3000 mm", 1000.0, 3000.0), Some("四角打扣眼（挂绳用）"));
        assert_eq!(finishing("600×900 mm", 600.0, 900.0), None);
    }
}

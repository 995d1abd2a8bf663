//! The kinds of print item, as data. A kind says what template draws it, its default size, how many
//! pages one copy has, how copies are counted and what the print shop does after printing. Adding a
//! kind is a row in [`KINDS`] and a template in `templates/print/`: [`super::Print::collect`] and
//! the order sheet read everything else from here.

use serde::Serialize;

use super::{CopiesSpec, ItemKind, Unit};

/// How many pages one copy of a kind has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Pages {
    /// Text that flows onto as many pages as it needs (at most one sheet, both sides): known only
    /// once Chromium has laid it out.
    Flow,
    /// A fixed number of pages per copy: 1 for one side, 2 for a two-sided card.
    Fixed(u8),
}

/// One kind of print item.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Kind {
    /// The id used in front matter (`[print] kind = "card"`) and on the order sheet.
    pub name: &'static str,
    /// The folder under the print folder: `print/<folder>/<id>/`.
    pub folder: &'static str,
    /// What the order sheet calls it.
    pub label: &'static str,
    /// The template under `templates/`.
    pub template: &'static str,
    /// Whether it is put up (counted per place) or handed out (counted per household): statistics
    /// and the exporter's page checks follow this.
    pub family: ItemKind,
    /// The size when front matter gives none (see [`super::sizes`]).
    pub size: &'static str,
    pub bleed_mm: f64,
    pub crop_marks: bool,
    pub pages: Pages,
    /// How copies are counted when front matter says nothing.
    pub copies: Per,
    /// Copies per unit of [`Kind::copies`] when front matter says nothing.
    pub each: u32,
    /// What the print shop does after printing, when the size does not say.
    pub finishing: Option<&'static str>,
    /// Long side across when front matter gives no orientation (banners).
    pub landscape: bool,
    /// The scale of the print pages and PDF: 1, or 0.1 for banners, whose real size no PDF page
    /// can hold (the print shop scales the 1:10 file up).
    pub scale: f64,
    /// An internal paper form (签收表, 记录表, 问卷) rather than campaign material: it carries no QR
    /// code, gets no landing page, is counted by no statistics, and may take several sheets per unit
    /// ([`super::forms`]).
    pub form: Option<super::forms::Form>,
}

/// Every kind placard prints.
pub const KINDS: &[Kind] = &[
    Kind {
        name: "poster",
        folder: "posters",
        label: "海报",
        template: "print/poster.html",
        family: ItemKind::Poster,
        size: "A3",
        bleed_mm: 3.0,
        crop_marks: true,
        pages: Pages::Fixed(1),
        copies: Per::Unit,
        each: 1,
        finishing: None,
        landscape: false,
        scale: 1.0,
        form: None,
    },
    Kind {
        name: "letter",
        folder: "letters",
        label: "一封信",
        template: "print/letter.html",
        family: ItemKind::Letter,
        size: "A4",
        bleed_mm: 0.0,
        crop_marks: false,
        pages: Pages::Flow,
        copies: Per::Household,
        each: 1,
        finishing: Some("无需裁切"),
        landscape: false,
        scale: 1.0,
        form: None,
    },
    Kind {
        name: "notice",
        folder: "notices",
        label: "悬赏通告",
        template: "print/notice.html",
        family: ItemKind::Poster,
        size: "A3",
        bleed_mm: 0.0,
        crop_marks: false,
        pages: Pages::Fixed(1),
        copies: Per::Unit,
        each: 2,
        finishing: Some("无需裁切；张贴前加盖公章"),
        landscape: false,
        scale: 1.0,
        form: None,
    },
    Kind {
        name: "card",
        folder: "cards",
        label: "便民联系卡",
        template: "print/card.html",
        family: ItemKind::Letter,
        size: "90x54",
        bleed_mm: 2.0,
        crop_marks: true,
        pages: Pages::Fixed(2),
        copies: Per::Household,
        each: 1,
        finishing: Some("双面印刷，300 g 铜版纸，按裁切线裁切"),
        landscape: false,
        scale: 1.0,
        form: None,
    },
    Kind {
        name: "sticker",
        folder: "stickers",
        label: "举报箱贴",
        template: "print/sticker.html",
        family: ItemKind::Poster,
        size: "150x100",
        bleed_mm: 2.0,
        crop_marks: true,
        pages: Pages::Fixed(1),
        copies: Per::Unit,
        each: 2,
        finishing: Some("户外不干胶，覆哑膜，模切至成品尺寸"),
        landscape: false,
        scale: 1.0,
        form: None,
    },
    Kind {
        name: "handout",
        folder: "handouts",
        label: "致家长的一封信",
        template: "print/handout.html",
        family: ItemKind::Letter,
        size: "A4",
        bleed_mm: 0.0,
        crop_marks: false,
        pages: Pages::Fixed(1),
        copies: Per::Pupil,
        each: 1,
        finishing: Some("回执处打齿孔（撕线）"),
        landscape: false,
        scale: 1.0,
        form: None,
    },
    Kind {
        name: "banner",
        folder: "banners",
        label: "横幅",
        template: "print/banner.html",
        family: ItemKind::Poster,
        size: "700x5000",
        bleed_mm: 0.0,
        crop_marks: false,
        pages: Pages::Fixed(1),
        copies: Per::Unit,
        each: 1,
        finishing: None,
        landscape: true,
        scale: 0.1,
        form: None,
    },
    // The forms cadres fill in and the office types back into `data/`: plain A4 from the office
    // printer, no bleed. Their columns are the columns of the CSV files `placard stats` reads.
    Kind {
        name: "delivery",
        folder: "forms/delivery",
        label: "发放签收表",
        template: "print/record.html",
        family: ItemKind::Letter,
        size: "A4",
        bleed_mm: 0.0,
        crop_marks: false,
        pages: Pages::Fixed(1),
        copies: Per::Unit,
        each: 1,
        finishing: Some("无需裁切；每单位一套，按页码装订"),
        landscape: false,
        scale: 1.0,
        form: Some(super::forms::Form::Delivery),
    },
    Kind {
        name: "posting",
        folder: "forms/posting",
        label: "张贴记录表",
        template: "print/record.html",
        family: ItemKind::Poster,
        size: "A4",
        bleed_mm: 0.0,
        crop_marks: false,
        pages: Pages::Fixed(1),
        copies: Per::Unit,
        each: 1,
        finishing: Some("无需裁切；每单位一套，按页码装订"),
        landscape: false,
        scale: 1.0,
        form: Some(super::forms::Form::Posting),
    },
    Kind {
        name: "survey",
        folder: "forms/survey",
        label: "知晓率满意度调查问卷",
        template: "print/survey.html",
        family: ItemKind::Letter,
        size: "A4",
        bleed_mm: 0.0,
        crop_marks: false,
        pages: Pages::Fixed(1),
        copies: Per::Unit,
        each: 40,
        finishing: Some("无需裁切"),
        landscape: false,
        scale: 1.0,
        form: Some(super::forms::Form::Survey),
    },
];

/// The kind called `name`, or the hint listing the kinds there are.
pub fn find(name: &str) -> Result<&'static Kind, String> {
    KINDS.iter().find(|k| k.name == name).ok_or_else(|| {
        let names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        match crate::error::suggest(name, &names) {
            Some(near) => format!("did you mean `{near}`? kinds are: {}", names.join(", ")),
            None => format!("kinds are: {}", names.join(", ")),
        }
    })
}

/// What copies are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    /// One per household of the unit (`households`).
    Household,
    /// One per enterprise of the unit (`enterprises`).
    Enterprise,
    /// One per pupil of the school (`pupils`).
    Pupil,
    /// A fixed number per unit.
    Unit,
}

impl Per {
    /// The word used in front matter.
    pub fn word(self) -> &'static str {
        match self {
            Per::Household => "household",
            Per::Enterprise => "enterprise",
            Per::Pupil => "pupil",
            Per::Unit => "unit",
        }
    }

    fn parse(word: &str) -> Option<Per> {
        match word.trim() {
            "household" | "households" | "户" | "每户" => Some(Per::Household),
            "enterprise" | "enterprises" | "企业" | "每家企业" => Some(Per::Enterprise),
            "pupil" | "pupils" | "学生" | "每名学生" => Some(Per::Pupil),
            "unit" | "fixed" | "每单位" => Some(Per::Unit),
            _ => None,
        }
    }

    /// The unit's count, how the order sheet names it (`户`, `家企业`, `名学生`), what it calls a
    /// missing count, and the front matter key to fill in.
    fn count(self, unit: &Unit) -> (Option<u32>, &'static str, &'static str, &'static str) {
        match self {
            Per::Household => (unit.households, "户", "户数", "households"),
            Per::Enterprise => (unit.enterprises, "家企业", "企业数", "enterprises"),
            Per::Pupil => (unit.pupils, "名学生", "学生人数", "pupils"),
            Per::Unit => (Some(1), "", "", ""),
        }
    }
}

/// How the copies of one item are counted: `each` per household, enterprise, pupil or unit, plus
/// `extra` (spares for the notice board, the office, replacements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Copies {
    pub per: Per,
    pub each: u32,
    pub extra: u32,
}

impl Copies {
    /// The rule from front matter (`copies`, `extra_copies`) over the kind's default; the error is
    /// the hint to give.
    pub fn from_front_matter(kind: &Kind, spec: Option<&CopiesSpec>, extra: Option<u32>) -> Result<Copies, String> {
        let (per, each) = match spec {
            None => (kind.copies, kind.each),
            Some(CopiesSpec::Fixed(n)) => (Per::Unit, *n),
            Some(CopiesSpec::Per(word)) => match Per::parse(word) {
                Some(per) => (per, 1),
                None => {
                    return Err(format!(
                        "`{word}` is not a copies rule: write a number of copies per unit (copies = 3), or \"household\", \"enterprise\" or \"pupil\""
                    ))
                }
            },
        };
        Ok(Copies { per, each, extra: extra.unwrap_or(0) })
    }

    /// The copies for the variant of `units` (one unit, or every unit for a town-wide variant) and
    /// the rule written out, like `412 户 × 1 + 2`. A missing count gives 0 copies and says what
    /// to fill in, so the office notices on the order sheet.
    pub fn count(&self, units: &[&Unit], town: bool) -> (u32, String) {
        let extra = if self.extra > 0 { format!(" + {}", self.extra) } else { String::new() };
        if self.per == Per::Unit {
            let scope = if town { "全镇共" } else { "每单位" };
            return (self.each + self.extra, format!("{scope} {} 份{extra}", self.each));
        }
        let mut total = 0u32;
        let mut missing = Vec::new();
        let (_, word, lack, field) = self.per.count(units.first().copied().unwrap_or(&Unit::placeholder()));
        for unit in units {
            match self.per.count(unit).0 {
                Some(n) => total += n,
                None => missing.push(unit.name.as_str()),
            }
        }
        if !missing.is_empty() && !town {
            return (self.extra, format!("缺少{lack}（在单位页的 [unit] 中填写 {field}）{extra}"));
        }
        let scope = if town { "全镇 " } else { "" };
        let gaps = if missing.is_empty() { String::new() } else { format!("（未计 {}：缺少 {field}）", missing.join("、")) };
        (total * self.each + self.extra, format!("{scope}{total} {word} × {}{extra}{gaps}", self.each))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(households: Option<u32>, enterprises: Option<u32>, pupils: Option<u32>) -> Unit {
        Unit { households, enterprises, pupils, name: "东湾村".into(), ..Unit::placeholder() }
    }

    #[test]
    fn every_kind_has_a_known_size_and_a_distinct_name() {
        for kind in KINDS {
            assert!(super::super::sizes::parse(kind.size).is_ok(), "{}", kind.name);
            assert_eq!(KINDS.iter().filter(|k| k.name == kind.name || k.folder == kind.folder).count(), 1);
            assert!(kind.template.starts_with("print/"));
        }
        assert!(find("cards").unwrap_err().contains("card"));
    }

    #[test]
    fn rules_are_written_out() {
        let letter = find("letter").unwrap();
        let rule = Copies::from_front_matter(letter, None, Some(2)).unwrap();
        let u = unit(Some(412), Some(9), None);
        assert_eq!(rule.count(&[&u], false), (414, "412 户 × 1 + 2".to_string()));
        let rule = Copies::from_front_matter(letter, Some(&CopiesSpec::Per("enterprise".into())), None).unwrap();
        assert_eq!(rule.count(&[&u], false), (9, "9 家企业 × 1".to_string()));
        let rule = Copies::from_front_matter(letter, Some(&CopiesSpec::Fixed(30)), Some(5)).unwrap();
        assert_eq!(rule.count(&[&u], false), (35, "每单位 30 份 + 5".to_string()));
        let rule = Copies::from_front_matter(letter, Some(&CopiesSpec::Per("pupil".into())), None).unwrap();
        let (n, text) = rule.count(&[&u], false);
        assert_eq!(n, 0);
        assert!(text.contains("pupils"), "{text}");
        let v = unit(Some(300), None, None);
        let rule = Copies::from_front_matter(letter, None, None).unwrap();
        assert_eq!(rule.count(&[&u, &v], true), (712, "全镇 712 户 × 1".to_string()));
        assert!(Copies::from_front_matter(letter, Some(&CopiesSpec::Per("everyone".into())), None).is_err());
    }
}

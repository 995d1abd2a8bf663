//! The formats of the paper forms' returns: the CSV files that cadres type the 发放签收表, 张贴记录表
//! and questionnaire tallies into, and the standard survey questions. The forms print these columns
//! and `placard stats` reads them, so both come from here (documented in docs/stats.md).

/// A column a form may have. Headers may be written in English or in Chinese.
pub struct Column {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

/// The default file, under the site root.
pub const FILE: &str = "data/survey.csv";

/// The columns of `data/survey.csv`.
pub const SURVEY_COLUMNS: &[Column] = &[
    Column { name: "unit", aliases: &["单位", "村（社区）", "村"], required: true },
    Column { name: "question", aliases: &["问题", "题目"], required: true },
    Column { name: "answers", aliases: &["答卷数", "回答人数", "有效答卷"], required: true },
    Column { name: "yes", aliases: &["知道", "满意", "肯定回答"], required: true },
    Column { name: "note", aliases: &["备注"], required: false },
];

/// The standard questions: an id, a short label for reports, and the question as the printed
/// questionnaire asks it. A site may replace them (`questions` on its survey form page, see
/// docs/stats.md); these are the default.
pub const QUESTIONS: &[(&str, &str, &str)] = &[
    ("know_campaign", "知道正在开展常态化扫黑除恶", "您是否知道本镇正在开展常态化扫黑除恶斗争？"),
    ("know_hotline", "知道举报电话", "您是否知道扫黑除恶举报电话？"),
    ("know_box", "知道举报箱在哪里", "您是否知道本村（社区）扫黑除恶举报箱设在哪里？"),
    ("know_reward", "知道举报有奖励", "您是否知道举报黑恶犯罪线索经查证属实可以获得奖励？"),
    ("satisfied", "满意（满意或基本满意）", "您对本地扫黑除恶工作是否满意？"),
];

/// One survey question: its id (the `question` column of the tallies), a short label for reports and
/// the question as printed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Question {
    pub id: String,
    pub label: String,
    pub text: String,
}

impl Question {
    /// What the printed questionnaire offers to tick; the first one (or, for `satisfied`, the first
    /// two) count as `yes` in the tallies.
    pub fn choices(&self) -> &'static [&'static str] {
        if self.id == SATISFIED {
            &["满意", "基本满意", "不满意"]
        } else if self.id.starts_with("know_") {
            &["知道", "不知道"]
        } else {
            &["是", "否"]
        }
    }
}

/// The standard questions, as [`Question`]s.
pub fn standard() -> Vec<Question> {
    QUESTIONS.iter().map(|(id, label, text)| Question { id: id.to_string(), label: label.to_string(), text: text.to_string() }).collect()
}

/// Whether `id` can name a question: lower-case letters, digits and `_`, at most 40 characters.
pub fn is_question_id(id: &str) -> bool {
    crate::content::is_short_id(&id.replace('_', "-"), 40)
}

/// The standard id one slip away from `id`, when `id` is not itself standard: a typo, not a new
/// question.
pub fn near_standard(id: &str) -> Option<&'static str> {
    let standard: Vec<&str> = QUESTIONS.iter().map(|(id, _, _)| *id).collect();
    if standard.contains(&id) {
        return None;
    }
    crate::error::suggest(id, &standard).and_then(|near| standard.iter().copied().find(|s| *s == near))
}

/// The question whose `yes` answers make 满意度.
pub const SATISFIED: &str = "satisfied";

/// The files of cadres' returns under `data/returns/`.
pub mod returns {
    use super::Column;

    /// The default folder, under the site root.
    pub const DIR: &str = "data/returns";

    /// `delivery-<unit>.csv`: one row per item handed to one group (村民小组, building, school class).
    pub const DELIVERY: &[Column] = &[
        Column { name: "item", aliases: &["物料", "物料编号"], required: true },
        Column { name: "group", aliases: &["村民小组", "小组", "楼栋", "发放对象"], required: true },
        Column { name: "copies_delivered", aliases: &["copies", "份数", "发放份数", "数量"], required: true },
        Column { name: "date", aliases: &["日期", "发放日期"], required: true },
        Column { name: "signed", aliases: &["签收", "是否签收"], required: false },
        Column { name: "note", aliases: &["备注"], required: false },
    ];

    /// `posting-<unit>.csv`: one row per poster copy, with where it was planned to go and, once it is up,
    /// the date. Who put it up and the photo number stay in the file; the report shows counts only.
    pub const POSTING: &[Column] = &[
        Column { name: "item", aliases: &["物料", "海报", "海报编号"], required: true },
        Column { name: "location", aliases: &["位置", "张贴位置", "计划位置"], required: true },
        Column { name: "date", aliases: &["日期", "张贴日期"], required: false },
        Column { name: "posted_by", aliases: &["张贴人"], required: false },
        Column { name: "photo", aliases: &["照片", "照片编号"], required: false },
        Column { name: "note", aliases: &["备注"], required: false },
    ];
}

//! The report page: one HTML file with its CSS and SVG charts inline, no script, nothing loaded from
//! anywhere, so it can be mailed to the county or opened from a USB stick. Blind spots come first.

use std::fmt::Write;

use super::log::format_day;
use super::plan::Plan;
use super::scan::{Counter, Scans};
use super::survey::Tally;
use super::{Blind, Report};
use crate::print::ItemKind;

const CSS: &str = "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0 auto;max-width:960px;padding:16px;color:#222;line-height:1.5}
h1{font-size:1.5em;color:#b71c1c}h2{font-size:1.2em;border-bottom:2px solid #b71c1c;padding-bottom:4px;margin-top:2em}h3{font-size:1em}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f5f5f5}tr.unit td{background:#fafafa;font-weight:bold}.gap{color:#b71c1c;font-weight:bold}.ok{color:#2e7d32}
.blind li{color:#b71c1c}svg{display:block;max-width:100%;height:auto}svg text{font-size:12px;fill:#222}svg rect{fill:#1565c0}svg g.zero text{fill:#b71c1c}
.small{color:#666;font-size:.85em}@media print{h2{break-after:avoid}svg,table{break-inside:avoid}}";

/// Escapes text for HTML content and attributes.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A horizontal bar chart. Every bar carries its label and value as data attributes, so a test (or a
/// reader with a script of their own) can check the picture against the CSV.
fn chart(id: &str, title: &str, bars: &[(String, String, u64)]) -> String {
    const LABEL: u64 = 260;
    const BAR: u64 = 560;
    const ROW: u64 = 22;
    let max = bars.iter().map(|(_, _, v)| *v).max().unwrap_or(0);
    let height = ROW * bars.len() as u64 + 8;
    let mut svg = format!(
        "<svg data-chart=\"{}\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {} {height}\" width=\"{}\" height=\"{height}\">\n",
        esc(id),
        esc(title),
        LABEL + BAR + 60,
        LABEL + BAR + 60
    );
    for (n, (key, label, value)) in bars.iter().enumerate() {
        let y = ROW * n as u64 + 4;
        let width = (value * BAR).checked_div(max).unwrap_or(0).max(u64::from(*value > 0));
        let class = if *value == 0 { " class=\"zero\"" } else { "" };
        let _ = writeln!(
            svg,
            "<g{class} data-key=\"{k}\" data-value=\"{value}\"><title>{l}: {value}</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{l}</text><rect x=\"{LABEL}\" y=\"{y}\" width=\"{width}\" height=\"16\"/><text x=\"{}\" y=\"{}\">{value}</text></g>",
            LABEL - 6,
            y + 13,
            LABEL + width + 4,
            y + 13,
            l = esc(label),
            k = esc(key),
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn day(d: u32) -> String {
    if d == 0 {
        "—".into()
    } else {
        format_day(d)
    }
}

fn unit_label(plan: &Plan, u: usize) -> String {
    format!("{}（{}）", plan.units[u].name, plan.units[u].id)
}

fn item_label(plan: &Plan, i: usize) -> String {
    format!("{}（{}）", plan.items[i].title, plan.items[i].id)
}

fn counter_cells(c: &Counter) -> String {
    let estimate = if c.estimated() { "≈" } else { "" };
    format!("<td class=\"n\">{}</td><td class=\"n\">{estimate}{}</td><td>{}</td><td>{}</td>", c.scans, c.visitors(), day(c.first), day(c.last))
}

fn rate_cell(t: Option<Tally>) -> String {
    match t {
        Some(t) if t.answers > 0 => format!("<td class=\"n\">{}<br><span class=\"small\">n = {}</span></td>", t.percent(), t.answers),
        Some(_) => "<td class=\"n gap\">未调查</td>".into(),
        None => "<td></td>".into(),
    }
}

/// The whole page.
pub fn page(report: &Report) -> String {
    let (plan, scans) = (&report.plan, &report.scans);
    let mut h = String::new();
    let title = format!("{} · 扫码与覆盖情况", plan.title);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    let period = scans.period().map(|(a, b)| format!("{} 至 {}", format_day(a), format_day(b))).unwrap_or_else(|| "日志中没有扫码记录".into());
    let _ =
        writeln!(h, "<p>统计期间：{period}。共读取 {} 个日志文件、{} 行，计入扫码 <strong>{}</strong> 次。</p>", scans.files.len(), scans.lines, scans.counted);

    // Blind spots first: what the office has to act on.
    let blind = super::blind_spots(plan, scans);
    h.push_str("<h2 id=\"blind\">盲区：没有人扫码的村（社区）和物料</h2>\n");
    if blind.is_empty() {
        h.push_str("<p class=\"ok\">没有盲区：每个村（社区）和每种物料都有人扫码。</p>\n");
    } else {
        h.push_str("<ul class=\"blind\">\n");
        for spot in &blind {
            let text = match *spot {
                Blind::Unit(u) => format!("{}：整个村（社区）没有扫码", unit_label(plan, u)),
                Blind::Row(r) => format!("{} · {}", unit_label(plan, plan.rows[r].unit), item_label(plan, plan.rows[r].item.unwrap_or_default())),
            };
            let _ = writeln!(h, "<li>{}</li>", esc(&text));
        }
        h.push_str("</ul>\n");
    }

    h.push_str("<h2 id=\"units\">各村（社区）扫码次数</h2>\n<p class=\"small\">含本村（社区）页面和本村每种物料的二维码。</p>\n");
    let unit_bars: Vec<(String, String, u64)> =
        plan.units.iter().enumerate().map(|(u, unit)| (unit.id.clone(), unit.name.clone(), scans.units[u].scans)).collect();
    h.push_str(&chart("units", "各村（社区）扫码次数", &unit_bars));

    h.push_str("<h2 id=\"items\">各物料扫码次数</h2>\n<p class=\"small\">同一物料在所有村（社区）的扫码之和。</p>\n");
    let item_bars: Vec<(String, String, u64)> =
        plan.items.iter().enumerate().map(|(i, item)| (item.id.clone(), item.title.clone(), scans.items[i].scans)).collect();
    h.push_str(&chart("items", "各物料扫码次数", &item_bars));

    h.push_str("<h2 id=\"detail\">每个村（社区）的明细</h2>\n<p class=\"small\">“本村页面”是直接打开 /q/&lt;村&gt;/ 的次数；其余各行是印在各物料上的二维码。访客数按天去重后相加（≈ 表示估算值）。</p>\n");
    for (u, unit) in plan.units.iter().enumerate() {
        let _ = writeln!(h, "<h3 id=\"unit-{}\">{}</h3>", esc(&unit.id), esc(&unit_label(plan, u)));
        let rows: Vec<usize> = (0..plan.rows.len()).filter(|r| plan.rows[*r].unit == u).collect();
        // Keyed like the CSV's item column: empty for the unit's own page.
        let bars: Vec<(String, String, u64)> = rows
            .iter()
            .map(|r| match plan.rows[*r].item {
                Some(i) => (plan.items[i].id.clone(), plan.items[i].title.clone(), scans.rows[*r].scans),
                None => (String::new(), "本村页面".into(), scans.rows[*r].scans),
            })
            .collect();
        h.push_str(&chart(&format!("unit-{}", unit.id), &unit_label(plan, u), &bars));
        h.push_str("<table><tr><th>二维码</th><th>扫码次数</th><th>访客（按天）</th><th>首次</th><th>最近</th></tr>\n");
        for r in rows {
            let name = plan.rows[r].item.map(|i| item_label(plan, i)).unwrap_or_else(|| "本村页面".into());
            let _ = writeln!(h, "<tr><td>{}</td>{}</tr>", esc(&name), counter_cells(&scans.rows[r]));
        }
        h.push_str("</table>\n");
    }

    if !plan.channels.is_empty() {
        h.push_str("<h2 id=\"channels\">举报渠道页面</h2>\n<p class=\"small\">直接打开 /q/&lt;渠道&gt;/ 的次数（例如渠道自己的二维码）。</p>\n");
        let bars: Vec<(String, String, u64)> =
            plan.channels.iter().enumerate().map(|(c, ch)| (ch.id.clone(), ch.title.clone(), scans.channels[c].scans)).collect();
        h.push_str(&chart("channels", "举报渠道页面", &bars));
    }

    coverage_table(&mut h, report);
    survey_table(&mut h, report);
    method(&mut h, scans);
    h.push_str("</body>\n</html>\n");
    h
}

fn coverage_table(h: &mut String, report: &Report) {
    let plan = &report.plan;
    h.push_str("<h2 id=\"coverage\">覆盖情况：计划、发放、张贴、扫码、知晓</h2>\n");
    if !report.returns.found {
        h.push_str("<p class=\"gap\">没有找到发放和张贴回执（data/returns/），发放和张贴两栏为空。</p>\n");
    }
    if !report.survey.found {
        h.push_str("<p class=\"gap\">没有找到问卷统计（data/survey.csv），知晓率和满意度两栏为空。</p>\n");
    }
    h.push_str("<table><tr><th>村（社区）/ 物料</th><th>计划</th><th>发放</th><th>张贴</th><th>扫码</th><th>访客</th><th>知晓率</th><th>满意度</th><th>缺口</th></tr>\n");
    for line in &report.coverage {
        let (class, name) = match line.item {
            None => (" class=\"unit\"", unit_label(plan, line.unit)),
            Some(i) => ("", format!("{}{}", item_label(plan, i), if plan.items[i].kind == ItemKind::Letter { " · 信" } else { "" })),
        };
        let num = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "—".into());
        let gaps: Vec<&str> = line.gaps.iter().map(|g| g.label()).collect();
        let gap_cell = if gaps.is_empty() { "<td class=\"ok\">—</td>".to_string() } else { format!("<td class=\"gap\">{}</td>", esc(&gaps.join("、"))) };
        let _ = writeln!(
            h,
            "<tr{class}><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>{}{}{gap_cell}</tr>",
            esc(&name),
            line.planned,
            num(line.delivered),
            num(line.posted),
            line.scans,
            line.visitors,
            rate_cell(line.awareness),
            rate_cell(line.satisfaction)
        );
    }
    h.push_str("</table>\n<p class=\"small\">计划取自印刷清单（print/order.csv）；发放、张贴取自村（社区）干部交回的回执；知晓率是各“知道……”题答“是”的比例，满意度是答“满意”或“基本满意”的比例，n 为答卷数。低于 90% 标为缺口。</p>\n");
}

fn survey_table(h: &mut String, report: &Report) {
    let (plan, survey) = (&report.plan, &report.survey);
    if !survey.found {
        return;
    }
    let questions = survey.questions();
    h.push_str("<h2 id=\"survey\">知晓率和满意度（按题）</h2>\n<table><tr><th>村（社区）</th>");
    for q in &questions {
        let _ = write!(h, "<th>{}</th>", esc(survey.label(q)));
    }
    h.push_str("<th>知晓率</th></tr>\n");
    for u in (0..plan.units.len()).filter(|u| plan.units[*u].landing) {
        let _ = write!(h, "<tr><td>{}</td>", esc(&unit_label(plan, u)));
        for q in &questions {
            // A question not asked in one unit is not a gap of its own; the unit's rates say whether it was surveyed.
            let tally = survey.question(u, q);
            h.push_str(&if tally.answers == 0 { "<td class=\"n\">—</td>".to_string() } else { rate_cell(Some(tally)) });
        }
        h.push_str(&rate_cell(Some(survey.awareness(u))));
        h.push_str("</tr>\n");
    }
    h.push_str("<tr class=\"unit\"><td>全镇</td>");
    for q in &questions {
        h.push_str(&rate_cell(Some(survey.town(q))));
    }
    h.push_str(&rate_cell(Some(survey.town_awareness())));
    h.push_str("</tr>\n</table>\n");
}

fn method(h: &mut String, scans: &Scans) {
    h.push_str("<h2 id=\"method\">统计口径</h2>\n<ul>\n");
    let _ = writeln!(h, "<li>只计浏览器以 GET 请求打开二维码地址、服务器答复 200 或 304 的访问：共 {} 次。</li>", scans.counted);
    let _ = writeln!(
        h,
        "<li>未计入：搜索引擎、链接预览和脚本 {} 次；HEAD 等非 GET 请求 {} 次；服务器报错 {} 次；其他页面 {} 次；无法读取的日志行 {} 行。</li>",
        scans.crawlers, scans.not_get, scans.errors, scans.other_pages, scans.unreadable
    );
    if scans.unknown > 0 {
        let mut listed: Vec<String> = scans.unknown_by_address.iter().map(|(a, (_, n))| format!("{a}：{n} 次")).collect();
        if scans.unknown_other > 0 {
            listed.push(format!("其他：{} 次", scans.unknown_other));
        }
        let _ = writeln!(
            h,
            "<li class=\"gap\">不存在的二维码地址（没有这个村、物料或渠道，可能是印错或旧版海报）{} 次：{}。</li>",
            scans.unknown,
            esc(&listed.join("；"))
        );
    }
    for file in &scans.files {
        if let Some(problem) = &file.problem {
            let _ = writeln!(h, "<li class=\"gap\">日志 {} 没有读完：{}</li>", esc(&file.name), esc(problem));
        }
    }
    h.push_str("<li>访客数按“网络地址 + 浏览器”在内存中加密散列后按天去重，每天分别计数再相加；散列的密钥取自日志本身、不保存，同样的日志每次得出同样的结果。报告只含次数，不含任何地址或浏览器信息。</li>\n</ul>\n");
}

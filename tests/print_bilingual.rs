//! Print in two languages, on the fixture `bilingual-site`: bilingual posters (side by side and
//! stacked), a bilingual card and letter, an English-only edition, Tibetan and Uyghur sheets, and
//! channels whose translations give words but never numbers.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// `placard print` on a copy of the fixture, with `extra` arguments (`--sheets`).
fn print(site: &Scratch, extra: &[&str]) -> (std::process::Output, PathBuf) {
    let print = site.site().parent().unwrap().join("print-out");
    let out = placard()
        .arg("print")
        .args(extra)
        .arg("--root")
        .arg(site.site())
        .arg("--output-dir")
        .arg(site.public())
        .arg("--print-dir")
        .arg(&print)
        .output()
        .unwrap();
    (out, print)
}

/// The text of each `lang="…"` block of a sheet, in document order: (lang, dir).
fn blocks(html: &str, class: &str) -> Vec<(String, String)> {
    html.split(&format!("class=\"{class}\""))
        .skip(1)
        .map(|rest| {
            let attr = |name: &str| rest.split(&format!("{name}=\"")).nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_string();
            (attr("lang"), attr("dir"))
        })
        .collect()
}

#[test]
fn bilingual_sheets_set_the_default_language_first_and_each_in_its_script() {
    let site = Scratch::of("bilingual-site");
    let (out, print) = print(&site, &["--sheets"]);
    assert_ok(&out);
    let sheets = tree(&print);
    // Every unit's variant of the side-by-side poster: Chinese left, English right, one number.
    let street = read(&print, "posters/street/index.html");
    assert!(street.contains("poster-body bilingual side-by-side"), "side by side");
    let units = street.matches("<section class=\"sheet").count();
    assert!(units >= 2, "one sheet per unit: {units}");
    assert_eq!(street.matches("class=\"lang-text\"").count(), 2 * units);
    let langs = blocks(&street, "lang-text");
    assert!(langs.chunks(2).all(|p| p[0].0 == "zh-CN" && p[1].0 == "en"), "Chinese first on every sheet: {langs:?}");
    for words in ["Report gang crime", "扫黑除恶", "举报电话", "Reporting hotline", "Online reporting", "Scan for the reporting channels of"] {
        assert!(street.contains(words), "the bilingual poster shows {words}");
    }
    // The number is the channel's, printed once per sheet as the lead and never translated.
    assert_eq!(street.matches(">0123-6110110<").count(), units, "the lead number once per sheet");
    // The English-only edition: its own folder and id, English fixed words, no Chinese body.
    let en = read(&print, "posters/street-en/index.html");
    assert!(en.contains("<html lang=\"en\">") && en.contains("No. street-en-") && !en.contains("扫黑除恶 人人有责"));
    assert!(en.contains("Reporting hotline") && en.contains("0123-6110110"));
    // The order sheet counts each edition.
    let order = read(&print, "order.csv");
    assert!(order.contains("street-en-east,") && order.contains("street-east,"), "{order}");
    // Tibetan stacked under Chinese, in the Debian Tibetan fonts; Uyghur right to left in its column.
    let tibet = read(&print, "posters/tibet/index.html");
    assert_eq!(blocks(&tibet, "lang-text")[..2], [("zh-CN".into(), "ltr".into()), ("bo".into(), "ltr".into())]);
    assert!(tibet.contains("ལྷ་ས") && tibet.contains("\"Noto Serif Tibetan\",\"Tibetan Machine Uni\""));
    let uyghur = read(&print, "posters/uyghur/index.html");
    assert_eq!(blocks(&uyghur, "lang-text")[..2], [("zh-CN".into(), "ltr".into()), ("ug".into(), "rtl".into())]);
    assert!(uyghur.contains("ئۈرۈمچی") && uyghur.contains("\"Noto Naskh Arabic\""));
    // placard has no fixed words in Uyghur or Tibetan: the Chinese ones are printed once, not twice,
    // and a channel without Uyghur words shows its Chinese words once.
    for sheet in [&uyghur, &tibet] {
        assert!(!sheet.contains("扫码查看全部举报渠道 / 扫码查看全部举报渠道") && !sheet.contains("编号/编号"));
        assert_eq!(sheet.matches("lang=\"zh-CN\" dir=\"ltr\">工作日").count(), 1);
    }
    // The card and the letter are bilingual through the same model.
    let card = read(&print, "cards/card/index.html");
    assert!(card.contains("Contact card") && card.contains("便民联系卡") && card.contains("Informants"));
    let letter = read(&print, "letters/firms/index.html");
    assert!(letter.contains("Dear business owners,") && letter.contains("辖区各企业：") && letter.contains("Reporting channels"));
    assert!(sheets.keys().all(|k| !k.contains(".en.")), "translations are no print items of their own");
    // A fallback to the default language's words was asked for, and is warned about.
    let err = stderr(&out);
    assert!(err.contains("warning: the channels hotline have no ug translation"), "{err}");
    // The site in every language checks clean beside its print material.
    assert_ok(&site.check());
}

#[test]
fn a_translation_that_changes_a_number_is_a_located_error() {
    let site = Scratch::of("bilingual-site");
    site.write(
        "content/channels/hotline.en.md",
        "+++\ntitle = \"Reporting hotline\"\n[channel]\nlabel = \"Reporting hotline\"\nvalue = \"0123-6110111\"\n+++\n",
    );
    let (out, _) = print(&site, &["--sheets"]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    assert!(err.contains("this translation sets `value` to \"0123-6110111\", but the channel `hotline` has \"0123-6110110\""), "{err}");
    assert!(err.contains("hotline.en.md:5:1"), "located at the value line: {err}");
    assert!(err.contains("remove `value`"), "{err}");
}

#[test]
fn a_sheet_language_without_its_text_or_its_channel_words_is_an_error() {
    let site = Scratch::of("bilingual-site");
    std::fs::remove_file(site.site().join("content/channels/12337.en.md")).unwrap();
    site.write(
        "content/posters/wrong.md",
        "+++\ntitle = \"x\"\n[poster]\nid = \"wrong\"\nchannels = [\"hotline\"]\nlanguages = [\"en\", \"zh-CN\"]\n+++\n\nx\n",
    );
    site.write("content/posters/french.md", "+++\ntitle = \"x\"\n[poster]\nid = \"french\"\nlanguages = [\"zh-CN\", \"fr\"]\n+++\n\nx\n");
    site.write("content/posters/street.en.md", "+++\ntitle = \"Street poster\"\n\n[poster]\nsize = \"A2\"\n+++\n\nx\n");
    let (out, _) = print(&site, &["--sheets"]);
    assert_clean_failure(&out);
    let err = stderr(&out);
    assert!(err.contains("the en translation has a [poster] table of its own") && err.contains("street.en.md:4:1"), "{err}");
    assert!(err.contains("`fr` is not a language of this site") && err.contains("french.md:5:1") && err.contains("[languages.fr]"), "{err}");
    assert!(err.contains("`zh-CN` comes second on this sheet") && err.contains("wrong.md:6:1"), "{err}");
    assert!(err.contains("the channels 12337 have no en translation") && err.contains("12337.en.md"), "{err}");
    assert!(err.contains("channel_fallback = true"), "{err}");
}

fn tool(name: &str) -> Option<PathBuf> {
    require_tool(name, on_path(name))
}

fn run(program: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new(program).args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
#[ignore = "needs chromium, pdftotext, pdffonts, zbarimg"]
fn bilingual_poster_pdf_has_both_languages_embedded_fonts_and_readable_codes() {
    let Some(_) = require_tool("chromium", placard::browser::find_chromium()) else { return };
    let (Some(pdftotext), Some(pdffonts), Some(zbarimg)) = (tool("pdftotext"), tool("pdffonts"), tool("zbarimg")) else { return };
    let site = Scratch::of("bilingual-site");
    let (out, print) = print(&site, &[]);
    assert_ok(&out);
    // Every check of print (fit, sizes, QR module size and decode-back) ran on every edition.
    let street = print.join("posters/street.pdf");
    // pdftotext breaks lines where the sheet does: compare with single spaces.
    let text = run(&pdftotext, &[street.to_str().unwrap(), "-"]).split_whitespace().collect::<Vec<_>>().join(" ");
    for words in ["扫黑除恶", "Report gang crime", "Reporting hotline", "0123-6110110"] {
        assert!(text.contains(words), "pdftotext finds {words}: {text}");
    }
    let fonts = run(&pdffonts, &[street.to_str().unwrap()]);
    assert!(fonts.lines().skip(2).all(|l| l.split_whitespace().rev().nth(4) == Some("yes")), "every font embedded: {fonts}");
    assert!(fonts.contains("NotoSans"), "the Latin text is set in Noto Sans: {fonts}");
    for (pdf, font) in [("tibet.pdf", "NotoSerifTibetan"), ("uyghur.pdf", "NotoNaskhArabic")] {
        let fonts = run(&pdffonts, &[print.join("posters").join(pdf).to_str().unwrap()]);
        assert!(fonts.contains(font), "{pdf}: {fonts}");
    }
    let tibet = run(&pdftotext, &[print.join("posters/tibet.pdf").to_str().unwrap(), "-"]);
    assert!(tibet.contains("ལྷ"), "{tibet}");
    for (png, target) in [
        ("posters/street/east.png", "https://town.example.org/q/east/street/"),
        ("posters/street-en/east.png", "https://town.example.org/q/east/street-en/"),
        ("posters/uyghur/town.png", "https://town.example.org/"),
    ] {
        let codes = run(&zbarimg, &["-q", print.join(png).to_str().unwrap()]);
        assert!(codes.contains(&format!("QR-Code:{target}")), "{png}: {codes}");
    }
}

//! The print tree's renderer: every print item's sheets (each variant on its own page, and all
//! variants together), the print index with the order sheet, `order.csv` and the LED texts. It
//! renders through the site's [`Engine`], so a sheet uses the same templates, functions and QR codes
//! as a page, and everything lands under `print/`, which never reaches the website.

use std::path::Path;

use rayon::prelude::*;
use serde_json::Value;

use crate::content::output_file;
use crate::error::{Error, Errors};
use crate::output::{Entry, Origin};
use crate::print::{order, PrintItem, PRINT_DIR};
use crate::render::{Engine, Renderer};

/// Renders the print tree (see the module's doc).
pub struct Sheets;

impl Renderer for Sheets {
    fn render(&self, engine: &Engine, only_page: Option<usize>) -> Result<Vec<(String, Entry, Origin)>, Errors> {
        let print = &engine.campaign().print;
        // One job per variant, and one for all variants of an item (`None`).
        let jobs: Vec<(usize, Option<usize>)> = print
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| only_page.is_none_or(|page| item.page == page))
            .flat_map(|(i, item)| std::iter::once((i, None)).chain((0..item.variants().len()).map(move |v| (i, Some(v)))))
            .collect();
        let rendered: Vec<Result<(String, Entry, Origin), Error>> = jobs.par_iter().map(|&(item, variant)| sheet(engine, item, variant)).collect();
        let mut errors = Errors::default();
        let mut files = Vec::with_capacity(rendered.len() + 2);
        for result in rendered {
            match result {
                Ok(file) => files.push(file),
                Err(e) => errors.push(e),
            }
        }
        if only_page.is_none() && !print.items.is_empty() {
            let rows = order::rows(print);
            if engine.has("print/index.html") {
                match index(engine, &rows) {
                    Ok(file) => files.push(file),
                    Err(e) => errors.push(e),
                }
            }
            files.push((format!("{PRINT_DIR}/order.csv"), Entry::Bytes(order::csv(&rows)), Origin::new("the print order", None)));
        }
        if only_page.is_none() {
            for led in &print.led {
                let origin = Origin::new(format!("the LED text of screen `{}`", led.screen), None);
                files.push((format!("{PRINT_DIR}/{}", led.path), Entry::Bytes(led.bytes.clone()), origin));
            }
        }
        if errors.has_errors() {
            Err(errors)
        } else {
            Ok(files)
        }
    }
}

/// The sheets of one variant of `item`, or (`None`) of all its variants one after another.
fn sheet(engine: &Engine, index: usize, variant: Option<usize>) -> Result<(String, Entry, Origin), Error> {
    let (library, campaign) = (engine.library(), engine.campaign());
    let item: &PrintItem = &campaign.print.items[index];
    let page = &library.pages[item.page];
    let variants = item.variants();
    let path = match variant {
        Some(v) => item.variant_path(variants[v]),
        None => item.path.clone(),
    };
    let mut context = engine.context(&path);
    let mut value = serde_json::to_value(item).unwrap_or(Value::Null);
    value["content"] = Value::String(engine.page_body(item.page).content.text().into_owned());
    // Each language of the sheet with its text: the page's own, or its translation's.
    value["texts"] = crate::print::languages::texts(item, library, |p| engine.page_body(p).content.text());
    context.insert("item", &value);
    context.insert("sheets", &campaign.print.sheets(&campaign.channels, item, variant.map(|v| variants[v])));
    // Print pages link their assets relatively to the print folder (the `print/` subtree), so
    // they open from the disk in any browser.
    let depth = path.trim_matches('/').split('/').count() - 1;
    context.insert("root", &"../".repeat(depth));
    // A sheet whose codes lead to this computer must never reach a print shop unmarked.
    context.insert("print_preview", &crate::urls::is_local_base_url(&engine.config().base_url));
    let html = engine.render(item.spec.template, &context, &page.file, "poster")?;
    let origin = Origin::new(format!("the print page of `{}`", item.id), Some(&page.file));
    Ok((output_file(&path), Entry::Bytes(html.into_bytes()), origin))
}

/// The list of all print material, with the order sheet's `rows`.
fn index(engine: &Engine, rows: &[order::OrderRow]) -> Result<(String, Entry, Origin), Error> {
    let print = &engine.campaign().print;
    let path = format!("/{PRINT_DIR}/");
    let mut context = engine.context(&path);
    context.insert("items", &print.items);
    context.insert("units", &print.units);
    context.insert("order", rows);
    context.insert("totals", &order::totals(rows));
    let html = engine.render("print/index.html", &context, Path::new("config.toml"), "")?;
    Ok((output_file(&path), Entry::Bytes(html.into_bytes()), Origin::new("the print order page", None)))
}

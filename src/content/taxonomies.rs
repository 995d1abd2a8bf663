//! Taxonomies (Zola's tags and categories): the terms pages name in `[taxonomies]`.

use std::collections::BTreeMap;

use super::library::Library;
use crate::config::{Config, TaxonomyConfig};
use crate::error::{Error, Errors};

/// One configured taxonomy and its terms, sorted by slug.
#[derive(Debug)]
pub struct Taxonomy {
    pub config: TaxonomyConfig,
    /// The language whose pages it lists: each language has its own taxonomies, as in Zola.
    pub lang: String,
    /// The URL path of the term list, like `/tags/`.
    pub path: String,
    pub terms: Vec<Term>,
}

/// A term and the pages that carry it, newest first.
#[derive(Debug)]
pub struct Term {
    pub name: String,
    pub slug: String,
    pub path: String,
    pub pages: Vec<usize>,
}

/// Builds every configured taxonomy of every language, the default language's first; a page
/// naming a taxonomy its language does not configure is an error.
pub fn collect(library: &Library, config: &Config, errors: &mut Errors) -> Vec<Taxonomy> {
    let mut all = Vec::new();
    for lang in config.language_codes() {
        all.extend(collect_language(library, config, lang, errors));
    }
    all
}

fn collect_language(library: &Library, config: &Config, lang: &str, errors: &mut Errors) -> Vec<Taxonomy> {
    let configured = config.taxonomies_of(lang);
    let prefix = config.lang_prefix(lang);
    let mut terms: Vec<BTreeMap<String, Term>> = configured.iter().map(|_| BTreeMap::new()).collect();
    let names: Vec<&str> = configured.iter().map(|t| t.name.as_str()).collect();
    for (index, page) in library.pages.iter().enumerate().filter(|(_, p)| p.lang == lang) {
        for (name, values) in &page.meta.taxonomies {
            let Some(t) = names.iter().position(|n| n == name) else {
                let error = Error::in_file(&page.file, format!("taxonomy `{name}` is not configured"));
                let table = if lang == config.default_language { String::new() } else { format!(" under [languages.{lang}]") };
                let hint = if names.is_empty() {
                    format!("add taxonomies = [{{ name = \"{name}\" }}] to config.toml{table}")
                } else {
                    format!("config.toml defines{table}: {}; add `{name}` there or fix the name", names.join(", "))
                };
                errors.push(page.keys.locate(error, name).with_hint(hint));
                continue;
            };
            if page.expired {
                continue;
            }
            let base = format!("{prefix}{}", taxonomy_path(name, config.slugify.taxonomies));
            for value in values {
                let slug = super::slug_with(value, config.slugify.taxonomies);
                if slug.is_empty() {
                    continue;
                }
                // Terms that differ only in case or punctuation are one term, named as first seen.
                let term = terms[t].entry(slug.clone()).or_insert_with(|| Term { name: value.clone(), path: format!("{base}{slug}/"), slug, pages: vec![] });
                // Pages come in index order, so a page naming one term twice is caught at the end
                // (a `contains` here made loading quadratic in the number of pages).
                if term.pages.last() != Some(&index) {
                    term.pages.push(index);
                }
            }
        }
    }
    configured
        .iter()
        .zip(terms)
        .map(|(tc, terms)| {
            let mut terms: Vec<Term> = terms.into_values().collect();
            for term in &mut terms {
                term.pages.sort_by(|a, b| {
                    let (pa, pb) = (&library.pages[*a], &library.pages[*b]);
                    super::front_matter::newest_first(pa.date.as_ref(), pb.date.as_ref()).then(pa.relative.cmp(&pb.relative))
                });
            }
            Taxonomy { config: tc.clone(), lang: lang.to_string(), path: format!("{prefix}{}", taxonomy_path(&tc.name, config.slugify.taxonomies)), terms }
        })
        .collect()
}

fn taxonomy_path(name: &str, mode: crate::config::SlugMode) -> String {
    format!("/{}/", super::slug_with(name, mode))
}

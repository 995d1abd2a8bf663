//! What the site planned: its units, print items and channels, the copies on the order sheet, and the
//! QR addresses that lead to them. Built once from the loaded site; everything else looks things up here.

use std::collections::HashMap;

use crate::print::{ItemKind, TOWN_VARIANT};
use crate::site::Site;

/// A unit (village, community), or the town-wide pseudo-unit `town` of items printed for no unit.
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: String,
    pub name: String,
    /// Whether `/q/<id>/` exists (the town-wide pseudo-unit has no landing page).
    pub landing: bool,
}

/// A poster or letter.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub kind: ItemKind,
}

/// A channel with a landing page of its own, `/q/<channel>/`.
#[derive(Debug, Clone)]
pub struct Channel {
    pub id: String,
    pub title: String,
}

/// One line of the scan report: a unit's landing page (`item` is `None`) or one printed variant.
#[derive(Debug, Clone)]
pub struct Row {
    pub unit: usize,
    pub item: Option<usize>,
    /// Copies on the order sheet (variants only).
    pub planned: Option<u32>,
}

/// Where a QR address leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Row(usize),
    Channel(usize),
}

/// Why a QR address leads nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unknown {
    /// `/q/<x>/…` where `x` is neither a unit nor a channel.
    Unit,
    /// `/q/<unit>/<x>/` where `x` is not an item printed for that unit.
    Item,
}

/// The site's plan, for `stats`.
#[derive(Debug, Clone)]
pub struct Plan {
    pub title: String,
    /// The path prefix of QR landing pages, like `/q/` (or `/campaign/q/` under a base path).
    pub prefix: String,
    pub units: Vec<Unit>,
    pub items: Vec<Item>,
    pub channels: Vec<Channel>,
    pub rows: Vec<Row>,
    /// The survey questions the site asks (the standard ones unless its survey form lists its own).
    pub questions: Vec<super::survey::Question>,
    lookup: HashMap<String, Target>,
}

impl Plan {
    /// The plan of a loaded site. Planned copies are read from the order sheet's own rows, so the report
    /// and `print/order.csv` can never disagree.
    pub fn from_site(site: &Site) -> Plan {
        let print = &site.campaign.print;
        let mut units: Vec<Unit> = print.units.iter().map(|u| Unit { id: u.id.clone(), name: u.name.clone(), landing: true }).collect();
        let mut planned: HashMap<(String, String), u32> = HashMap::new();
        let order = crate::print::order::rows(print);
        let mut order = order.iter();
        for item in &print.items {
            for variant in item.variants() {
                if let Some(row) = order.next() {
                    planned.insert((variant.to_string(), item.id.clone()), row.copies);
                }
            }
        }
        // The paper forms are the office's own tools, not campaign material: nobody scans, delivers or
        // puts them up, so the plan leaves them out (the order sheet lists them for printing).
        let material: Vec<&crate::print::PrintItem> = print.items.iter().filter(|i| i.spec.form.is_none()).collect();
        let items: Vec<Item> = material.iter().map(|i| Item { id: i.id.clone(), title: i.title.clone(), kind: i.kind }).collect();
        if material.iter().any(|i| i.units.is_empty()) {
            units.push(Unit { id: TOWN_VARIANT.into(), name: "全镇".into(), landing: false });
        }
        let mut rows = Vec::new();
        for (u, unit) in units.iter().enumerate() {
            if unit.landing {
                rows.push(Row { unit: u, item: None, planned: None });
            }
            for (i, item) in material.iter().enumerate() {
                if item.variants().contains(&unit.id.as_str()) {
                    rows.push(Row { unit: u, item: Some(i), planned: planned.get(&(unit.id.clone(), item.id.clone())).copied() });
                }
            }
        }
        let channels: Vec<Channel> = site.campaign.channels.iter().map(|c| Channel { id: c.id.clone(), title: c.title.clone() }).collect();
        let base_path = site.config.base_url.split_once("://").map(|(_, rest)| rest).unwrap_or(&site.config.base_url);
        let base_path = base_path.find('/').map(|i| &base_path[i..]).unwrap_or("").trim_end_matches('/');
        let prefix = format!("{base_path}/{}/", site.config.channels.short_path.trim_matches('/'));
        let mut plan = Plan::new(site.config.title.clone(), prefix, units, items, channels, rows);
        if !print.questions.is_empty() {
            plan.questions = print.questions.clone();
        }
        plan
    }

    /// A plan from its parts (the lookup table is derived).
    pub fn new(title: String, prefix: String, units: Vec<Unit>, items: Vec<Item>, channels: Vec<Channel>, rows: Vec<Row>) -> Plan {
        let mut lookup = HashMap::new();
        for (r, row) in rows.iter().enumerate() {
            let key = match row.item {
                None => units[row.unit].id.clone(),
                Some(i) => format!("{}/{}", units[row.unit].id, items[i].id),
            };
            lookup.insert(key, Target::Row(r));
        }
        for (c, channel) in channels.iter().enumerate() {
            lookup.entry(channel.id.clone()).or_insert(Target::Channel(c));
        }
        Plan { title, prefix, units, items, channels, rows, questions: super::survey::standard(), lookup }
    }

    pub fn unit_index(&self, id: &str) -> Option<usize> {
        self.units.iter().position(|u| u.id == id)
    }

    pub fn item_index(&self, id: &str) -> Option<usize> {
        self.items.iter().position(|i| i.id == id)
    }

    /// The row of a unit's variant of an item, if that item was printed for that unit.
    pub fn row_of(&self, unit: usize, item: usize) -> Option<usize> {
        self.rows.iter().position(|r| r.unit == unit && r.item == Some(item))
    }

    /// Item ids printed for a unit, for hints.
    pub fn items_of(&self, unit: usize) -> Vec<&str> {
        self.rows.iter().filter(|r| r.unit == unit).filter_map(|r| r.item).map(|i| self.items[i].id.as_str()).collect()
    }

    /// Classifies a request target. `None`: not a QR address at all. `Some(Ok)`: a known landing page.
    /// `Some(Err)`: a QR address that names no unit, item or channel, with the part after the prefix.
    pub fn classify<'a>(&self, target: &'a [u8]) -> Option<Result<Target, (Unknown, &'a [u8])>> {
        let path = target.split(|&b| b == b'?' || b == b'#').next().unwrap_or_default();
        let rest = path.strip_prefix(self.prefix.as_bytes()).or_else(|| {
            // `/q` alone, or `/q/x` typed without the final slash.
            let bare = &self.prefix.as_bytes()[..self.prefix.len() - 1];
            path.strip_prefix(bare).filter(|r| r.is_empty())
        })?;
        let rest = rest.strip_suffix(b"index.html").unwrap_or(rest);
        let rest = rest.strip_suffix(b"/").unwrap_or(rest);
        // Ids are lower case; a scanner app that upper-cases the address still reached the page.
        let key = String::from_utf8_lossy(rest).to_ascii_lowercase();
        if let Some(target) = self.lookup.get(&key) {
            return Some(Ok(*target));
        }
        let first = key.split('/').next().unwrap_or_default();
        let kind = if self.units.iter().any(|u| u.id == first) || self.channels.iter().any(|c| c.id == first) { Unknown::Item } else { Unknown::Unit };
        Some(Err((kind, rest)))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Two units, a poster for both, a letter for `a` only, a town-wide poster and one channel.
    pub(crate) fn sample() -> Plan {
        let units = vec![
            Unit { id: "a".into(), name: "甲村".into(), landing: true },
            Unit { id: "b".into(), name: "乙村".into(), landing: true },
            Unit { id: "town".into(), name: "全镇".into(), landing: false },
        ];
        let items = vec![
            Item { id: "p".into(), title: "海报".into(), kind: ItemKind::Poster },
            Item { id: "l".into(), title: "信".into(), kind: ItemKind::Letter },
            Item { id: "t".into(), title: "全镇海报".into(), kind: ItemKind::Poster },
        ];
        let rows = vec![
            Row { unit: 0, item: None, planned: None },
            Row { unit: 0, item: Some(0), planned: Some(3) },
            Row { unit: 0, item: Some(1), planned: Some(100) },
            Row { unit: 1, item: None, planned: None },
            Row { unit: 1, item: Some(0), planned: Some(3) },
            Row { unit: 2, item: Some(2), planned: Some(5) },
        ];
        let channels = vec![Channel { id: "hotline".into(), title: "举报电话".into() }];
        Plan::new("测试镇".into(), "/q/".into(), units, items, channels, rows)
    }

    #[test]
    fn classifies_addresses() {
        let plan = sample();
        let c = |t: &str| plan.classify(t.as_bytes()).map(|r| r.map_err(|(k, _)| k));
        assert_eq!(c("/q/a/"), Some(Ok(Target::Row(0))));
        assert_eq!(c("/q/a/p/"), Some(Ok(Target::Row(1))));
        assert_eq!(c("/q/a/p/?from=singlemessage"), Some(Ok(Target::Row(1))));
        assert_eq!(c("/q/a/p/index.html"), Some(Ok(Target::Row(1))));
        assert_eq!(c("/Q/A/P/"), None, "the prefix is case-sensitive like the server");
        assert_eq!(c("/q/A/P/"), Some(Ok(Target::Row(1))));
        assert_eq!(c("/q/a/p"), Some(Ok(Target::Row(1))));
        assert_eq!(c("/q/town/t/"), Some(Ok(Target::Row(5))));
        assert_eq!(c("/q/hotline/"), Some(Ok(Target::Channel(0))));
        assert_eq!(c("/q/b/l/"), Some(Err(Unknown::Item)), "the letter was not printed for b");
        assert_eq!(c("/q/a/zz/"), Some(Err(Unknown::Item)));
        assert_eq!(c("/q/zz/"), Some(Err(Unknown::Unit)));
        assert_eq!(c("/q/"), Some(Err(Unknown::Unit)));
        assert_eq!(c("/qa/"), None);
        assert_eq!(c("/news/"), None);
    }
}

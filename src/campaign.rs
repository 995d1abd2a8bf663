//! The campaign layer: reporting channels, units and print items (with notices and slogans), built
//! and checked from the loaded [`Library`]. Content loading knows their front matter but not their
//! rules; everything that decides what a resident reads (labels, numbers, landing pages) comes from
//! here, so pages, sheets and `/verify/` cannot disagree.

use std::path::Path;

use crate::channels::{Channel, Channels};
use crate::config::Config;
use crate::content::{Library, LoadOptions};
use crate::error::Errors;
use crate::print::Print;

/// What the campaign is made of, beside the content it was built from.
#[derive(Debug, Default)]
pub struct Campaign {
    /// Reporting channels, primary first.
    pub channels: Channels,
    /// Units, print items, notices, slogans and LED texts.
    pub print: Print,
}

impl Campaign {
    /// Builds the campaign from `library`, adding every problem to `errors`, and checks that no two
    /// pages, short links or generated pages want one URL.
    pub fn collect(library: &Library, config: &Config, options: &LoadOptions, errors: &mut Errors) -> Campaign {
        let channels = crate::channels::collect(library, config, errors);
        let print = Print::collect(library, &channels, config, options.today, errors);
        let mut short_links: Vec<(&str, &Path, &str)> = Vec::new();
        short_links.extend(channels.iter().map(|c| (c.short_path.as_str(), library.pages[c.page].file.as_path(), "channel's short link")));
        short_links.extend(print.units.iter().map(|u| (u.short_path.as_str(), library.pages[u.page].file.as_path(), "unit's short link")));
        library.check_unique_urls(config, &short_links, errors);
        errors.sort();
        Campaign { channels, print }
    }

    /// The channel with `id`.
    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.get(id)
    }
}

/// Loads `content/` under `root` and builds the campaign from it, collecting every problem; what
/// could not be loaded is left out, so `placard check` can go on looking for more.
pub fn load_partial(root: &Path, config: &Config, options: &LoadOptions) -> Result<(Library, Campaign, Errors), Errors> {
    let (library, mut errors) = Library::load_partial(root, config, options)?;
    let campaign = Campaign::collect(&library, config, options, &mut errors);
    Ok((library, campaign, errors))
}

/// [`load_partial`], failing when anything is wrong; the warnings come back beside the result.
pub fn load(root: &Path, config: &Config, options: &LoadOptions) -> Result<(Library, Campaign, Errors), Errors> {
    let (library, campaign, errors) = load_partial(root, config, options)?;
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok((library, campaign, errors))
    }
}

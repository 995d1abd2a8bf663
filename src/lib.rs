//! placard: a static site generator for public-awareness campaigns.
//!
//! The pipeline follows the data: [`config`] → [`content`] (a [`content::Library`]) → [`campaign`]
//! (channels, units and print items built from it) → [`markdown`] and [`render`] (pages through
//! Tera) → outputs ([`feeds`], [`search`], [`print`] sheets) → [`output`] (one atomic writer).
//! [`site`] orchestrates a build.

pub mod article;
pub mod browser;
pub mod campaign;
pub mod channels;
pub mod check;
pub mod config;
pub mod contacts;
pub mod content;
pub mod error;
pub mod feeds;
pub mod highlight;
pub mod html;
pub mod images;
pub mod init;
pub mod locations;
pub mod markdown;
pub mod output;
pub mod pack;
pub mod phone;
pub mod print;
pub mod qr;
pub mod render;
pub mod sass;
pub mod search;
mod serde_errors;
pub mod serve;
pub mod sheets;
pub mod site;
pub mod spill;
pub mod stats;
pub mod text;
pub mod timing;
pub mod urls;

pub use error::{Error, Errors};
pub use site::{build, BuildOptions, BuildReport, Site};

//! Template functions that Zola sites use and placard's own functions do not cover: `get_hash`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256, Sha384, Sha512};
use tera::Tera;

use super::functions::SiteData;

/// Registers the functions of this module on `tera`.
pub fn register(tera: &mut Tera, data: Arc<SiteData>) {
    tera.register_function("get_hash", move |args: &HashMap<String, Value>| get_hash(&data, args));
}

/// `get_hash(path=… | literal=…, sha_type=256|384|512, base64=true)`: the digest of a file of the
/// site or of a text, in base64 (for `integrity="sha384-…"`) or, with `base64=false`, in hex.
fn get_hash(data: &SiteData, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let bytes = match (args.get("path"), args.get("literal")) {
        (Some(Value::String(path)), None) => {
            let file = find_file(data, path).ok_or_else(|| {
                format!("get_hash: `{path}` is not a file of the site (looked in the site folder, static/, content/ and the theme's static/)")
            })?;
            std::fs::read(&file).map_err(|e| format!("get_hash: could not read `{}`: {e}", file.display()))?
        }
        (None, Some(Value::String(text))) => text.as_bytes().to_vec(),
        _ => return Err("get_hash needs either path=\"file\" or literal=\"text\", not both".into()),
    };
    let sha_type = match args.get("sha_type") {
        None => 384,
        Some(v) => v.as_u64().filter(|n| matches!(n, 256 | 384 | 512)).ok_or("get_hash: sha_type must be 256, 384 or 512")?,
    };
    let base64 = match args.get("base64") {
        None => true,
        Some(v) => v.as_bool().ok_or("get_hash: base64 must be true or false")?,
    };
    let digest = match sha_type {
        256 => Sha256::digest(&bytes).to_vec(),
        384 => Sha384::digest(&bytes).to_vec(),
        _ => Sha512::digest(&bytes).to_vec(),
    };
    Ok(Value::String(encode(&digest, base64)))
}

fn encode(digest: &[u8], base64: bool) -> String {
    if base64 {
        base64::engine::general_purpose::STANDARD.encode(digest)
    } else {
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Where Zola looks for a file named in a template: the site folder, `static/`, `content/`, then the
/// theme's `static/`. A path leading out of those folders is never read.
fn find_file(data: &SiteData, path: &str) -> Option<PathBuf> {
    let relative = crate::urls::clean_url_path(path).ok()?;
    let relative = relative.trim_matches('/');
    if relative.is_empty() {
        return None;
    }
    let mut bases = vec![data.root.clone(), data.root.join("static"), data.root.join("content")];
    if let Some(theme) = &data.config.theme {
        bases.push(data.root.join("themes").join(theme).join("static"));
    }
    let file = bases.into_iter().map(|b| b.join(relative)).find(|f| f.is_file())?;
    // A link inside the site may point anywhere; only files that really sit in the site are read.
    let root = if data.root.as_os_str().is_empty() { Path::new(".") } else { data.root.as_path() };
    let site = root.canonicalize().ok()?;
    file.canonicalize().ok().filter(|real| real.starts_with(&site))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_known_values() {
        // The SHA-256 of "abc", from FIPS 180-2.
        let digest = Sha256::digest(b"abc");
        assert_eq!(encode(&digest, false), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(encode(&digest, true), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    }
}

//! The example site in a real headless Chromium: Chinese text renders, nothing is requested from any
//! other host, there are no console errors, and nothing overflows a small phone screen.
//! Skips when Chromium is missing, unless PLACARD_REQUIRE_TOOLS=1.

mod common;

use std::time::Duration;

use common::*;
use placard::browser::{find_chromium, Browser};
use serde_json::json;

#[test]
fn example_site_renders_privately_without_errors_on_a_phone() {
    let Some(chromium) = require_tool("chromium", find_chromium()) else { return };
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("public");
    // Serve first to learn the port, then build with that base URL.
    let base = serve(&public);
    assert_ok(&build(&repo(), &public, &["--base-url", &base]));

    let mut browser = Browser::launch(&chromium).expect("start chromium");
    let pages = [
        ("/", "青禾镇"),
        ("/policies/", "政策解读"),
        ("/policies/%E4%BB%80%E4%B9%88%E6%98%AF%E9%BB%91%E6%81%B6%E5%8A%BF%E5%8A%9B/", "黑社会性质组织"),
        ("/notices/xuanshang-tonggao/", "悬赏通告"),
        ("/news/", "工作动态"),
        ("/news/page/2/", "工作动态"),
        ("/ledger/", "整改台账"),
        ("/targets/", "十类重点打击对象"),
        ("/no-such-page/", "页面未找到"),
    ];
    for (path, expected) in pages {
        let (target, session) = browser.new_page().unwrap();
        let s = Some(session.as_str());
        for domain in ["Page.enable", "Network.enable", "Runtime.enable", "Log.enable"] {
            browser.call(domain, json!({}), s).unwrap();
        }
        // A cheap phone: 360 CSS pixels wide.
        browser.call("Emulation.setDeviceMetricsOverride", json!({"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": true}), s).unwrap();
        browser.events.clear();
        browser.call("Page.navigate", json!({"url": format!("{base}{path}")}), s).unwrap();
        browser.wait_for("Page.loadEventFired", Duration::from_secs(20)).unwrap();
        let probe = "JSON.stringify({text: document.body.innerText, overflow: document.documentElement.scrollWidth - window.innerWidth, lang: document.documentElement.lang})";
        let result = browser.call("Runtime.evaluate", json!({"expression": probe, "returnByValue": true}), s).unwrap();
        let report: serde_json::Value = serde_json::from_str(result["result"]["value"].as_str().unwrap()).unwrap();

        let text = report["text"].as_str().unwrap();
        assert!(text.contains(expected), "{path}: expected `{expected}` in the page text");
        assert_eq!(report["lang"], "zh-CN", "{path}");
        assert!(report["overflow"].as_i64().unwrap() <= 0, "{path} is wider than a 360 px phone by {} px", report["overflow"]);
        for event in &browser.events {
            let method = event["method"].as_str().unwrap_or("");
            if event["sessionId"].as_str() != Some(&session) {
                continue;
            }
            if method == "Network.requestWillBeSent" {
                let url = event["params"]["request"]["url"].as_str().unwrap_or("");
                assert!(url.starts_with(&base) || url.starts_with("data:"), "{path} requested another host: {url}");
            }
            assert_ne!(method, "Runtime.exceptionThrown", "{path}: {event}");
            if method == "Runtime.consoleAPICalled" {
                assert_ne!(event["params"]["type"], "error", "{path}: console error {event}");
            }
            if method == "Log.entryAdded" && event["params"]["entry"]["level"] == "error" {
                // The deliberate 404 page is the one place a 404 response is expected.
                let expected_404 = path == "/no-such-page/" && event["params"]["entry"]["text"].as_str().unwrap_or("").contains("404");
                assert!(expected_404, "{path}: browser error {event}");
            }
        }
        browser.close_page(&target).unwrap();
    }
}

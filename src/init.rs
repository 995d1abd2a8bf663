//! `placard init`: a small, working campaign site to start from, using the built-in default theme.

use std::path::Path;

use crate::error::Error;

const FILES: &[(&str, &str)] = &[
    (
        "config.toml",
        r#"base_url = "https://www.example.gov.cn"
title = "某某镇常态化扫黑除恶"
description = "政策解读、举报渠道与工作动态"
default_language = "zh-CN"
theme = "default"
generate_feeds = true
taxonomies = [{ name = "tags", paginate_by = 10 }]

[markdown]
allow_html = false

[extra]
issuer = "某某镇扫黑除恶专项斗争领导小组办公室"
menu = [
  { name = "首页", url = "@/_index.md" },
  { name = "工作动态", url = "@/news/_index.md" },
]
"#,
    ),
    (
        "content/_index.md",
        r#"+++
title = "常态化扫黑除恶"
+++

欢迎访问本镇常态化扫黑除恶专题网站。发现黑恶势力违法犯罪线索，请通过举报渠道反映，我们对举报人信息严格保密。
"#,
    ),
    (
        "content/news/_index.md",
        r#"+++
title = "工作动态"
sort_by = "date"
paginate_by = 10
+++
"#,
    ),
    (
        "content/news/first.md",
        r#"+++
title = "我镇召开常态化扫黑除恶工作部署会"
date = 2026-01-15
[taxonomies]
tags = ["动员部署"]
+++

会议传达了上级有关文件精神，对全年工作作出部署。

<!-- more -->

## 下一步工作

- 开展进村入户宣传；
- 在集市、学校、车站张贴宣传海报；
- 公布举报电话、邮箱和举报箱位置。
"#,
    ),
];

/// Creates a new site in `dir`, which must be missing or empty so that nothing is overwritten.
pub fn init(dir: &Path) -> Result<Vec<String>, Error> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, "read", e))?;
        if entries.next().is_some() {
            return Err(Error::new(format!("`{}` is not empty", dir.display())).with_hint("choose a new folder name; placard init never overwrites files"));
        }
    }
    let mut written = Vec::new();
    for (relative, text) in FILES {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create the folder", e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, "write", e))?;
        written.push(relative.to_string());
    }
    Ok(written)
}

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
issuer = "某某镇扫黑除恶斗争领导小组办公室"
menu = [
  { name = "首页", url = "@/_index.md" },
  { name = "工作动态", url = "@/news/_index.md" },
  { name = "通知公告", url = "@/notices/_index.md" },
  { name = "举报渠道", url = "@/channels/_index.md" },
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
    (
        "content/channels/_index.md",
        r#"+++
title = "举报渠道"
sort_by = "weight"
template = "channels.html"
[extra]
home = false
+++

发现黑恶势力违法犯罪线索，可以选择下面任何一种方式举报。举报人的信息一律严格保密。
"#,
    ),
    (
        "content/channels/hotline.md",
        r#"+++
title = "镇扫黑办举报电话"
weight = 1
[channel]
id = "hotline"
kind = "phone"
# 示例号码：换成本镇的真实举报电话。所有页面、海报和信件都从这里取号码。
value = "0123-6100000"
hours = "工作日 8:30—17:30"
answered_by = "镇扫黑办"
primary = true
+++

拨通后请说明线索涉及的人员、地点和大致时间，可以匿名举报。
"#,
    ),
    (
        "content/channels/village-box.md",
        r#"+++
title = "某某村举报箱"
weight = 2
[channel]
id = "village-box"
kind = "box"
value = "某某村村委会门口"
hours = "每周一上午由镇扫黑办两名工作人员共同开箱"
answered_by = "镇扫黑办"
+++

钥匙由镇扫黑办专人保管，村干部不保管钥匙。
"#,
    ),
    (
        "content/units/_index.md",
        r#"+++
title = "村（社区）"
sort_by = "weight"
[extra]
home = false
+++
"#,
    ),
    (
        "content/units/village.md",
        r#"+++
title = "某某村"
[unit]
id = "village"
name = "某某村"
kind = "村"
channels = ["village-box"]
households = 300
contact_title = "村党支部书记"
+++

某某村的举报箱和联系方式。
"#,
    ),
    (
        "content/posters/_index.md",
        r#"+++
title = "宣传海报"
+++
"#,
    ),
    (
        "content/posters/market.md",
        r#"+++
title = "集市宣传海报"
[poster]
size = "A3"
channels = ["hotline"]
units = "all"
copies = 2
+++

# 扫黑除恶 人人有责

- 举报有奖，查证属实的依规给予奖励；
- 举报人信息严格保密。
"#,
    ),
    (
        "content/letters/_index.md",
        r#"+++
title = "致居民的一封信"
+++
"#,
    ),
    (
        "content/letters/to-residents.md",
        r#"+++
title = "致居民的一封信"
[letter]
salutation = "全镇居民朋友们"
date = 2026-01-20
channels = ["hotline"]
units = "all"
+++

为了建设平安家园，我镇持续开展常态化扫黑除恶斗争。发现黑恶势力违法犯罪线索，请拨打镇扫黑办举报电话 {{ contact(id="hotline") }}，或者投递到村委会门口的举报箱。我们对举报人信息严格保密。
"#,
    ),
    (
        "content/notices/_index.md",
        r#"+++
title = "通知公告"
sort_by = "date"
+++
"#,
    ),
    (
        "content/notices/reward.md",
        r#"+++
title = "关于征集黑恶势力违法犯罪线索的通告"
date = 2026-01-20
expires = 2027-12-31
+++

现面向社会征集黑恶势力违法犯罪线索。举报电话：{{ contact(id="hotline") }}（{{ contact(id="hotline", show="hours") }}）。查证属实的，依规给予奖励；举报人信息严格保密。
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

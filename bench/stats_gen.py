#!/usr/bin/env python3
"""Generates a web server access log (combined format) for benchmarking `placard stats`.

    python3 bench/stats_gen.py --lines 1000000 --out /dev/shm/access.log [--gzip] [--seed 1]

The log looks like a month of a township campaign site behind nginx: most requests are ordinary pages,
styles and images; about a fifth are QR landing pages of the example site's units and items (the
addresses `/q/<unit>/` and `/q/<unit>/<item>/`); the rest are crawlers, HEAD requests, errors, unknown
QR addresses and a few garbled lines. Times increase through March 2026 as in a real log. Everything
comes from random.Random(seed), so the same arguments give the same bytes. Addresses are from the
documentation ranges (203.0.113.0/24, 198.51.100.0/24, 2001:db8::/32).
"""

import argparse
import gzip
import random
import sys

# The example site (the repository root): units and the items printed for each.
UNITS = {
    "hefeng": ["zhi-jumin", "box-a4", "market-a3"],
    "dongwan": ["zhi-jumin", "box-a4", "market-a3", "school-a4"],
    "shiqiao": ["zhi-jumin", "box-a4", "market-a3", "school-a4"],
    "liuwan": ["zhi-jumin", "box-a4", "market-a3"],
    "shangping": ["zhi-jumin", "box-a4", "market-a3"],
}
CHANNELS = ["hotline", "12337", "110", "box", "dongwan-box", "hefeng-tel"]
PAGES = ["/", "/news/", "/notices/", "/policies/", "/channels/", "/ledger/", "/verify/", "/search/",
         "/news/page/2/", "/channels/hotline/", "/notices/xuanshang-tonggao/", "/style.css", "/favicon.ico",
         "/qr/hotline-40.png", "/search/index.json", "/robots.txt", "/sitemap.xml", "/atom.xml"]
PHONES = [
    "Mozilla/5.0 (Linux; Android 12; V2118A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230202 MMWEBID/{n} "
    "MicroMessenger/8.0.33.2320(0x28002151) WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_{n} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.38(0x1800262c) NetType/WIFI Language/zh_CN",
    "Mozilla/5.0 (Linux; U; Android 11; zh-cn; PDEM10 Build/RKQ1.200903.002) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/90.0.4430.61 Mobile Safari/537.36 HeyTapBrowser/40.8.{n}",
    "Mozilla/5.0 (Linux; Android 10; HarmonyOS; ELS-AN00; HMSCore 6.11.0.302) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.{n}.300 Mobile Safari/537.36",
]
CRAWLERS = ["Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
            "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "curl/7.88.1"]
MONTH_SECONDS = 31 * 24 * 3600


def address(rng):
    k = rng.randrange(3)
    if k == 0:
        return f"203.0.113.{rng.randrange(256)}"
    if k == 1:
        return f"198.51.100.{rng.randrange(256)}"
    return f"2001:db8:{rng.randrange(65536):x}::{rng.randrange(65536):x}"


def qr_path(rng):
    unit = rng.choices(list(UNITS), weights=[5, 4, 3, 2, 1])[0]
    if rng.random() < 0.2:
        return f"/q/{unit}/"
    path = f"/q/{unit}/{rng.choice(UNITS[unit])}/"
    return path + "?from=singlemessage" if rng.random() < 0.1 else path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    # A pool of visitors (address + browser), so unique counts are realistic.
    visitors = [(address(rng), rng.choice(PHONES).format(n=rng.randrange(100))) for _ in range(20000)]
    out = gzip.open(args.out, "wt", encoding="utf-8", compresslevel=6) if args.gzip else open(args.out, "w", encoding="utf-8")
    months = ["Mar"]
    with out:
        for i in range(args.lines):
            t = i * MONTH_SECONDS // args.lines
            day, rest = divmod(t, 86400)
            stamp = f"{day + 1:02d}/{months[0]}/2026:{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d} +0800"
            addr, agent = rng.choice(visitors)
            r = rng.random()
            method, status = "GET", 200
            if r < 0.70:
                path = rng.choice(PAGES)
                status = 304 if rng.random() < 0.2 else 200
            elif r < 0.92:
                path = qr_path(rng)
                status = 304 if rng.random() < 0.1 else 200
            elif r < 0.94:
                path = f"/q/{rng.choice(CHANNELS)}/"
            elif r < 0.97:
                path, agent = rng.choice([qr_path(rng), rng.choice(PAGES)]), rng.choice(CRAWLERS)
            elif r < 0.98:
                method, path = "HEAD", qr_path(rng)
            elif r < 0.99:
                path, status = qr_path(rng), rng.choice([404, 500, 502, 301])
            elif r < 0.995:
                path, status = rng.choice(["/q/dongwang/", "/q/dongwan/old-poster/", "/q/xyz/"]), 404
            else:
                out.write(f"{addr} - - [{stamp}] \"GET /q/dongwan/ HT\n" if rng.random() < 0.5 else "\\x16\\x03\\x01 garbage\n")
                continue
            size = rng.randrange(300, 30000) if status == 200 else 0
            out.write(f'{addr} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size} "-" "{agent}"\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())

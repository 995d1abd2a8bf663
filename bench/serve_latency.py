#!/usr/bin/env python3
"""Live-preview latency of `placard serve`: the time from saving a file to the edited page being served.

    python3 bench/serve_latency.py PLACARD SITE_DIR [--template templates/base.html] [--repeat 3]

Starts `placard serve --port 0` on SITE_DIR (a copy that this script may edit: the bench's sites are
generated and regenerated), waits for the first build, then for each kind of edit writes the file and
polls the page over HTTP every 5 ms until the edit shows; prints one line per edit with the
milliseconds from the write to the first answer that shows it. Edits: a page's body (a paragraph
appended), its front matter (the description), and, with --template, a template (a comment appended).
Every edit is undone at the end. Standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import time


def get(port: int, path: str) -> str:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
    r = c.getresponse()
    body = r.read().decode("utf-8", "replace")
    c.close()
    return body


def wait_for(port: int, path: str, marker: str, since: float, limit: float = 60.0) -> float:
    while True:
        try:
            if marker in get(port, path):
                return (time.perf_counter() - since) * 1000.0
        except OSError:
            pass
        if time.perf_counter() - since > limit:
            return float("nan")
        time.sleep(0.005)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("placard")
    ap.add_argument("site")
    ap.add_argument("--template", help="a template under the site to edit, e.g. templates/base.html")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()

    content = os.path.join(a.site, "content")
    # A page in the middle of the biggest section: its neighbours, listing pager and terms all re-render.
    pages = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(content, "dongtai")) for f in fs if f != "_index.md")
    page_file = pages[len(pages) // 2]
    url = "/" + os.path.relpath(page_file, content)[:-3] + "/"
    proc = subprocess.Popen([a.placard, "serve", "--root", a.site, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    originals: dict[str, str] = {}
    try:
        line = proc.stdout.readline()
        m = re.search(r"at http://127\.0\.0\.1:(\d+)/ \(built in (\d+) ms\)", line)
        if not m:
            print(f"serve did not start: {line!r}", file=sys.stderr)
            return 1
        port = int(m.group(1))
        print(f"first build: {m.group(2)} ms (page edited: {url})")
        time.sleep(1.0)  # let the watcher settle

        def edit(path: str, change) -> float:
            text = originals.setdefault(path, open(path, encoding="utf-8").read())
            new, marker = change(text)
            since = time.perf_counter()
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            ms = wait_for(port, url, marker, since)
            time.sleep(0.3)  # let the watcher go quiet before the next edit
            return ms

        kinds = [
            ("body", page_file, lambda t, k: (t + f"\n\n基准编辑段落{k}。\n", f"基准编辑段落{k}")),
            ("front matter", page_file, lambda t, k: (t.replace("description = \"", f"description = \"基准摘要{k}", 1), f"基准摘要{k}")),
        ]
        if a.template:
            tpath = os.path.join(a.site, a.template)
            kinds.append(("template", tpath, lambda t, k: (t.replace("</footer>", f"<!-- bench {k} --></footer>", 1), f"<!-- bench {k} -->")))
        for name, path, change in kinds:
            times = [edit(path, lambda t, k=k: change(t, f"{name[:1]}{k}{time.time_ns()}")) for k in range(a.repeat)]
            # Back to the original between kinds, so that each kind edits one thing.
            with open(path, "w", encoding="utf-8") as f:
                f.write(originals.pop(path))
            time.sleep(2.0 if name != "body" else 1.0)
            print(f"{name} edit served after: median {statistics.median(times):.0f} ms (runs: {', '.join(f'{t:.0f}' for t in times)})")
    finally:
        for path, text in originals.items():
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())

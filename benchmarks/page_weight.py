"""Transfer size of chosen pages of a built site, served as the browser tests serve it (text gzip-compressed).

Run: `.venv/bin/python benchmarks/page_weight.py SITE_DIR [page.html ...]` (default: the three pages with
widgets). Prints, per page, the total bytes transferred on a first visit with an empty cache (every image made
to load, lazy or not), and the share taken by the animations loaded (GIF or WebP; an animated figure loads its
animation only when the reader presses Play), the still posters shown in their place, the search index, its
HTML and its widget scripts and data.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.test_browser import CHROMIUM_CANDIDATES, QuietHandler  # noqa: E402


def main() -> None:
    from playwright.sync_api import sync_playwright

    site = Path(sys.argv[1])
    pages = sys.argv[2:] or ["convolution.html", "receptive-field.html", "filters.html"]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    chromium = next(p for p in CHROMIUM_CANDIDATES if Path(p).exists())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        for page_name in pages:
            page = browser.new_context().new_page()
            page.goto(base + page_name, wait_until="load")
            page.evaluate("""async () => { const imgs = [...document.querySelectorAll('img')];
                imgs.forEach(i => { i.loading = 'eager'; });
                await Promise.all(imgs.map(i => i.decode().catch(() => null))); }""")
            page.wait_for_timeout(300)
            entries = page.evaluate("""() => performance.getEntriesByType('navigation')
                .concat(performance.getEntriesByType('resource'))
                .map(e => [e.name, e.transferSize || e.encodedBodySize || 0])""")
            # an animated figure shows its still poster and loads the animation only when Play is pressed
            posters, played = page.evaluate("""() => {
                const imgs = [...document.querySelectorAll('img[data-cg-animation]')];
                const abs = u => new URL(u, location.href).href;
                return [imgs.map(i => abs(i.dataset.cgPoster)), imgs.map(i => abs(i.dataset.cgAnimation))]; }""")
            total = sum(b for _, b in entries)
            animations = sum(b for n, b in entries if n.endswith((".gif", ".webp")) and n not in posters)
            poster_bytes = sum(b for n, b in entries if n in posters)
            index = sum(b for n, b in entries if "search_index" in n)
            html = sum(b for n, b in entries if n.endswith(page_name))
            widgets = sum(b for n, b in entries if "/cg-" in n)
            print(f"{page_name:<24} total {total / 1024:7.0f} KiB  (animations {animations / 1024:.0f} KiB, "
                  f"posters of {len(posters)} animations {poster_bytes / 1024:.0f} KiB, search index "
                  f"{index / 1024:.0f} KiB, HTML {html / 1024:.0f} "
                  f"KiB, widget scripts and CSS {widgets / 1024:.1f} KiB)")
            page.context.close()
        browser.close()
    httpd.shutdown()


if __name__ == "__main__":
    main()

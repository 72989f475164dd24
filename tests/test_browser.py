"""Every page of the built site in headless Chromium: loads, images decode, no errors, no outside requests."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]


def chromium_path() -> str | None:
    for path in CHROMIUM_CANDIDATES:
        if os.path.exists(path):
            return path
    return shutil.which("chromium")


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but no Chromium was found; .ci/run installs Debian's chromium")
        pytest.skip("no Chromium on this machine: install Debian's 'chromium' package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(built_site: Path):
    handler = functools.partial(QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def site_pages(built_site: Path) -> list[str]:
    return sorted(
        "/" + str(p.relative_to(built_site).parent).replace(".", "").strip("/") + ("/" if p.parent != built_site else "")
        for p in built_site.rglob("index.html")
        if "assets" not in p.parts
    )


def visit(browser, url: str, **context_args):
    """Open ``url``; return (page, context, console errors, outside requests)."""
    context = browser.new_context(**context_args)
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="load")
    return page, context, errors, outside


def load_all_images(page) -> list[dict]:
    return page.evaluate(
        """async () => {
            const imgs = [...document.querySelectorAll('img')];
            for (const img of imgs) { img.loading = 'eager'; }
            await Promise.all(imgs.map(img => img.decode().catch(() => null)));
            return imgs.map(img => ({src: img.getAttribute('src'), width: img.naturalWidth, alt: img.alt}));
        }"""
    )


def test_every_page_loads_cleanly(browser, server, built_site):
    pages = site_pages(built_site)
    assert len(pages) >= 10, pages
    problems = []
    for path in pages:
        page, context, errors, outside = visit(browser, server + path)
        images = load_all_images(page)
        page.wait_for_timeout(200)
        broken = [i["src"] for i in images if i["width"] == 0]
        if errors:
            problems.append(f"{path}: console errors {errors}")
        if outside:
            problems.append(f"{path}: requests leaving 127.0.0.1 {outside}")
        if broken:
            problems.append(f"{path}: images that did not load {broken}")
        context.close()
    assert not problems, "\n".join(problems)

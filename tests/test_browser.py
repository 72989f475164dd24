"""The built site in headless Chromium, page by page.

Checks every page for: a clean load (no console errors), images that decode, no request
leaving the local server, animations with frames, ordered headings, figures with alt text
and captions, no horizontal scroll at phone width, an axe-core accessibility scan, and a
total transfer size under 1 MB. Screenshots of every page in the light and dark schemes
go to ``test-artifacts/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from PIL import Image

from .conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"  # > 0: the page scrolls sideways
MAX_PAGE_BYTES = 1_000_000


def _topic_titles() -> list[str]:
    """The nav titles of the topic pages (the glossary file's `topic: true` terms), in nav order."""
    import yaml

    from cnn_glossary.site import glossary

    from .test_site import TOPICS, _Loader

    titles = []

    def walk(entries, section=None):
        for entry in entries:
            if isinstance(entry, dict):
                (title, target), = entry.items()
                if isinstance(target, list):
                    walk(target, title)
                elif target in TOPICS:
                    titles.append(section if target == "mnist.md" and section else title)

    walk(yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=_Loader)["nav"])
    assert len(titles) == len(TOPICS), "every topic page has a nav title"
    return titles


TOPIC_TITLES = _topic_titles()


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
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"],
        )
        yield browser
        browser.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site the way a static host does: text compressed with gzip on request."""

    COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".map", ".txt", ".xml"}

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (
            path.suffix in self.COMPRESSIBLE
            and path.is_file()
            and "gzip" in self.headers.get("Accept-Encoding", "")
        ):
            body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@pytest.fixture(scope="module")
def server(built_site: Path):
    handler = functools.partial(QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def site_pages(built_site: Path) -> list[str]:
    """URL paths of every HTML page of the built site."""
    paths = []
    for p in sorted(built_site.rglob("*.html")):
        rel = p.relative_to(built_site).as_posix()
        if rel.startswith("assets/") or rel == "404.html":
            continue
        paths.append("/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
    return paths


class Visit:
    """One page opened in a fresh browser context, with its errors and requests recorded.

    Every request the context makes (pages and their workers) is recorded; one for any host
    other than the local server is an "outside" request. The browser itself is started with a
    host-resolver rule that maps every other host to nowhere, so nothing can leave anyway.
    """

    def __init__(self, browser, url: str, **context_args):
        self.context = browser.new_context(**context_args)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.context.on("request", self._record)
        self.page.goto(url, wait_until="load")

    def _record(self, request):
        url = request.url
        if not url.startswith(("data:", "blob:")) and urlparse(url).hostname not in ("127.0.0.1", "localhost"):
            self.outside.append(url)

    def load_images(self) -> list[dict]:
        return self.page.evaluate(
            """async () => {
                const imgs = [...document.querySelectorAll('img')];
                imgs.forEach(img => { img.loading = 'eager'; });
                await Promise.all(imgs.map(img => img.decode().catch(() => null)));
                return imgs.map(img => ({
                    src: img.getAttribute('src'), width: img.naturalWidth, alt: img.getAttribute('alt') || '',
                    inArticle: !!img.closest('article'),
                    caption: (img.closest('figure')?.querySelector('figcaption')?.textContent || '').trim(),
                }));
            }"""
        )

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def pages(built_site):
    found = site_pages(built_site)
    assert len(found) >= 10, found
    return found


@pytest.fixture(scope="module")
def desktop(browser, server, pages) -> dict[str, dict]:
    """Every page opened once at desktop width in a fresh context (an empty cache), with what the checks
    below read: outside requests, images, heading levels, transfer size, the axe-core scan of the article
    (after the size is read, so its script cannot add to it), the console errors seen until the scan ends,
    and last, the same page narrowed to a phone's width: how far it then overflows the screen."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    seen = {}
    for path in pages:
        visit = Visit(browser, server + path)
        images = visit.load_images()
        seen[path] = {
            "images": images,
            "levels": visit.page.evaluate(
                "[...document.querySelectorAll('article h1, article h2, article h3, article h4, article h5, "
                "article h6')].map(h => Number(h.tagName[1]))"
            ),
            "bytes": visit.page.evaluate(
                """() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
                     .reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0)"""
            ),
            "violations": axe.run(visit.page, context={"include": [["article"]]}).response["violations"],
        }
        seen[path]["errors"], seen[path]["outside"] = list(visit.errors), list(visit.outside)
        visit.page.set_viewport_size(PHONE)  # media queries and layout follow at once; no second visit needed
        seen[path]["phone_overflow"] = visit.page.evaluate(OVERFLOW)
        visit.close()
    return seen


def test_pages_load_cleanly_with_images_and_nothing_external(desktop):
    problems = []
    for path, seen in desktop.items():
        if seen["errors"]:
            problems.append(f"{path}: console errors {seen['errors']}")
        if seen["outside"]:
            problems.append(f"{path}: requests leaving 127.0.0.1 {seen['outside']}")
        for img in seen["images"]:
            if img["width"] == 0:
                problems.append(f"{path}: image did not load: {img['src']}")
            if img["inArticle"] and (len(img["alt"]) < 10 or not img["caption"]):
                problems.append(f"{path}: figure without meaningful alt text and caption: {img['src']}")
    assert not problems, "\n".join(problems)


def test_outside_requests_are_caught(browser, server, pages):
    """The request guard itself works: a page that asks for an outside URL is reported."""
    visit = Visit(browser, server + pages[0])
    visit.page.evaluate("fetch('http://example.invalid/x.png').catch(() => null)")
    visit.page.wait_for_timeout(300)
    visit.close()
    assert any("example.invalid" in u for u in visit.outside)


def test_animations_have_frames(built_site, pages):
    """Every animation the Convolution page links to (one per row of the table) is an image with many frames, and
    the still shown in its place has one."""
    from cnn_glossary.conv_table import CONV_TABLE

    html = (built_site / "convolution.html").read_text()
    linked = re.findall(r'<a class="cg-animation-link" href="([^"]+)">', html)
    played = re.findall(r'data-cg-animation="([^"]+)"', html)
    stills = re.findall(r'<img src="([^"]+)"[^>]* data-cg-poster="([^"]+)"', html)
    assert len(linked) == len(CONV_TABLE), linked
    assert played == linked, "the Play button and the link must open the same file"
    assert len(stills) == len(CONV_TABLE) and all(src == poster for src, poster in stills), stills
    for src in linked:
        with Image.open(built_site / src) as im:
            assert im.format in ("GIF", "WEBP") and getattr(im, "n_frames", 1) > 1, src
    for src, _ in stills:
        with Image.open(built_site / src) as im:
            assert getattr(im, "n_frames", 1) == 1, src


def _animated_figures(page) -> list[dict]:
    return page.evaluate(
        """() => [...document.querySelectorAll('figure.cg-animation')].map(f => {
            const img = f.querySelector('img'), b = f.querySelector('button');
            const abs = u => new URL(u, location.href).href;
            return {src: img.src, alt: img.alt, poster: abs(img.dataset.cgPoster), posterAlt: img.dataset.cgPosterAlt,
                    animation: abs(img.dataset.cgAnimation), animationAlt: img.dataset.cgAnimationAlt,
                    loaded: img.complete && img.naturalWidth > 0,
                    button: b && {text: b.textContent.trim(), pressed: b.getAttribute('aria-pressed'),
                                  visible: !!(b.offsetWidth || b.offsetHeight), type: b.type}};
        })"""
    )


def _requested(page) -> list[str]:
    return page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")


def test_animations_are_still_on_load_each_with_a_play_button(browser, server):
    from cnn_glossary.conv_table import CONV_TABLE

    visit = Visit(browser, server + "/convolution.html", reduced_motion="no-preference")
    visit.load_images()  # every image made to load, as if the reader scrolled past all of them
    visit.page.wait_for_timeout(300)
    figures, requested = _animated_figures(visit.page), set(_requested(visit.page))
    visit.close()
    assert len(figures) == len(CONV_TABLE), figures
    for f in figures:
        assert f["src"] == f["poster"] and f["alt"] == f["posterAlt"] and f["loaded"], f
        assert f["alt"].startswith("The finished output of the animation"), f["alt"]
        assert f["button"] == {"text": "Play", "pressed": "false", "visible": True, "type": "button"}, f
        assert f["poster"] in requested, f
    fetched = sorted(f["animation"] for f in figures if f["animation"] in requested)
    assert not fetched, f"animations requested before any Play was pressed: {fetched}"


def _press(page, index: int, key: str) -> None:
    button = page.locator("figure.cg-animation button").nth(index)
    button.focus()
    page.keyboard.press(key)


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_play_by_keyboard_swaps_in_the_animation_and_stop_returns_the_still(built_site, browser, server, key):
    visit = Visit(browser, server + "/convolution.html")
    page = visit.page
    page.locator("figure.cg-animation").first.scroll_into_view_if_needed()
    first = _animated_figures(page)
    for index in (0, len(first) - 1):
        _press(page, index, key)
        page.wait_for_function(
            "i => { const img = document.querySelectorAll('figure.cg-animation img')[i];"
            " return img.src === new URL(img.dataset.cgAnimation, location.href).href && img.complete"
            " && img.naturalWidth > 0; }", arg=index, timeout=10_000)
        playing = _animated_figures(page)
        assert playing[index]["src"] == playing[index]["animation"], playing[index]
        assert playing[index]["alt"] == playing[index]["animationAlt"] and playing[index]["alt"].startswith("Animation")
        assert playing[index]["button"]["text"] == "Stop" and playing[index]["button"]["pressed"] == "true"
        assert page.evaluate("document.activeElement.classList.contains('cg-animation-toggle')"), "focus left the button"
        others = [f for i, f in enumerate(playing) if i != index]
        assert all(f["src"] == f["poster"] and f["button"]["text"] == "Play" for f in others), "only one plays"
        assert playing[index]["animation"] in _requested(page)
        path = playing[index]["animation"].removeprefix(server + "/")
        with Image.open(built_site / path) as im:  # what the browser was given animates
            assert getattr(im, "n_frames", 1) > 1, path
        _press(page, index, key)  # Stop
        stopped = _animated_figures(page)[index]
        assert stopped["src"] == stopped["poster"] and stopped["alt"] == stopped["posterAlt"], stopped
        assert stopped["button"]["text"] == "Play" and stopped["button"]["pressed"] == "false", stopped
    errors = list(visit.errors)
    visit.close()
    assert not errors, errors


def test_animation_script_sets_each_figure_up_once(browser, server):
    """Run the script a second time (as instant navigation would): one click still toggles once, one button each."""
    from cnn_glossary.conv_table import CONV_TABLE

    visit = Visit(browser, server + "/convolution.html")
    page = visit.page
    page.add_script_tag(url=server + "/assets/cg-animation.js")
    page.locator("figure.cg-animation button").first.click()
    after = _animated_figures(page)[0]
    buttons = page.locator("figure.cg-animation button").count()
    visit.close()
    assert after["button"]["text"] == "Stop" and after["src"] == after["animation"], after
    assert buttons == len(CONV_TABLE)


def test_play_works_on_the_page_opened_from_disk(browser, built_site):
    visit = Visit(browser, (built_site / "convolution.html").as_uri())
    page = visit.page
    page.locator("figure.cg-animation button").first.click(timeout=5_000)  # hidden if the script did not run
    page.wait_for_function("() => { const img = document.querySelector('figure.cg-animation img');"
                           " return img.src.endsWith(img.dataset.cgAnimation.split('/').pop()) && img.complete"
                           " && img.naturalWidth > 0; }", timeout=10_000)
    text = page.locator("figure.cg-animation button").first.text_content()
    errors = list(visit.errors)
    visit.close()
    assert text == "Stop" and not errors, (text, errors)


def test_without_javascript_the_still_links_to_the_animation_and_no_button_shows(browser, server):
    from cnn_glossary.conv_table import CONV_TABLE

    visit = Visit(browser, server + "/convolution.html", java_script_enabled=False)
    page = visit.page
    seen = page.evaluate(
        """() => [...document.querySelectorAll('figure.cg-animation')].map(f => {
            const link = f.querySelector('a.cg-animation-link'), b = f.querySelector('button');
            return {linked: !!(link && link.contains(f.querySelector('img'))), href: link && link.href,
                    animation: new URL(f.querySelector('img').dataset.cgAnimation, location.href).href,
                    buttonShown: !!(b.offsetWidth || b.offsetHeight)};
        })"""
    )
    visit.close()
    assert len(seen) == len(CONV_TABLE), seen
    for f in seen:
        assert f["linked"] and f["href"] == f["animation"] and not f["buttonShown"], f


def test_headings_are_in_order(desktop):
    problems = []
    for path, seen in desktop.items():
        levels = seen["levels"]
        if not levels or levels[0] != 1 or levels.count(1) != 1:
            problems.append(f"{path}: expected exactly one h1 first, got {levels}")
        for a, b in zip(levels, levels[1:]):
            if b > a + 1:
                problems.append(f"{path}: heading level jumps from h{a} to h{b}")
    assert not problems, "\n".join(problems)


def test_phone_width_has_no_horizontal_scroll(desktop):
    problems = []
    for path, seen in desktop.items():
        overflow = seen["phone_overflow"]
        if overflow > 0:
            problems.append(f"{path}: page is {overflow}px wider than a {PHONE['width']}px screen")
    assert not problems, "\n".join(problems)


def test_phone_width_check_sees_a_page_that_overflows(browser, server, pages):
    """The phone check narrows an open page; a 600-pixel-wide block in the article must then show as overflow."""
    visit = Visit(browser, server + pages[0])
    visit.page.evaluate("document.querySelector('article').insertAdjacentHTML('beforeend',"
                        " '<div style=\"width:600px;height:10px\"></div>')")
    visit.page.set_viewport_size(PHONE)
    overflow = visit.page.evaluate(OVERFLOW)
    visit.close()
    assert overflow > 0, overflow


@pytest.mark.long  # every page at two widths in two themes: for people to look at; make test-long and CI
def test_screenshots_in_light_and_dark(browser, server, pages):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        for path in pages:
            visit = Visit(browser, server + path, color_scheme=scheme, viewport={"width": 1280, "height": 900})
            visit.load_images()
            name = (path.strip("/").replace("/", "_").removesuffix(".html") or "index")
            out = SCREENSHOTS / f"{name}-{scheme}.png"
            visit.page.screenshot(path=str(out), full_page=True)
            actual = visit.page.evaluate("document.body.getAttribute('data-md-color-scheme')")
            visit.close()
            assert actual == ("slate" if scheme == "dark" else "default"), (path, scheme, actual)
            assert out.stat().st_size > 10_000
    print(f"\nscreenshots written to {SCREENSHOTS}")


def test_accessibility_scan(desktop):
    problems = []
    for path, seen in desktop.items():
        for v in seen["violations"]:
            targets = [n["target"] for n in v["nodes"]][:3]
            problems.append(f"{path}: {v['id']} ({v['impact']}): {v['help']} at {targets}")
    assert not problems, "\n".join(problems)


def test_search_finds_every_topic(browser, server, pages):
    """Each topic's title, typed key by key into the search box of one open page, lists that topic."""
    visit = Visit(browser, server + pages[0])
    page = visit.page
    missing = []
    for title in TOPIC_TITLES:
        query, expected = title.split(",")[0].split(" / ")[0], title.split(",")[0]
        page.fill("input.md-search__input", "")
        page.focus("input.md-search__input")
        page.keyboard.type(query)  # real key events, one per character, as a reader types
        try:  # the search worker may still be loading its index, or answering an earlier prefix: wait for it
            page.wait_for_function(
                "t => [...document.querySelectorAll('.md-search-result__item h1')]"
                ".some(e => e.textContent.includes(t))", arg=expected, timeout=10_000)
        except Exception:  # noqa: BLE001 - reported below with what the search did list
            titles = page.eval_on_selector_all(
                ".md-search-result__item h1", "els => els.map(e => e.textContent.trim())")
            missing.append(f"{title} (got {titles[:5]})")
    visit.close()
    assert not missing, missing


def test_page_weight(desktop):
    sizes = {path: seen["bytes"] for path, seen in desktop.items()}
    report = "\n".join(f"  {p:<40} {b / 1024:8.0f} KiB" for p, b in sorted(sizes.items()))
    print(f"\ntotal transfer size per page (first visit, empty cache, text gzip-compressed):\n{report}")
    heavy = {p: b for p, b in sizes.items() if b > MAX_PAGE_BYTES}
    assert not heavy, f"pages over 1 MB:\n{report}"

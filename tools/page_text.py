# Run: .venv/bin/python tools/page_text.py SITE_DIR OUT_DIR  (one plain-text file per built page, for reviewers)
"""Plain-text dump of each built page for reviewers: every sentence a reader can reach (prose, collapsed blocks,
captions, alt text, tables, code with its comments), in page order; mathematics as its TeX source."""
import sys
from pathlib import Path
from bs4 import BeautifulSoup, NavigableString, Tag

site, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
BLOCK = {"p", "li", "h1", "h2", "h3", "h4", "figcaption", "pre", "tr", "summary", "dt", "dd", "blockquote"}

def walk(node, lines, depth=0):
    for child in node.children:
        if isinstance(child, NavigableString):
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in ("script", "style", "button"):
            continue
        if name == "img":
            lines.append(f"[IMAGE alt] {child.get('alt','')}")
            if child.get("data-cg-animation-alt"):
                lines.append(f"[ANIMATION alt] {child['data-cg-animation-alt']}")
            continue
        if name == "details":
            summ = child.find("summary")
            lines.append(f"[COLLAPSED BLOCK: {summ.get_text(' ', strip=True) if summ else ''}]")
            for c in child.children:
                if isinstance(c, Tag) and c.name != "summary":
                    walk_one(c, lines)
            lines.append("[END COLLAPSED]")
            continue
        if name == "div" and "admonition" in (child.get("class") or []):
            lines.append(f"[BOX]")
            walk(child, lines)
            lines.append("[END BOX]")
            continue
        if name == "pre":
            lines.append("[CODE]\n" + child.get_text() + "[END CODE]")
            continue
        if name == "table":
            lines.append("[TABLE]")
            for tr in child.find_all("tr"):
                lines.append(" | ".join(c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])))
            lines.append("[END TABLE]")
            continue
        if name in BLOCK:
            imgs = child.find_all("img")
            inner_blocks = child.find(["p", "pre", "table", "ul", "ol", "div", "details"])
            if inner_blocks is None:
                prefix = {"h1": "# ", "h2": "## ", "h3": "### ", "h4": "#### ", "li": "- ", "figcaption": "[CAPTION] "}.get(name, "")
                text = child.get_text(" ", strip=True)
                if text:
                    lines.append(prefix + text)
                for img in imgs:
                    walk_one(img, lines)
                continue
        walk(child, lines, depth + 1)

def walk_one(tag, lines):
    wrapper = BeautifulSoup("<div></div>", "html.parser").div
    walk_container = [tag]
    class W:  # a fake parent with one child
        children = walk_container
    walk(W, lines)

for html in sorted(site.glob("*.html")):
    if html.name in ("404.html",):
        continue
    soup = BeautifulSoup(html.read_text(), "html.parser")
    art = soup.find("article")
    if art is None:
        continue
    for math in art.find_all("math"):  # MathML as its TeX source (the aria-label), so roots and fractions survive
        tex = math["aria-label"] if math.get("aria-label") else math.get_text(" ", strip=True)
        if math.get("display") == "block":  # a display formula: a paragraph of its own, between $$
            para = soup.new_tag("p")
            para.string = f"$$ {tex} $$"
            math.replace_with(para)
        else:
            math.replace_with(f"${tex}$")
    lines = []
    walk(art, lines)
    (out / (html.stem + ".txt")).write_text("\n".join(lines) + "\n")
    print(html.name, len(lines))

"""Compare everything two snippet caches publish: every value, table, alt text and caption, and every figure.

Run: `.venv/bin/python benchmarks/compare_published.py OLD_CACHE NEW_CACHE` (each a `.cache/cnn-glossary` folder,
e.g. a copy kept from a build before a change, and the cache after it). Values and tables are compared exactly
(the JSON the build embeds from), figures by their bytes. Prints one line per difference and a summary; exits 1
if any value, table, alt text or caption differs (figures that differ only in their bytes are listed, not
counted: re-encoding a GIF changes its bytes, not the numbers it shows). With `--figures` a figure byte
difference counts too.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def load(cache: Path) -> dict[str, dict]:
    out = {}
    for path in sorted((cache / "snippets").glob("*.json")):
        manifest = json.loads(path.read_text())
        out[manifest.get("snippet", path.stem)] = manifest
    if not out:
        sys.exit(f"{cache}: no snippet manifests under {cache / 'snippets'}; pass a .cache/cnn-glossary folder")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--figures", action="store_true", help="count figure byte differences as differences")
    args = parser.parse_args(argv)
    old, new = load(args.old), load(args.new)
    problems, figure_changes, compared = [], [], {"values": 0, "tables": 0, "figures": 0}
    for sid in sorted(set(old) | set(new)):
        if sid not in old or sid not in new:
            problems.append(f"{sid}: only in {'new' if sid in new else 'old'} cache")
            continue
        a, b = old[sid], new[sid]
        for kind in ("values", "tables"):
            for name in sorted(set(a[kind]) | set(b[kind])):
                compared[kind] += 1
                if a[kind].get(name) != b[kind].get(name):
                    shown = json.dumps(a[kind].get(name))[:120], json.dumps(b[kind].get(name))[:120]
                    problems.append(f"{sid}:{name}: {kind[:-1]} differs: {shown[0]} -> {shown[1]}")
        for name in sorted(set(a["figures"]) | set(b["figures"])):
            compared["figures"] += 1
            fa, fb = a["figures"].get(name), b["figures"].get(name)
            if fa is None or fb is None:
                problems.append(f"{sid}:{name}: figure only in {'new' if fa is None else 'old'} cache")
                continue
            for field in ("alt", "caption", "width"):
                if fa.get(field) != fb.get(field):
                    problems.append(f"{sid}:{name}: figure {field} differs: {fa.get(field)!r} -> {fb.get(field)!r}")
            poster_alts = [(f.get("poster") or {}).get("alt") for f in (fa, fb)]  # an animation's still
            if poster_alts[0] != poster_alts[1]:
                problems.append(f"{sid}:{name}: figure poster alt differs: {poster_alts[0]!r} -> {poster_alts[1]!r}")
            if fa["file"] != fb["file"]:  # files are named by the hash of their bytes
                size = f"{fa.get('bytes', 0) / 1024:.0f} KiB -> {fb.get('bytes', 0) / 1024:.0f} KiB"
                kind = fa["format"] if fa["format"] == fb["format"] else f"{fa['format']} -> {fb['format']}"
                figure_changes.append(f"{sid}:{name}: figure bytes differ ({kind}, {size})")
    for line in problems:
        print("DIFFERS  " + line)
    for line in figure_changes:
        print(("DIFFERS  " if args.figures else "figure   ") + line)
    failed = len(problems) + (len(figure_changes) if args.figures else 0)
    print(f"compared {len(set(old) & set(new))} snippets: {compared['values']} values, {compared['tables']} tables, "
          f"{compared['figures']} figures; {len(problems)} value/table/text differences, "
          f"{len(figure_changes)} figures with other bytes")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Preview one snippet as PNG files you can open: ``make preview S=folder/name``.

Runs ``snippets/<folder>/<name>.py`` in this process, prints every value and table it publishes, and
writes each figure to ``.cache/cnn-glossary/preview/<folder>/<name>/``: matplotlib figures as PNG
(the site itself uses SVG), encoded images (WebP animations, PNG) as they are, and an animation's poster
(its last frame) next to it; the alt texts and the caption are printed next to each file name, so you can
read them against the picture.

    python -m cnn_glossary.site.preview convolution/output_size [--out DIR] [--dpi 150]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cnn_glossary.site import publish


def preview(snippet_id: str, root: Path, out: Path, dpi: int = 150) -> list[Path]:
    path = root / "snippets" / f"{snippet_id.removesuffix('.py')}.py"
    if not path.is_file():
        raise SystemExit(f"no snippet {path.relative_to(root) if path.is_relative_to(root) else path}: "
                         "give the id as folder/name, the path under snippets/ without .py")
    real = publish._figure_bytes

    def as_png(fig, format):  # matplotlib figures become PNG; encoded images pass through
        if format == "svg" and not isinstance(fig, (bytes, bytearray)):
            return _png(fig, dpi)
        return real(fig, format)

    publish._figure_bytes = as_png
    try:
        collected = publish.collect(path)
    finally:
        publish._figure_bytes = real
    for name, v in collected.values.items():
        print(f"value  {name} = {publish.format_value(v['value'], v['fmt'])}")
    for name, t in collected.tables.items():
        print(f"table  {name}: {len(t['rows'])} rows, columns {t['headers']}")
    folder = out / snippet_id
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in collected.figures.items():
        ext = "png" if fig.data[:8] == b"\x89PNG\r\n\x1a\n" else fig.format
        target = folder / f"{name}.{ext}"
        target.write_bytes(fig.data)
        written.append(target)
        print(f"figure {name}: {target}\n       alt:     {fig.alt}\n       caption: {fig.caption}")
        if fig.poster is not None:  # an animation: the still the page shows until the reader presses Play
            still = folder / f"{name}.poster.{publish.POSTER_FORMAT}"
            still.write_bytes(fig.poster)
            written.append(still)
            print(f"       poster:  {still}\n       its alt: {fig.poster_alt}")
    if not written:
        print("(no figures)")
    return written


def _png(fig, dpi: int) -> bytes:
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cnn_glossary.site.preview", description=__doc__.split("\n\n")[0])
    ap.add_argument("snippet", help="the snippet id, folder/name (its path under snippets/ without .py)")
    ap.add_argument("--out", default=".cache/cnn-glossary/preview", help="where to write the files")
    ap.add_argument("--dpi", type=int, default=150)
    args = ap.parse_args(argv)
    root = Path.cwd()
    preview(args.snippet, root, root / args.out, args.dpi)
    return 0


if __name__ == "__main__":
    sys.exit(main())

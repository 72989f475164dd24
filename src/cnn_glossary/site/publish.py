"""What a snippet calls to hand named values, tables and figures to the pages.

A snippet is a small script under ``snippets/``. It computes something with the package
and publishes the results by name::

    from cnn_glossary import publish

    publish.value("output_size", 13)
    publish.value("accuracy", 0.9934, fmt=".2%")
    publish.table("sizes", rows, headers=["input", "kernel", "output"])
    publish.figure("slide", fig, alt="...", caption="...")

During the site build the snippet runs under a :class:`Collector`, which records what it
publishes; a page then embeds the results with ``{{ value snippet/id:name }}`` and friends.
Run on its own (``python snippets/x.py``) a snippet prints its values and saves its
figures under ``.cache/cnn-glossary/preview/``, so it can be read and tried like any script;
in a Jupyter or Colab notebook (a page's notebook) it shows each figure under its cell.
"""

from __future__ import annotations

import io
import json
import math
import numbers
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

FIGURE_FORMATS = ("svg", "png", "gif", "webp")
ANIMATION_FORMATS = ("gif", "webp")  # published bytes in these formats are checked for frames (see figure())
POSTER_FORMAT = "webp"  # an animation's still poster: its last frame, lossless


class PublishError(ValueError):
    """A snippet published something that cannot be embedded."""


def _plain(value: Any) -> Any:
    """Turn NumPy scalars and arrays into JSON-ready Python values."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise PublishError(f"value {value!r} is not finite")
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    raise PublishError(f"cannot publish a value of type {type(value).__name__}")


def format_value(value: Any, fmt: str | None) -> str:
    """Format a published value for a page (``fmt`` is a Python format spec)."""
    if fmt:
        return format(value, fmt)
    if isinstance(value, float):
        return format(value, ".4g")
    if isinstance(value, int) and not isinstance(value, bool):
        return format(value, ",")
    if isinstance(value, list):
        return "(" + ", ".join(format_value(v, None) for v in value) + ")"
    return str(value)


@dataclass
class Figure:
    name: str
    data: bytes
    format: str
    alt: str
    caption: str
    width: int | None = None  # pixels, for the <img> tag
    poster: bytes | None = None  # an animation's last frame as a still (POSTER_FORMAT), which pages show first
    poster_alt: str | None = None  # what the poster shows


@dataclass
class Collector:
    """Records what one run of a snippet publishes."""

    values: dict[str, dict] = field(default_factory=dict)
    tables: dict[str, dict] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # progress lines for the build log (see note())

    def _claim(self, name: str) -> None:
        if not name.replace("_", "").isalnum():
            raise PublishError(f"name {name!r} must be letters, digits and underscores")
        if name in self.values or name in self.tables or name in self.figures:
            raise PublishError(f"name {name!r} was published twice")

    def as_json(self) -> dict:
        return {"values": self.values, "tables": self.tables, "warnings": self.warnings}


_active: Collector | None = None


def set_collector(collector: Collector | None) -> None:
    global _active
    _active = collector


def _collector() -> Collector | None:
    return _active


def value(name: str, v: Any, fmt: str | None = None) -> Any:
    """Publish ``v`` under ``name``; ``fmt`` is the default format spec on pages."""
    plain = _plain(v)
    format_value(plain, fmt)  # fail here, in the snippet, on a bad format
    c = _collector()
    if c is None:
        print(f"{name} = {format_value(plain, fmt)}")
        return v
    c._claim(name)
    c.values[name] = {"value": plain, "fmt": fmt}
    return v


def table(
    name: str,
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    fmts: Sequence[str | None] | None = None,
    align: str | None = None,
) -> None:
    """Publish a table: ``rows`` of raw values, one format spec per column."""
    fmts = list(fmts) if fmts is not None else [None] * len(headers)
    if len(fmts) != len(headers):
        raise PublishError(f"table {name!r}: {len(headers)} headers but {len(fmts)} formats")
    plain_rows = []
    for i, row in enumerate(rows):
        if len(row) != len(headers):
            raise PublishError(f"table {name!r}: row {i} has {len(row)} cells, expected {len(headers)}")
        plain_rows.append([_plain(cell) for cell in row])
    c = _collector()
    if c is None:
        print(f"{name}:")
        print("  " + " | ".join(headers))
        for row in plain_rows:
            print("  " + " | ".join(format_value(cell, f) for cell, f in zip(row, fmts)))
        return
    c._claim(name)
    c.tables[name] = {
        "headers": list(headers),
        "rows": plain_rows,
        "fmts": fmts,
        "align": align or "".join("r" if isinstance(x, (int, float)) else "l" for x in plain_rows[0])
        if plain_rows
        else "l" * len(headers),
    }


def warning(message: str) -> None:
    """Flag the snippet's results as questionable (e.g. computed from a stale artifact).

    The build logs the message as a warning, so ``mkdocs build --strict`` fails, and every
    page that embeds this snippet's results shows it in a visible box.
    """
    c = _collector()
    if c is None:
        print(f"WARNING: {message}")
        return
    c.warnings.append(message)


def note(message: str) -> None:
    """A progress line (a download, say): printed to stderr, and during a site build also written to the
    build log, where a snippet's own output is otherwise shown only when it fails."""
    import sys

    print(message, file=sys.stderr, flush=True)
    c = _collector()
    if c is not None:
        c.notes.append(message)


def _figure_bytes(fig: Any, fmt: str) -> bytes:
    if isinstance(fig, (bytes, bytearray)):
        return bytes(fig)
    buf = io.BytesIO()
    if hasattr(fig, "savefig"):  # a matplotlib figure
        import matplotlib.pyplot as plt

        kwargs = {"format": fmt, "bbox_inches": "tight"}
        if fmt == "svg":
            kwargs["metadata"] = {"Date": None}  # reproducible bytes
        elif fmt == "png":
            kwargs["metadata"] = {"Software": None}
            kwargs["dpi"] = fig.dpi
        fig.savefig(buf, **kwargs)
        plt.close(fig)
        return buf.getvalue()
    raise PublishError(f"cannot publish a figure of type {type(fig).__name__}; pass a matplotlib figure or bytes")


def frame_count(data: bytes) -> int:
    """How many frames the encoded image ``data`` holds (1 for a still)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return getattr(im, "n_frames", 1)


def poster_bytes(data: bytes) -> bytes:
    """The last frame of the animation ``data`` (GIF or WebP), as a lossless WebP still.

    The last frame is the finished picture (for the convolution animations, the whole output grid), the most
    informative still. Pillow composites each frame over the ones before it, as a browser does; the frame is
    encoded losslessly, so the poster holds exactly the pixels a browser shows when the animation ends. The
    same bytes give the same poster (no time stamp or other metadata is written).
    """
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.seek(getattr(im, "n_frames", 1) - 1)
        frame = im.convert("RGBA")
    if frame.getextrema()[3] == (255, 255):  # opaque: no alpha channel to store
        frame = frame.convert("RGB")
    buf = io.BytesIO()
    frame.save(buf, format="WEBP", lossless=True, quality=100, method=6, exact=True)
    return buf.getvalue()


def _animation_poster(name: str, data: bytes, format: str, poster_alt: str | None) -> tuple[bytes | None, str | None]:
    """The poster and its alt text for an animated figure; ``(None, None)`` for a still one.

    An animation must say what its poster shows: pages show the poster until the reader presses Play, so the
    animation's own alt text ("a kernel slides over ...") would describe the wrong picture.
    """
    frames = 1
    if format in ANIMATION_FORMATS:
        try:
            frames = frame_count(data)
        except Exception as exc:  # noqa: BLE001 - Pillow raises several kinds for bytes it cannot read
            raise PublishError(f"figure {name!r}: the bytes are not a {format.upper()} image Pillow can read "
                               f"({type(exc).__name__}: {exc})") from None
    if frames == 1:
        if poster_alt is not None:
            raise PublishError(f"figure {name!r}: poster_alt= is for animations, and this {format} figure has one "
                               "frame; remove poster_alt=")
        return None, None
    if poster_alt is None or len(poster_alt.strip()) < 10:
        raise PublishError(
            f"figure {name!r} is an animation ({frames} frames): pass poster_alt=, the alt text of its still poster "
            "(the last frame, which the page shows until the reader presses Play; 10+ characters), e.g. "
            'poster_alt=f"The finished output of the animation: ..." built from the variables that draw it'
        )
    return poster_bytes(data), poster_alt.strip()


def _notebook_shell() -> Any:
    """The running Jupyter kernel's IPython shell, or ``None`` (a script, a terminal IPython, a build)."""
    import sys

    ipython = sys.modules.get("IPython")  # imported by every Jupyter kernel; never imported here
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell if getattr(shell, "kernel", None) is not None else None


def _show_inline(data: bytes, fmt: str, caption: str) -> None:
    """Display a published figure in the notebook, its caption under it."""
    from IPython.display import SVG, Image, display

    display(SVG(data=data) if fmt == "svg" else Image(data=data, format=fmt))
    print(caption)


def figure(
    name: str,
    fig: Any,
    *,
    alt: str,
    caption: str,
    format: str = "svg",
    width: int | None = None,
    poster_alt: str | None = None,
) -> None:
    """Publish a figure: a matplotlib figure, or encoded image bytes of ``format``.

    An animation (GIF or WebP bytes with more than one frame) also gets a still poster, its last frame, which
    pages show with a Play button (nothing moves until the reader asks). It needs ``poster_alt``, the alt text of
    that still; ``alt`` describes the animation, shown while it plays.
    """
    if format not in FIGURE_FORMATS:
        raise PublishError(f"figure {name!r}: format must be one of {FIGURE_FORMATS}")
    if len(alt.strip()) < 10:
        raise PublishError(f"figure {name!r}: alt text must describe the picture (10+ characters)")
    if not caption.strip():
        raise PublishError(f"figure {name!r}: a caption is required")
    data = _figure_bytes(fig, format)
    poster, poster_alt = _animation_poster(name, data, format, poster_alt)
    c = _collector()
    if c is None and _notebook_shell() is not None:  # in Jupyter or Colab: show it under the cell
        _show_inline(data, format, caption.strip())
        return
    if c is None:
        out = Path(os.environ.get("CNN_GLOSSARY_PREVIEW", ".cache/cnn-glossary/preview"))
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{name}.{format}"
        path.write_bytes(data)
        print(f"{name}: figure written to {path}")
        if poster is not None:
            still = out / f"{name}.poster.{POSTER_FORMAT}"
            still.write_bytes(poster)
            print(f"{name}: its poster (the last frame) written to {still}")
        return
    c._claim(name)
    c.figures[name] = Figure(name, data, format, alt.strip(), caption.strip(), width, poster, poster_alt)


def dumps(collector: Collector) -> str:
    return json.dumps(collector.as_json(), indent=1, sort_keys=True)


def collect(path: str | os.PathLike) -> Collector:
    """Run the snippet at ``path`` in this process and return what it published.

    Tests use this to check a snippet's numbers against an independent oracle.
    """
    import runpy

    collector = Collector()
    previous = _active
    set_collector(collector)
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        set_collector(previous)
    return collector

"""Unit tests of the publish API: what a snippet may hand to a page, and what it may not.

No TensorFlow, no build: each test publishes into a fresh Collector (or none) and checks
that bad input is refused with a PublishError that names the problem.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnn_glossary.site import publish
from cnn_glossary.site.publish import Collector, PublishError


@pytest.fixture
def collector():
    c = Collector()
    publish.set_collector(c)
    yield c
    publish.set_collector(None)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float64("nan"), np.float32("inf")])
def test_value_refuses_nan_and_inf(collector, bad):
    with pytest.raises(PublishError, match="not finite"):
        publish.value("x", bad)
    assert collector.values == {}


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_value_refuses_nan_inside_a_list(collector, bad):
    with pytest.raises(PublishError, match="not finite"):
        publish.value("xs", [1.0, bad])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_table_refuses_nan_and_inf_cells(collector, bad):
    with pytest.raises(PublishError, match="not finite"):
        publish.table("t", [(1, 2.0), (2, bad)], headers=["n", "x"])
    assert collector.tables == {}


def test_value_refuses_unknown_types_and_bad_formats(collector):
    with pytest.raises(PublishError, match="type object"):
        publish.value("o", object())
    with pytest.raises(ValueError):
        publish.value("f", 0.5, fmt=".2q")  # not a format spec: fails in the snippet
    assert collector.values == {}


def test_numpy_values_become_plain_json(collector):
    publish.value("i", np.int64(7))
    publish.value("f", np.float32(0.5), fmt=".1%")
    publish.value("a", np.array([1, 2]))
    publish.value("b", True)
    assert collector.values["i"] == {"value": 7, "fmt": None}
    assert type(collector.values["i"]["value"]) is int
    assert collector.values["f"] == {"value": 0.5, "fmt": ".1%"}
    assert type(collector.values["f"]["value"]) is float
    assert collector.values["a"]["value"] == [1, 2]
    assert collector.values["b"]["value"] is True


def test_value_returns_its_argument(collector):
    sentinel = np.float64(0.25)
    assert publish.value("v", sentinel) is sentinel


@pytest.mark.parametrize("bad", ["", "_", "__", "two words", "dash-name", "dot.name", "slash/name", "brace}}"])
def test_bad_names_are_refused(collector, bad):
    with pytest.raises(PublishError, match="letters, digits and underscores"):
        publish.value(bad, 1)
    with pytest.raises(PublishError, match="letters, digits and underscores"):
        publish.table(bad, [(1,)], headers=["n"])


def test_good_names_are_accepted(collector):
    for name in ("a", "n_all", "_x", "conv2_out", "A1"):
        publish.value(name, 1)
    assert set(collector.values) == {"a", "n_all", "_x", "conv2_out", "A1"}


@pytest.mark.parametrize(
    "first, second",
    [
        ("value", "value"),
        ("value", "table"),
        ("table", "value"),
        ("table", "table"),
        ("figure", "value"),
        ("value", "figure"),
        ("table", "figure"),
        ("figure", "table"),
    ],
)
def test_a_name_published_twice_is_refused(collector, first, second):
    def publish_as(kind):
        if kind == "value":
            publish.value("same", 1)
        elif kind == "table":
            publish.table("same", [(1,)], headers=["n"])
        else:
            publish.figure("same", b"\x89PNG", alt="Ten or more characters.", caption="A caption.", format="png")

    publish_as(first)
    with pytest.raises(PublishError, match="published twice"):
        publish_as(second)


@pytest.mark.parametrize("row", [(1,), (1, 2, 3), ()])
def test_table_row_of_the_wrong_length_is_refused(collector, row):
    with pytest.raises(PublishError, match=r"row 1 has \d cells, expected 2"):
        publish.table("t", [(0, 0), row], headers=["a", "b"])
    assert collector.tables == {}


def test_table_formats_must_match_headers(collector):
    with pytest.raises(PublishError, match="2 headers but 1 formats"):
        publish.table("t", [(1, 2)], headers=["a", "b"], fmts=[None])


def test_table_records_rows_formats_and_alignment(collector):
    publish.table("t", [(1, "x", 0.5)], headers=["n", "s", "f"], fmts=[None, None, ".1f"])
    publish.table("given", [(1, 2)], headers=["a", "b"], align="lc")
    publish.table("empty", [], headers=["a", "b"])
    assert collector.tables["t"] == {
        "headers": ["n", "s", "f"],
        "rows": [[1, "x", 0.5]],
        "fmts": [None, None, ".1f"],
        "align": "rlr",
    }
    assert collector.tables["given"]["align"] == "lc"
    assert collector.tables["given"]["fmts"] == [None, None]
    assert collector.tables["empty"]["align"] == "ll"


@pytest.mark.parametrize("caption", ["", "   ", "\n"])
def test_figure_needs_a_caption(collector, caption):
    with pytest.raises(PublishError, match="caption is required"):
        publish.figure("f", b"data", alt="A long enough description.", caption=caption, format="png")
    assert collector.figures == {}


@pytest.mark.parametrize("alt", ["", "short", "  nine 9 9  ", "123456789"])
def test_figure_needs_alt_text_of_ten_characters(collector, alt):
    with pytest.raises(PublishError, match="alt text"):
        publish.figure("f", b"data", alt=alt, caption="A caption.", format="png")
    assert collector.figures == {}


def test_figure_with_exactly_ten_characters_of_alt_is_accepted(collector):
    publish.figure("f", b"data", alt=" 0123456789 ", caption=" Cap. ", format="png", width=120)
    fig = collector.figures["f"]
    assert (fig.alt, fig.caption, fig.format, fig.data, fig.width) == ("0123456789", "Cap.", "png", b"data", 120)


def test_figure_format_and_type_are_checked(collector):
    with pytest.raises(PublishError, match="format must be one of"):
        publish.figure("f", b"data", alt="A long enough description.", caption="A caption.", format="jpg")
    with pytest.raises(PublishError, match="cannot publish a figure of type int"):
        publish.figure("f", 3, alt="A long enough description.", caption="A caption.")


def test_format_value_defaults():
    assert publish.format_value(34826, None) == "34,826"
    assert publish.format_value(0.123456, None) == "0.1235"
    assert publish.format_value(True, None) == "True"
    assert publish.format_value([3, 0.5], None) == "(3, 0.5)"
    assert publish.format_value("text", None) == "text"
    assert publish.format_value(0.991634, ".2%") == "99.16%"


def test_without_a_collector_values_and_tables_are_printed(capsys):
    publish.set_collector(None)
    publish.value("n", 1234)
    publish.table("t", [(1, 0.25)], headers=["a", "b"], fmts=[None, ".2f"])
    publish.warning("careful")
    out = capsys.readouterr().out
    assert "n = 1,234" in out
    assert "t:\n  a | b\n  1 | 0.25\n" in out
    assert "WARNING: careful" in out


def test_without_a_collector_figures_go_to_the_preview_folder(tmp_path, monkeypatch, capsys):
    publish.set_collector(None)
    monkeypatch.setenv("CNN_GLOSSARY_PREVIEW", str(tmp_path / "preview"))
    publish.figure("pic", b"PNGDATA", alt="A long enough description.", caption="A caption.", format="png")
    assert (tmp_path / "preview" / "pic.png").read_bytes() == b"PNGDATA"


def test_warnings_are_recorded_and_dumped(collector):
    publish.warning("stale")
    publish.value("x", 1)
    import json

    assert json.loads(publish.dumps(collector)) == {
        "values": {"x": {"fmt": None, "value": 1}},
        "tables": {},
        "warnings": ["stale"],
    }


def test_collect_runs_a_snippet_and_restores_the_collector(tmp_path):
    outer = Collector()
    publish.set_collector(outer)
    try:
        script = tmp_path / "s.py"
        script.write_text("from cnn_glossary import publish\npublish.value('k', 3)\n")
        got = publish.collect(script)
        assert got.values == {"k": {"value": 3, "fmt": None}}
        assert outer.values == {}
        bad = tmp_path / "bad.py"
        bad.write_text("raise RuntimeError('boom')\n")
        with pytest.raises(RuntimeError, match="boom"):
            publish.collect(bad)
        assert publish._collector() is outer
    finally:
        publish.set_collector(None)


def test_preview_folder_defaults_under_the_working_folder(tmp_path, monkeypatch):
    publish.set_collector(None)
    monkeypatch.delenv("CNN_GLOSSARY_PREVIEW", raising=False)
    monkeypatch.chdir(tmp_path)
    publish.figure("pic", b"SVG", alt="A long enough description.", caption="A caption.")
    assert (tmp_path / ".cache" / "cnn-glossary" / "preview" / "pic.svg").read_bytes() == b"SVG"
    publish.figure("pic", b"SVG2", alt="A long enough description.", caption="A caption.")  # folder exists
    assert (tmp_path / ".cache" / "cnn-glossary" / "preview" / "pic.svg").read_bytes() == b"SVG2"


def test_printed_values_use_their_format(capsys):
    publish.set_collector(None)
    publish.value("acc", 0.991634, fmt=".1%")
    publish.value("f", 0.000123456)
    publish.table("t", [(0.5,)], headers=["x"], fmts=[".0%"])
    out = capsys.readouterr().out
    assert "acc = 99.2%" in out and "f = 0.0001235" in out and "  50%" in out
    assert "figure written to" not in out


@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("png", b"\x89PNG")])
def test_matplotlib_figures_are_saved_in_the_requested_format(collector, fmt, magic):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [0, 1])
    publish.figure("f", fig, alt="A rising straight line.", caption="A line.", format=fmt)
    assert collector.figures["f"].data.startswith(magic)
    assert collector.figures["f"].name == "f"


def test_dumps_is_sorted_and_indented(collector):
    publish.value("b", 1)
    publish.value("a", 2)
    assert publish.dumps(collector).startswith('{\n "tables": {},\n "values": {\n  "a": {')


def test_collect_runs_the_snippet_as_main(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("from cnn_glossary import publish\nif __name__ == '__main__':\n    publish.value('k', 1)\n")
    assert publish.collect(script).values == {"k": {"value": 1, "fmt": None}}


def test_figure_bytes_are_reproducible_and_the_figure_is_closed(collector):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import cnn_glossary.figures.style  # noqa: F401 - the project's plot style fixes svg.hashsalt

    def draw():
        fig, ax = plt.subplots(figsize=(1, 1), dpi=50)
        ax.plot([0, 1], [1, 0])
        return fig

    drawn = []
    for fmt in ("svg", "png"):
        first, second = draw(), draw()
        drawn += [first.number, second.number]
        publish.figure(f"{fmt}1", first, alt="A falling straight line.", caption="A line.", format=fmt)
        publish.figure(f"{fmt}2", second, alt="A falling straight line.", caption="A line.", format=fmt)
        a, b = collector.figures[f"{fmt}1"].data, collector.figures[f"{fmt}2"].data
        assert a == b, fmt  # no date, no software version: the same drawing gives the same bytes
        assert b"Date" not in a and b"<dc:date>" not in a and b"Software" not in a and b"Matplotlib version" not in a
    assert not set(drawn) & set(plt.get_fignums())  # published figures are closed (other tests' figures may stay)
    from PIL import Image
    import io

    assert Image.open(io.BytesIO(collector.figures["png1"].data)).size[0] < 60  # saved at the figure's 50 dpi


def test_small_floats_print_in_lower_case_and_the_preview_says_where(tmp_path, monkeypatch, capsys):
    assert publish.format_value(0.0000123456, None) == "1.235e-05"
    publish.set_collector(None)
    monkeypatch.setenv("CNN_GLOSSARY_PREVIEW", str(tmp_path))
    publish.figure("pic", b"X", alt="A long enough description.", caption="A caption.", format="png")
    assert f"pic: figure written to {tmp_path / 'pic.png'}" in capsys.readouterr().out


# -- animations: a still poster, the last frame ------------------------------------------------------------------


def _frames(n: int = 3, size=(12, 8)):
    """``n`` RGB frames that differ everywhere and in part (a moving square), as NumPy arrays."""
    out = []
    for i in range(n):
        a = np.full((size[1], size[0], 3), (20 * i, 200 - 30 * i, 90), dtype=np.uint8)
        a[i : i + 3, 2 * i : 2 * i + 3] = (255, 255 - 60 * i, 0)
        out.append(a)
    return out


def _encode(frames, fmt: str) -> bytes:
    import io

    from PIL import Image

    images = [Image.fromarray(f) for f in frames]
    buf = io.BytesIO()
    extra = {"lossless": True} if fmt == "webp" else {}
    images[0].save(buf, format=fmt.upper(), save_all=True, append_images=images[1:], loop=0, duration=100, **extra)
    return buf.getvalue()


def _decode_rgba(data: bytes):
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGBA"))


def _last_frame_by_iterating(data: bytes):
    """The oracle: Pillow's frame iterator run to the end, independently of publish's seek to the last frame."""
    import io

    from PIL import Image, ImageSequence

    with Image.open(io.BytesIO(data)) as im:
        frames = [np.asarray(frame.convert("RGBA")) for frame in ImageSequence.Iterator(im)]
    return frames[-1], len(frames)


@pytest.mark.parametrize("fmt", ["webp", "gif"])
def test_an_animation_gets_its_last_frame_as_a_still_poster(collector, fmt):
    frames = _frames()
    data = _encode(frames, fmt)
    publish.figure("anim", data, alt="A square moving right.", caption="A caption.", format=fmt,
                   poster_alt="The square at its last position.")
    fig = collector.figures["anim"]
    assert fig.data == data and fig.poster_alt == "The square at its last position."
    last, count = _last_frame_by_iterating(data)
    assert count == len(frames)
    poster = _decode_rgba(fig.poster)
    assert poster.shape == last.shape and np.array_equal(poster, last), "the poster is not the last frame"
    if fmt == "webp":  # lossless: the decoded last frame is exactly the frame that was drawn
        assert np.array_equal(poster[:, :, :3], frames[-1]) and (poster[:, :, 3] == 255).all()
    from PIL import Image
    import io

    with Image.open(io.BytesIO(fig.poster)) as im:
        assert im.format == "WEBP" and getattr(im, "n_frames", 1) == 1
    assert publish.poster_bytes(data) == fig.poster  # the same bytes give the same poster


def test_an_animation_with_transparency_keeps_it_in_its_poster(collector):
    frames = [np.dstack([f, np.full(f.shape[:2], 255, np.uint8)]) for f in _frames(2)]
    frames[-1][0, 0] = (0, 0, 0, 0)
    import io

    from PIL import Image

    buf = io.BytesIO()
    images = [Image.fromarray(f, "RGBA") for f in frames]
    images[0].save(buf, format="WEBP", save_all=True, append_images=images[1:], lossless=True, exact=True)
    publish.figure("anim", buf.getvalue(), alt="A square moving right.", caption="A caption.", format="webp",
                   poster_alt="The square at its last position.")
    poster = _decode_rgba(collector.figures["anim"].poster)
    assert np.array_equal(poster, _last_frame_by_iterating(buf.getvalue())[0]) and poster[0, 0, 3] == 0


@pytest.mark.parametrize("poster_alt", [None, "", "too short"])
def test_an_animation_without_a_poster_alt_is_refused(collector, poster_alt):
    with pytest.raises(PublishError, match=r"figure 'anim' is an animation \(3 frames\): pass poster_alt="):
        publish.figure("anim", _encode(_frames(), "webp"), alt="A square moving right.", caption="A caption.",
                       format="webp", poster_alt=poster_alt)
    assert collector.figures == {}


@pytest.mark.parametrize("fmt", ["webp", "gif"])
def test_a_still_gif_or_webp_has_no_poster_and_refuses_a_poster_alt(collector, fmt):
    still = _encode(_frames(1), fmt)
    publish.figure("still", still, alt="A square at rest.", caption="A caption.", format=fmt)
    assert collector.figures["still"].poster is None and collector.figures["still"].poster_alt is None
    with pytest.raises(PublishError, match="poster_alt= is for animations"):
        publish.figure("other", still, alt="A square at rest.", caption="A caption.", format=fmt,
                       poster_alt="The square at rest.")


def test_animation_bytes_that_do_not_decode_are_refused(collector):
    with pytest.raises(PublishError, match="figure 'bad': the bytes are not a WEBP image Pillow can read"):
        publish.figure("bad", b"RIFF....WEBPnope", alt="A square moving right.", caption="A caption.",
                       format="webp", poster_alt="The square at its last position.")
    assert collector.figures == {}


def test_without_a_collector_an_animation_and_its_poster_go_to_the_preview_folder(tmp_path, monkeypatch):
    publish.set_collector(None)
    monkeypatch.setenv("CNN_GLOSSARY_PREVIEW", str(tmp_path))
    data = _encode(_frames(), "webp")
    publish.figure("anim", data, alt="A square moving right.", caption="A caption.", format="webp",
                   poster_alt="The square at its last position.")
    assert (tmp_path / "anim.webp").read_bytes() == data
    assert np.array_equal(_decode_rgba((tmp_path / "anim.poster.webp").read_bytes()), _last_frame_by_iterating(data)[0])

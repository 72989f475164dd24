"""Item 4 of issue 11: every figure a snippet publishes has the same bytes on every run.

Each figure-publishing snippet runs twice through the build's own runner, each time in a fresh
process with an empty cache, and the figure files must be identical. In-process runs would
not do: a plot style imported by one snippet would leak into the next.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cnn_glossary.site.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[1]
FIGURE_SNIPPETS = sorted(
    p.relative_to(ROOT / "snippets").with_suffix("").as_posix()
    for p in (ROOT / "snippets").rglob("*.py")
    if "publish.figure(" in p.read_text() and not p.name.startswith("_")
)


def test_there_are_figure_snippets_to_check():
    assert "mnist/confusion" in FIGURE_SNIPPETS and len(FIGURE_SNIPPETS) >= 10


@pytest.mark.slow
@pytest.mark.long  # about 40 snippet runs: make test-long and CI
@pytest.mark.parametrize("snippet_id", FIGURE_SNIPPETS)
def test_a_figure_snippet_draws_the_same_bytes_twice(snippet_id, tmp_path):
    runs = []
    for k in (1, 2):
        pipe = Pipeline(ROOT, cache_dir=str(tmp_path / f"cache{k}"), log=lambda m: None)
        res = pipe.run(snippet_id)
        assert res.figures, f"snippets/{snippet_id}.py published no figure"
        files = {name: res.figure_path(name).read_bytes() for name in res.figures}
        files.update({f"{name} (its poster)": (res.figure_dir / fig["poster"]["file"]).read_bytes()
                      for name, fig in res.figures.items() if fig.get("poster")})
        runs.append(files)
    first, second = runs
    assert first.keys() == second.keys()
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, (
        f"snippets/{snippet_id}.py: figure(s) {differ} differ between two runs; draw with the project style "
        "(import cnn_glossary.figures.style, which fixes svg.hashsalt) and no random input without a seed"
    )

"""The Epochs and Activation pages follow the topic-page skeleton; the MNIST page keeps its must-haves."""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT

ORDER = ["## The smallest example", "## In code", "## Going deeper", "## Check yourself", "## Common confusions",
         "## See also"]


def sections(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("## ")]


@pytest.mark.parametrize("page", ["epochs.md", "activation.md"])
def test_topic_page_follows_the_skeleton(page):
    text = (ROOT / "docs" / page).read_text()
    lines = text.splitlines()
    assert lines[0].startswith("# ")
    definition = text.split("\n\n")[1]
    assert not definition.startswith(("!!!", "#", "{{")), f"{page}: a plain definition comes right after the title"
    assert len(definition.split()) <= 60 and "$" not in definition and "{{" not in definition, page
    head = text[: text.index("\n## ")]
    assert '!!! quote "The README said"' in head and '!!! success "What is true"' in head, page
    heads = sections(text)
    positions = [next((k for k, h in enumerate(heads) if h.startswith(want)), None) for want in ORDER]
    assert None not in positions, f"{page}: missing {ORDER[positions.index(None)]!r}: {heads}"
    assert positions == sorted(positions), f"{page}: sections out of skeleton order: {heads}"
    assert "$$" in text, f"{page}: the formula"
    assert "{{ figure " in text, f"{page}: the picture"
    # In code: lesson sections only, and every one of them exists in its snippet file
    snippets = re.findall(r"\{\{ snippet ([\w/-]+)(:\w+)? \}\}", text)
    assert snippets and all(section == ":lesson" for _, section in snippets), f"{page}: use {{{{ snippet id:lesson }}}}"
    for sid, _ in snippets:
        source = (ROOT / "snippets" / f"{sid}.py").read_text()
        assert "# --8<-- [start:lesson]" in source and "# --8<-- [end:lesson]" in source, sid
    # Going deeper is collapsed
    deeper = text[text.index("## Going deeper") : text.index("## Check yourself")]
    assert deeper.count("??? ") >= 1 and "!!! " not in deeper


def test_mnist_page_keeps_its_must_haves():
    text = (ROOT / "docs" / "mnist.md").read_text()
    for needed in ("{{ table mnist/score:layers }}", "mnist/score:test_loss", "mnist/score:test_accuracy",
                   "{{ figure mnist/curves:curves }}", "{{ figure mnist/confusion:confusion }}",
                   "{{ figure mnist/mistakes:gallery }}", "(mnist-training.py)", "mnist/score:training_hash",
                   "mnist/score:seed", "mnist/score:wall_minutes", "mnist/score:cpu", "mnist/score:tensorflow"):
        assert needed in text, f"docs/mnist.md lost {needed}"
    # the plain answer comes first: the score before the model's details
    assert text.index("mnist/score:test_accuracy") < text.index("## The model")
    assert "matter more than size" not in text, "an unmeasured claim (issue 12.1.8)"

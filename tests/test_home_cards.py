"""Home page cards: alt text that describes what the thumbnail draws."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import published


@pytest.mark.checks("home/cards")
def test_sobel_card_alt_lists_the_drawn_rows():
    """The alt text once said "columns" while listing rows. Read the numbers back from the drawn grid, by row."""
    from cnn_glossary.figures.cards import thumbnails
    from cnn_glossary.figures.style import plt
    from cnn_glossary.mnist import results
    from cnn_glossary.mnist.data import load_mnist

    figs = thumbnails(load_mnist().x_test[0], results.for_page().data["history"])
    ax = figs["filters.md"].axes[0]
    cells = [(t.get_position(), t.get_text()) for t in ax.texts if t.get_text().strip()]
    top_down = ax.get_ylim()[0] > ax.get_ylim()[1]  # an inverted y axis draws row 0 at the top
    ys = sorted({y for (_, y), _ in cells}, reverse=not top_down)
    rows = [" ".join(txt.replace("−", "-") for (x, _), txt in sorted((c for c in cells if c[0][1] == y),
                                                                        key=lambda c: c[0][0])) for y in ys]
    for fig in figs.values():  # read: close them before the snippet draws its own
        plt.close(fig)
    alt = published("home/cards").figures["filters"].alt
    assert "rows from the top " + ", ".join(rows) in alt, (alt, rows)
    assert "column" not in alt


@pytest.mark.checks("home/cards")
def test_epochs_card_alt_claim_holds():
    from cnn_glossary.mnist import results

    h = results.for_page().data["history"]
    assert h["loss"][-1] < h["loss"][0] and h["val_loss"][-1] < h["val_loss"][0]
    assert np.isfinite(h["loss"]).all()


@pytest.mark.checks("home/cards")
def test_image_cards_follow_the_dark_on_white_convention():
    """Filters, Feature Maps and Pooling draw non-negative images dark on white; the home cards must agree."""
    from cnn_glossary.figures.cards import thumbnails
    from cnn_glossary.mnist import results
    from cnn_glossary.mnist.data import load_mnist

    figs = thumbnails(load_mnist().x_test[0], results.for_page().data["history"])
    for page, fig in figs.items():
        for ax in fig.axes:
            for im in ax.images:
                data = np.asarray(im.get_array())
                if data.dtype != bool and data.min() >= 0:  # a non-negative picture, not a mask
                    assert im.get_cmap().name == "gray_r", (page, im.get_cmap().name)


@pytest.mark.checks("home/cards")
@pytest.mark.guards("index.md", "counted from 0 as Python counts")
def test_mnist_card_names_its_digit_by_its_index_from_zero():
    """The MNIST card names its digit by its index from 0 (x_test[1] is the second digit, "test digit 1"): the label
    read from y_test, the ordinal counted from 1, and the caption and alt text built from them."""
    from cnn_glossary.mnist.data import load_mnist

    c = published("home/cards")
    v = {k: d["value"] for k, d in c.values.items()}
    mnist = load_mnist()
    fig = c.figures["mnist"]
    assert v["digit_label"] == int(mnist.y_test[v["digit_index"]])
    ordinals = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
    assert v["digit_ordinal"] == ordinals[v["digit_index"]]  # position counted from 1, index from 0
    assert fig.caption == f"test digit {v['digit_index']}, a {v['digit_label']}"
    assert f"test digit {v['digit_index']} (counted from 0, so the {v['digit_ordinal']}" in fig.alt
    # the pages that show "test digit N" use the same index into x_test
    from cnn_glossary.kernels import DIGIT_INDEX

    assert v["digit_index"] == DIGIT_INDEX

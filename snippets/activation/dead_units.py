"""ReLU units of our trained MNIST network that output zero for every test image."""

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.activations import blank_patches, never_firing
from cnn_glossary.mnist.data import load_mnist

# --8<-- [start:lesson]
model = results.for_page().load_model()
x_test = load_mnist().x_test.astype("float32")[..., None] / 255.0  # all 10,000 test images
layers = never_firing(model, x_test)  # per ReLU layer: units whose output is 0 for every image
# --8<-- [end:lesson]
rows = [
    (r["layer"], "x".join(map(str, r["shape"])), r["units"], r["dead_units"], r["dead_units"] / r["units"],
     r["channels"], r["dead_channels"])
    for r in layers
]
headers = ["ReLU layer", "output shape", "units", "never fire", "fraction", "channels", "channels that never fire"]
publish.table("dead", rows, headers=headers, fmts=[None, None, ",", ",", ".1%", None, None])
total, dead = sum(r["units"] for r in layers), sum(r["dead_units"] for r in layers)
publish.value("n_images", len(x_test))
publish.value("total_units", total)
publish.value("dead_units", dead)
publish.value("dead_fraction", dead / total, fmt=".1%")
publish.value("dead_channels", sum(r["dead_channels"] for r in layers))
publish.value("total_channels", sum(r["channels"] for r in layers))

# In the first layer: how many never-firing units sit where the 3x3 window only ever sees blank pixels?
blank = blank_patches(x_test)
first = layers[0]
publish.value("first_layer", first["layer"])
publish.value("blank_positions", int(blank.sum()))
publish.value("first_dead_on_blank", int((first["dead_mask"] & blank[..., None]).sum()))
publish.value("first_dead", first["dead_units"])

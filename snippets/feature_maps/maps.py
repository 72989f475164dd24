"""Every conv layer's feature maps in the trained network for one real test digit, with their shapes."""

from cnn_glossary import publish
from cnn_glossary.mnist import results
from cnn_glossary.conv import output_size
from cnn_glossary.figures.conv import feature_map_figure, scale_words
from cnn_glossary.featuremaps import conv_layers, feature_model, geometry, shown_layer_name
from cnn_glossary.kernels import DIGIT_INDEX, test_digit

model = results.for_page().load_model()
# --8<-- [start:lesson]
maps = feature_model(model).predict(test_digit()[None, :, :, None], verbose=0)  # one array per conv layer
rows = []
for layer, m in zip(conv_layers(model), maps):
    g = geometry(layer)  # input size, kernel size, padding, stride, dilation, read from the Keras layer
    size = output_size(g["input_size"], g["kernel_size"], g["padding"], g["stride"], g["dilation"])
# --8<-- [end:lesson]
    rows.append((layer.name, shown_layer_name(model, layer.name), g["input_size"], g["kernel_size"], g["padding"],
                 size, str(tuple(m.shape[1:]))))
    fig = feature_map_figure(m[0], f"{layer.name}: {m.shape[3]} maps of {m.shape[1]}x{m.shape[2]}")
    words = scale_words(fig)  # read from the colour maps the figure really uses
    publish.figure(
        layer.name, fig,
        format="png",
        alt=f"A grid of {m.shape[3]} small heat maps, each {m.shape[1]} by {m.shape[2]} pixels: the outputs of "
        f"layer {layer.name} for the test digit; {words}.",
        caption=f"Feature maps of {layer.name} ({shown_layer_name(model, layer.name)} output), one per filter, "
        f"each on its own colour scale: {words}.",
    )
publish.table("shapes", rows, headers=["conv layer", "maps taken after", "input size", "kernel size", "padding",
                                       "output size (formula)", "shape in Keras"])
publish.value("digit_index", DIGIT_INDEX)
publish.value("n_layers", len(rows))
digit, first = test_digit(), maps[0][0]  # the first layer keeps the 28x28 grid, so its cells line up with pixels
paper, ink = digit == 0, digit >= 0.5
background = int(sum(first[:, :, k][paper].mean() > first[:, :, k][ink].mean() for k in range(first.shape[-1])))
publish.value("background_maps", background)  # maps whose blank paper responds more, on average, than the stroke
publish.value("first_maps", first.shape[-1])
publish.value("first_layer", conv_layers(model)[0].name)

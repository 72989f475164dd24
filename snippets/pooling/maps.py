"""Max and average pooling of one real feature map: our trained network's conv1 output for a test digit."""

import keras
import numpy as np

from cnn_glossary import publish
from cnn_glossary.figures.conv import scale_words
from cnn_glossary.figures.pooling import maps_figure
from cnn_glossary.kernels import DIGIT_INDEX, test_digit
from cnn_glossary.mnist import results
from cnn_glossary.pooling import pool2d

model = results.for_page().load_model()
probe = keras.Model(model.input, [model.get_layer("conv1_relu").output, model.get_layer("pool1").output])
conv1, pool1 = (np.asarray(a)[0] for a in probe.predict(test_digit()[None, :, :, None], verbose=0))
stroke = test_digit() > 0.5  # pick the conv1 filter that responds most on the strokes, least on the background
channel = int((conv1[stroke].mean(axis=0) - conv1[~stroke].mean(axis=0)).argmax())

# --8<-- [start:lesson]
feature_map = conv1[:, :, channel]  # 28x28, after batch norm and ReLU
max_pooled = pool2d(feature_map, pool_size=2, mode="max")  # 14x14: the strongest response in each 2x2 window
average_pooled = pool2d(feature_map, pool_size=2, mode="average")  # 14x14: the mean response
# --8<-- [end:lesson]

publish.value("channel", channel)
publish.value("digit_index", DIGIT_INDEX)
publish.value("keras_difference", float(np.abs(max_pooled - pool1[:, :, channel]).max()), fmt=".2g")
publish.value("mean_max_pooled", float(max_pooled.mean()), fmt=".2f")
publish.value("mean_average_pooled", float(average_pooled.mean()), fmt=".2f")
n, m = feature_map.shape[0], max_pooled.shape[0]
fig = maps_figure(feature_map, max_pooled, average_pooled,
                  [f"conv1 map {channel}, {n}x{n}", f"max pool, {m}x{m}", f"average pool, {m}x{m}"])
publish.figure(
    "maps", fig,
    format="png",
    alt=f"Three heat maps of the same handwritten digit on one colour scale ({scale_words(fig)}): the {n} by {n} "
    f"output of conv1's filter {channel}, strongest along the strokes, then its {m} by {m} max-pooled version, "
    f"then its {m} by {m} average-pooled version, in which no cell is stronger than in the max-pooled one.",
    caption=f"Test digit x_test[{DIGIT_INDEX}] through our trained network: conv1's map {channel} (after batch norm and "
    f"ReLU), pooled 2x2 by max and by average, all on one colour scale: {scale_words(fig)}.",
)

"""Translation equivariance: shift a real digit, and the trained first layer's maps shift by the same amount."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.featuremaps import first_layer_maps, inner_region, shift_image
from cnn_glossary.figures.conv import scale_words, shift_figure
from cnn_glossary.kernels import DIGIT_INDEX, test_digit
from cnn_glossary.mnist import results

model = results.for_page().load_model()
# --8<-- [start:lesson]
DOWN, RIGHT = 3, -3  # pixels: 3 down, 3 to the left
digit = test_digit()  # a 28x28 MNIST test digit, values in [0, 1]
moved = shift_image(digit, DOWN, RIGHT)  # the same digit, moved

maps = first_layer_maps(model, digit)  # conv1 after batch norm and ReLU: (28, 28, 16)
maps_moved = first_layer_maps(model, moved)

# shift the first maps the same way, then compare away from the borders (1 pixel: a 3x3 kernel's reach)
expected = shift_image(maps, DOWN, RIGHT)
inner = inner_region(maps.shape, DOWN, RIGHT, margin=1)
difference = np.abs(maps_moved[inner] - expected[inner]).max()
unshifted_difference = np.abs(maps_moved[inner] - maps[inner]).max()
# --8<-- [end:lesson]

# --8<-- [start:conditions]
# 1. Stride 2: the same maps, read at the odd rows and columns (1, 3, 5, ...). On this 28-pixel input a
#    Keras stride-2 layer, "same" or "valid", centres its windows there ("same" adds its one zero at the bottom)
every_second = maps[1::2, 1::2]
inner_2 = inner_region(every_second.shape, 2, -2, margin=1)  # away from borders for moves of 1 or 2 cells
moved_by_2 = first_layer_maps(model, shift_image(digit, 2, -2))[1::2, 1::2]  # the input moved by 2 pixels
even_difference = np.abs(moved_by_2 - shift_image(every_second, 1, -1))[inner_2].max()  # output moved by 1
odd_difference = min(  # the input moved by 3: compare with every move of the output by 1 or 2 cells
    np.abs(maps_moved[1::2, 1::2] - shift_image(every_second, a, b))[inner_2].max() for a in (1, 2) for b in (-1, -2))

# 2. The border: move the digit right until its last columns of ink fall off the image
ink_columns = np.flatnonzero(digit.max(axis=0) > 0)
CUT = 2  # columns of ink that leave the image
right = digit.shape[1] - 1 - ink_columns[-1] + CUT
cut_maps = first_layer_maps(model, shift_image(digit, 0, right))
expected_cut = shift_image(maps, 0, right)
away = np.abs(cut_maps - expected_cut)[1:-1, right + 1:-1].max()  # one pixel (a 3x3 kernel's reach) from the edges
at_edge = np.abs(cut_maps - expected_cut)[:, -1].max()  # the last column: the kernel reads padding, not ink
# --8<-- [end:conditions]

f = int(np.argmax(maps.std(axis=(0, 1))))  # the map that varies most, for the picture
moves = f"{DOWN} pixels {'down' if DOWN >= 0 else 'up'} and {abs(RIGHT)} {'right' if RIGHT >= 0 else 'left'}"
publish.value("digit_index", DIGIT_INDEX)
publish.value("down", DOWN)
publish.value("right", RIGHT)
publish.value("moves", moves)
publish.value("n_maps", maps.shape[-1])
publish.value("max_difference", difference, fmt=".2g")
publish.value("unshifted_difference", unshifted_difference, fmt=".2f")
publish.value("maps_shape", list(maps.shape))
publish.value("even_difference", even_difference, fmt=".2g")
publish.value("odd_difference", odd_difference, fmt=".2f")
publish.value("cut_columns", CUT)
publish.value("cut_right", right)
publish.value("cut_away_difference", away, fmt=".2g")
publish.value("cut_edge_difference", at_edge, fmt=".2f")
fig = shift_figure(digit, moved, maps[:, :, f], maps_moved[:, :, f], moves, f)
publish.figure(
    "shift", fig,
    format="png",
    alt=f"Two rows. Top: the test digit and the map of first-layer filter {f}. Bottom: the digit moved {moves}, "
    f"and the same filter's map, moved by the same amount.",
    caption=f"Move the input {moves}, and the map of filter {f} (like all {maps.shape[-1]}) moves by "
    f"as much: away from the borders the moved maps equal the shifted originals "
    f"{'exactly' if difference == 0 else f'to within {difference:.2g}'}. "
    f"Thin lines every 7 pixels help to see the move. Colours: {scale_words(fig)}.",
)

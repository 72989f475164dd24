"""One animation per row of the convolution table; every number in the frames comes from TensorFlow."""

from cnn_glossary import publish
from cnn_glossary.figures.conv import conv_animation
from cnn_glossary.conv_table import CONV_TABLE, DESCRIPTIONS, EXAMPLE_KERNEL, example_input, row_output

# --8<-- [start:lesson]
for seed, config in enumerate(CONV_TABLE):
    x = example_input(config, seed)
    out = row_output(config, x)  # tf.nn.conv2d, the op behind keras.layers.Conv2D
# --8<-- [end:lesson]
    publish.value(f"{config.name}_input", x)
    publish.value(f"{config.name}_output", out)
    publish.value(f"{config.name}_input_size", config.input_size)
    publish.value(f"{config.name}_output_size", out.shape[0])
    cells = ", ".join(f"{v:g}" for v in out.ravel())  # the poster (last frame) shows the whole output
    publish.figure(
        config.name, conv_animation(config, x, EXAMPLE_KERNEL, out), format="webp",
        alt=f"Animation: a {config.kernel_size} by {config.kernel_size} kernel slides over a "
        f"{config.input_size} by {config.input_size} grid of numbers; at each step the window is highlighted "
        f"and the next cell of the {out.shape[0]} by {out.shape[0]} output fills in with its dot product.",
        poster_alt=f"The finished output of the animation: the last window of the {config.kernel_size} by "
        f"{config.kernel_size} kernel is highlighted on the {config.input_size} by {config.input_size} input, and "
        f"the {out.shape[0]} by {out.shape[0]} output is complete ({out.size} cells)"
        + (f", row by row {cells}." if out.size <= 9 else "."),
        caption=f"{DESCRIPTIONS[config.name][0].upper()}{DESCRIPTIONS[config.name][1:]}. Input {config.input_size}x{config.input_size}, "
        f"kernel {config.kernel_size}x{config.kernel_size}, output {out.shape[0]}x{out.shape[0]}.",
    )
publish.value("kernel", EXAMPLE_KERNEL)

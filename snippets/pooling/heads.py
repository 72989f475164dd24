"""What pooling costs in parameters: a 2x2 max pool against a stride-2 convolution, and our global-average head
against a Flatten + Dense head on the same shapes. Counted by our counter; a test checks each with Keras."""

from cnn_glossary import publish
from cnn_glossary.counting import ConvLayer, count_conv
from cnn_glossary.mnist import results

model = results.for_page().load_model()
pool_in = model.get_layer("pool1").input.shape  # (None, 28, 28, 16): what our first max pool reads
head_in = model.get_layer("classifier_1x1").input.shape  # (None, 3, 3, 32): what our head reads
size, channels = int(pool_in[1]), int(pool_in[3])
head_size, head_channels = int(head_in[1]), int(head_in[3])

# --8<-- [start:lesson]
# Downsampling 28x28x16 to 14x14x16: a max pool has nothing to learn; a 2x2 stride-2 convolution learns a
# weighted sum over each window *and across all 16 channels*.
stride2 = count_conv(ConvLayer("stride-2 conv", 2, channels, stride=2, padding="valid"), size, channels)
# Reading 3x3x32 maps out into ten class scores. Ours: a 1x1 convolution to ten channels, then a global
# average (no weights). Textbook: flatten the 288 numbers and connect them all to ten outputs, which is a
# convolution whose kernel covers the whole 3x3 map.
ours = count_conv(ConvLayer("1x1 conv + global average", 1, 10), head_size, head_channels)
flat = count_conv(ConvLayer("Flatten + Dense", head_size, 10, padding="valid"), head_size, head_channels)
# --8<-- [end:lesson]

publish.table("downsampling", [("2x2 max pool, stride 2", f"{size // 2}x{size // 2}x{channels}", 0),
                               ("2x2 convolution, stride 2", f"{stride2.output_size}x{stride2.output_size}x"
                                f"{stride2.channels_out}", stride2.parameters)],
              headers=[f"from {size}x{size}x{channels}", "output", "parameters"])
publish.table("heads", [(c.name, c.parameters) for c in (ours, flat)],
              headers=[f"head on {head_size}x{head_size}x{head_channels}", "parameters"], fmts=[None, ","])
publish.value("stride2_parameters", stride2.parameters, fmt=",")
publish.value("gap_head_parameters", ours.parameters, fmt=",")
publish.value("dense_head_parameters", flat.parameters, fmt=",")
publish.value("head_ratio", flat.parameters / ours.parameters, fmt=".1f")
publish.value("head_share_of_model", ours.parameters / model.count_params(), fmt=".1%")
publish.value("pool_channels", channels)
publish.value("head_size", head_size)
publish.value("head_channels", head_channels)

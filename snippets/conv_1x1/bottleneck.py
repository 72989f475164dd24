"""Parameters and multiply-adds with and without a 1x1 reduction, and for Inception- and ResNet-style blocks."""

from cnn_glossary import publish
from cnn_glossary.counting import (INCEPTION_3A, INCEPTION_NAIVE, ConvLayer, block_output_channels,
                                   count_block, count_chain, total)

# --8<-- [start:lesson]
INPUT_SIZE, CHANNELS_IN = 28, 192
plans = {
    "5x5 directly": [ConvLayer("5x5", 5, 32)],
    "1x1 to 16, then 5x5": [ConvLayer("1x1", 1, 16), ConvLayer("5x5", 5, 32)],
}
rows = []
for name, plan in plans.items():
    params, macs = total(count_chain(plan, INPUT_SIZE, CHANNELS_IN))
    rows.append((name, params, macs))
# --8<-- [end:lesson]
publish.table("five_by_five", rows, headers=["28x28x192 to 32 channels", "parameters", "multiply-adds"],
              fmts=[None, ",", ","])
publish.value("direct_macs", rows[0][2])
publish.value("reduced_macs", rows[1][2])
publish.value("mac_ratio", rows[0][2] / rows[1][2], fmt=".1f")

blocks = []
for name, branches in (("without reductions", INCEPTION_NAIVE), ("with 1x1 reductions (Inception 3a)", INCEPTION_3A)):
    counts = [c for chain in count_block(branches, INPUT_SIZE, CHANNELS_IN).values() for c in chain]
    params, macs = total(counts)
    channels = block_output_channels(branches, CHANNELS_IN)
    blocks.append((name, channels, params, macs))
publish.table("inception", blocks, headers=["Inception-style block on 28x28x192", "channels out", "parameters",
                                            "multiply-adds"], fmts=[None, None, ",", ","])
publish.value("block_mac_ratio", blocks[0][3] / blocks[1][3], fmt=".1f")

# ResNet's bottleneck: 1x1 down to 64, 3x3 at 64, then 1x1 back UP to 256 channels (on a 56x56 map)
resnet = [ConvLayer("1x1 down", 1, 64), ConvLayer("3x3", 3, 64), ConvLayer("1x1 up", 1, 256)]
plain = [ConvLayer("3x3", 3, 256), ConvLayer("3x3", 3, 256)]
res_rows = [(name, *total(count_chain(plan, 56, 256)))
            for name, plan in (("1x1 down, 3x3, 1x1 up", resnet), ("two 3x3 at full width", plain))]
publish.table("resnet", res_rows, headers=["56x56x256 to 56x56x256", "parameters", "multiply-adds"],
              fmts=[None, ",", ","])

"""What max pooling and the global-average head buy our network: frozen ablation runs, validation only."""

from cnn_glossary import publish
from cnn_glossary.mnist import ablations

# --8<-- [start:lesson]
data = ablations.for_page()  # results/ablations/result.json, written by `make ablations`
full = ablations.summarise(data, "full")  # our recipe: 2x2 max pools, 1x1 convolution + global average head
strided = ablations.summarise(data, "stride_2")  # the convolution before each pool takes stride 2 instead
dense = ablations.summarise(data, "dense_head")  # Flatten + Dense(10) instead of the 1x1 + global average
print(ablations.outcome_sentence(full, strided, "stride-2 convolutions instead of max pooling"))
print(ablations.outcome_sentence(full, dense, "a Flatten + Dense head"))
# --8<-- [end:lesson]
ablations.publish_comparison(data, {"stride_": ("stride_2", "stride-2 convolutions instead of max pooling"),
                                    "dense_": ("dense_head", "a Flatten + Dense head")})
# The common confusion "global average pooling must hurt", answered by the same runs
n_dense = len(dense.seeds)
publish.value("dense_head_phrase", {
    "overlap": f"the seed ranges overlap, so {n_dense} seeds cannot tell the two heads apart",
    "lower": "every one of its seeds ended below ours",
    "higher": "every one of its seeds ended above ours, which suggests that here the average cost a little",
}[ablations.verdict(full, dense)])

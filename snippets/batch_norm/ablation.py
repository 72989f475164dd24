"""What batch normalisation buys our network: the frozen ablation runs, compared on validation only (never the test set)."""

from cnn_glossary.mnist import ablations

# --8<-- [start:lesson]
data = ablations.for_page()  # results/ablations/result.json, written by `make ablations`
full = ablations.summarise(data, "full")  # our recipe, one run per seed
changed = ablations.summarise(data, "no_batch_norm")  # the same recipe with one change
print(ablations.outcome_sentence(full, changed, "no batch normalisation"))
# --8<-- [end:lesson]
ablations.publish_comparison(data, {"": ("no_batch_norm", "no batch normalisation")})

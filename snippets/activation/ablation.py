"""What ReLU buys our network: the frozen ablation runs, compared on validation only (never the test set)."""

from cnn_glossary.mnist import ablations

# --8<-- [start:lesson]
data = ablations.for_page()  # results/ablations/result.json, written by `make ablations`
full = ablations.summarise(data, "full")  # our recipe, one run per seed
changed = ablations.summarise(data, "sigmoid")  # the same recipe with one change
print(ablations.outcome_sentence(full, changed, "sigmoid in place of every ReLU"))
# --8<-- [end:lesson]
ablations.publish_comparison(data, {"": ("sigmoid", "sigmoid in place of every ReLU")})

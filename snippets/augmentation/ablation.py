"""What augmentation buys our network: the frozen ablation runs, compared on validation only (never the test set)."""

from cnn_glossary import publish
from cnn_glossary.mnist import ablations

# --8<-- [start:lesson]
data = ablations.for_page()  # results/ablations/result.json, written by `make ablations`
full = ablations.summarise(data, "full")  # our recipe, one run per seed
changed = ablations.summarise(data, "no_augmentation")  # the same recipe with one change
print(ablations.outcome_sentence(full, changed, "no augmentation"))
# --8<-- [end:lesson]
ablations.publish_comparison(data, {"": ("no_augmentation", "no augmentation")})
publish.value("plain_train_accuracy", sum(c[-1] for c in changed.curves["accuracy"]) / len(changed.seeds), fmt=".2%")
publish.value("plain_train_loss", sum(c[-1] for c in changed.curves["loss"]) / len(changed.seeds), fmt=".4f")
publish.value("augmented_train_loss", sum(c[-1] for c in full.curves["loss"]) / len(full.seeds), fmt=".4f")

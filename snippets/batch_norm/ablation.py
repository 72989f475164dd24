"""What batch normalisation buys our network: the frozen ablation runs, compared on validation only."""

from cnn_glossary import publish
from cnn_glossary.figures import ablations as drawing
from cnn_glossary.mnist import ablations

KEY, CHANGE = "no_batch_norm", "no batch normalisation"
# --8<-- [start:lesson]
data = ablations.for_page()  # results/ablations/result.json, written by `make ablations`
full = ablations.summarise(data, "full")  # our recipe, three seeds
without = ablations.summarise(data, KEY)  # the same recipe without BatchNormalization layers
print(ablations.outcome_sentence(full, without, CHANGE))
# --8<-- [end:lesson]
for name, (value, fmt) in ablations.comparison_values(data, KEY, CHANGE).items():
    publish.value(name, value, fmt=fmt)
publish.table("runs", ablations.table_rows(data, ["full", KEY]), headers=ablations.TABLE_HEADERS,
              fmts=ablations.TABLE_FORMATS)
fig, floor = drawing.curves([full, without])
alt, caption = drawing.alt_and_caption([full, without], floor)
publish.figure("curves", fig, alt=alt, caption=caption)

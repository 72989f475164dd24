"""What each idea buys our network: every frozen ablation in one table, validation only."""

from cnn_glossary import publish
from cnn_glossary.mnist import ablations, results

# --8<-- [start:lesson]
data = ablations.for_page()  # results/ablations/result.json, written by `make ablations`
keys = [a.key for a in ablations.ABLATIONS]  # our recipe first, then one change each
rows = ablations.table_rows(data, keys)
# --8<-- [end:lesson]
publish.table("all", rows, headers=ablations.TABLE_HEADERS, fmts=ablations.TABLE_FORMATS)
publish.value("runs", sum(len(data["ablations"][k]["runs"]) for k in keys) + len(data["sweep"]) - 1)
publish.value("seeds", len(data["seeds"]))
publish.value("changes", len(keys) - 1)
publish.value("chosen_rate", data["chosen_rate"], fmt="g")

# The full recipe's run at the published seed is a separate run: how it compares, from both result files.
published = results.for_page().data
publish.value("published_seed", published["seed"])
publish.value("jobs", data["jobs"])
publish.value("rerun_sentence", ablations.rerun_sentence(published, data))

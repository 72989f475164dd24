"""What our schedule buys over a constant learning rate: frozen ablation runs, validation only."""

from cnn_glossary import publish
from cnn_glossary.mnist import ablations

# --8<-- [start:lesson]
data = ablations.for_page()  # results/ablations/result.json, written by `make ablations`
sweep = {float(rate): run["history"] for rate, run in data["sweep"].items()}  # constant rates, seed 1
chosen = data["chosen_rate"]  # the rate with the best final validation accuracy
full = ablations.summarise(data, "full")  # our schedule, one run per seed
constant = ablations.summarise(data, "constant_rate")  # the chosen constant rate, one run per seed
print(ablations.outcome_sentence(full, constant, f"a constant rate of {chosen:g}"))
# --8<-- [end:lesson]
ablations.publish_comparison(data, {"": ("constant_rate", f"a constant learning rate of {chosen:g}")})
publish.value("chosen_rate", chosen, fmt="g")
publish.value("sweep_seed", ablations.SWEEP_SEED)
publish.value("rates", ", ".join(f"{r:g}" for r in sorted(sweep)))
publish.table("sweep", [[f"{r:g}", h["val_accuracy"][-1], h["val_loss"][-1], "yes" if r == chosen else "no"]
                        for r, h in sorted(sweep.items())],
              headers=["constant learning rate", "validation accuracy", "validation loss", "chosen on validation"],
              fmts=[None, ".2%", ".4f", None])

"""Early stopping on a deliberately overfitting network: 1,000 MNIST training images, 40 epochs."""

from cnn_glossary import publish
from cnn_glossary.epochs import (OVERFIT_EPOCHS, OVERFIT_TRAIN, OVERFIT_UNITS, OVERFIT_VAL, after_best,
                                 after_best_sentence, argmin1, overfit_data, overfit_run)
from cnn_glossary.figures.epochs import early_stopping_alt, early_stopping_figure

data = overfit_data()
# --8<-- [start:lesson]
full = overfit_run(data)  # no callback: all 40 epochs
defaults = overfit_run(data, early_stopping={})  # EarlyStopping() with its defaults
plain = overfit_run(data, early_stopping={"patience": 5})
restored = overfit_run(data, early_stopping={"patience": 5, "restore_best_weights": True})
best = argmin1(full.history["val_loss"])  # the epoch with the lowest validation loss
# --8<-- [end:lesson]
publish.value("val_loss_history", full.history["val_loss"])  # for the tests
publish.value("val_accuracy_history", full.history["val_accuracy"])
publish.value("train_loss_history", full.history["loss"])
after = after_best(full.history, OVERFIT_VAL)  # what gets worse after the lowest validation loss
publish.value("after_best", after_best_sentence(after))
for name, v in dict(n_train=OVERFIT_TRAIN, n_val=OVERFIT_VAL, epochs=OVERFIT_EPOCHS, units=OVERFIT_UNITS).items():
    publish.value(name, v)
publish.value("best_epoch", best)
publish.value("best_val_loss", full.history["val_loss"][best - 1], fmt=".3f")
publish.value("last_val_loss", full.history["val_loss"][-1], fmt=".3f")
publish.value("last_train_loss", full.history["loss"][-1], fmt=".1e")
publish.value("defaults_stop", defaults.epochs_run)
publish.value("patience5_stop", plain.epochs_run)
rows = [(name, run.epochs_run, run.final_val_loss, run.final_val_accuracy) for name, run in (
    ("no callback (all epochs)", full), ("EarlyStopping() defaults", defaults),
    ("patience=5", plain), ("patience=5, restore_best_weights=True", restored))]
publish.table("runs", rows, headers=["run", "epochs trained", "validation loss", "validation accuracy"],
              fmts=[None, None, ".3f", ".1%"])
for key, run in (("plain", plain), ("restored", restored)):
    publish.value(f"{key}_val_loss", run.final_val_loss, fmt=".3f")
    publish.value(f"{key}_val_accuracy", run.final_val_accuracy, fmt=".1%")
fig = early_stopping_figure(full.history, {"EarlyStopping() stops": defaults.epochs_run,
                                           "patience=5 stops": plain.epochs_run})
publish.figure(
    "curves", fig, alt=early_stopping_alt(fig),
    caption=f"A dense network with two hidden layers of {OVERFIT_UNITS} units, trained on {OVERFIT_TRAIN:,} MNIST images, validated on {OVERFIT_VAL:,} "
    f"others. The dotted vertical line marks the epoch of lowest validation loss ({best}). From there to epoch "
    f"{after['last_epoch']}, {after['train_words']} and {after['loss_words']}; {after['accuracy_words']}.",
)

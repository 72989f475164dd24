"""The ablations: each variant is our model with exactly one change, and the frozen runs behind the pages.

Oracles: the training script's own ``build_model`` (Keras's layer configs, shapes and counts), the frozen
MNIST training history (the full recipe at seed 1 is the same run), and the raw histories in
``results/ablations/result.json`` re-read with ``json`` and summarised with NumPy.
"""

from __future__ import annotations

import ast
import inspect
import json
import os

import numpy as np
import pytest

from cnn_glossary.mnist import ablations, train

from .conftest import ROOT

RESULT = ROOT / "results" / "ablations" / "result.json"


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def _layers(model):
    """(class, output shape, parameter count, config without the name) for every layer."""
    out = []
    for layer in model.layers:
        config = {k: v for k, v in layer.get_config().items() if k not in ("name",)}
        out.append((type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params(), config))
    return out


def test_full_variant_is_the_training_scripts_model(keras):
    shipped = _layers(train.build_model(keras))
    rebuilt = _layers(ablations.build_variant(keras, ablations.BY_KEY["full"]))
    assert rebuilt == shipped


def _kinds(model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


@pytest.mark.guards("pooling.md", "the same map sizes and the same")
@pytest.mark.guards("activation.md", "every sigmoid still follows a batch-norm layer")
@pytest.mark.guards("batch-norm.md", "without batch norm each convolution gets its bias")
def test_each_ablation_changes_one_thing(keras):
    full = ablations.build_variant(keras, ablations.BY_KEY["full"])
    full_kinds = _kinds(full)
    for a in ablations.ABLATIONS:
        model = ablations.build_variant(keras, a)
        kinds = _kinds(model)
        assert model.output_shape == (None, 10), a.key
        if a.key == "no_batch_norm":
            assert kinds == [k for k in full_kinds if k != "BatchNormalization"]
            assert all(layer.use_bias for layer in model.layers if type(layer).__name__ == "Conv2D")
        elif a.key == "sigmoid":
            assert kinds == ["Activation" if k == "ReLU" else k for k in full_kinds]
            # each sigmoid directly follows a batch-norm layer, as each ReLU did
            for i, layer in enumerate(model.layers):
                if type(layer).__name__ == "Activation":
                    assert type(model.layers[i - 1]).__name__ == "BatchNormalization", layer.name
            assert {layer.get_config()["activation"] for layer in model.layers if type(layer).__name__ == "Activation"} \
                == {"sigmoid"}
        elif a.key == "stride_2":
            assert kinds == [k for k in full_kinds if k != "MaxPooling2D"]
            shapes = {layer.name: layer.output.shape[1:3] for layer in model.layers}
            full_shapes = {layer.name: layer.output.shape[1:3] for layer in full.layers}
            # Each stride-2 convolution delivers the shape the pooling layer delivered.
            assert shapes["conv1_relu"] == full_shapes["pool1"] and shapes["conv3_relu"] == full_shapes["pool2"]
            assert model.count_params() == full.count_params()
        elif a.key == "dense_head":
            assert kinds[:-3] == full_kinds[:-3]
            assert kinds[-3:] == ["Flatten", "Dense", "Softmax"]
            assert full_kinds[-3:] == ["Conv2D", "GlobalAveragePooling2D", "Softmax"]
        else:  # the data, the schedule or nothing changes: the model is the shipped one
            assert _layers(model) == _layers(full), a.key


@pytest.mark.guards("mnist.md", "the test set was not touched")
def test_run_one_never_reads_the_test_split():
    """The ablation runs are compared on validation only: run_one calls no evaluation or prediction."""
    calls = {node.func.attr for node in ast.walk(ast.parse(inspect.getsource(ablations.run_one)))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert not calls & {"evaluate", "predict", "predict_on_batch", "test_on_batch"}, calls


def test_epochs_to_reach():
    assert ablations.epochs_to_reach([0.5, 0.98, 0.99, 0.995]) == 3
    assert ablations.epochs_to_reach([0.5, 0.98]) is None
    assert ablations.epochs_to_reach([0.991]) == 1


def test_overlap_and_verdict_wording():
    def fake(accs):
        return ablations.Summary("x", "x", (1, 2, 3), tuple(accs), (0.1, 0.1, 0.1), (None,) * 3, (1.0,) * 3, 1, {})

    full = fake([0.990, 0.992, 0.994])
    assert ablations.verdict(full, fake([0.980, 0.985, 0.9899])) == "lower"
    assert ablations.verdict(full, fake([0.980, 0.985, 0.990])) == "overlap"
    assert ablations.verdict(full, fake([0.9941, 0.995, 0.996])) == "higher"
    assert "3 seeds cannot tell these recipes apart" in ablations.outcome_sentence(full, fake([0.99, 0.991, 0.993]), "x")
    assert "every one of its 3 seeds ended below the full recipe's lowest" in ablations.outcome_sentence(
        full, fake([0.9, 0.91, 0.92]), "x")
    assert "ended above the full recipe's highest" in ablations.outcome_sentence(full, fake([0.995, 0.996, 0.997]), "x")


# ---- the frozen result ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def frozen():
    if not RESULT.exists():
        pytest.fail(f"{RESULT} is missing: run make ablations")
    return json.loads(RESULT.read_text())


def test_frozen_ablations_are_fresh(frozen):
    assert ablations.stale_message(frozen) is None, ablations.stale_message(frozen)


def test_frozen_ablations_are_complete(frozen):
    assert set(frozen["ablations"]) == {a.key for a in ablations.ABLATIONS}
    for key, entry in frozen["ablations"].items():
        assert [r["seed"] for r in entry["runs"]] == list(ablations.SEEDS), key
        for run in entry["runs"]:
            lengths = {len(v) for v in run["history"].values()}
            assert lengths == {run["epochs"]} == {train.EPOCHS}, (key, run["seed"])
            assert not any(k.startswith("test") for k in run), "an ablation run read the test split"


def test_constant_rate_was_chosen_on_validation(frozen):
    sweep = {float(r): run["history"]["val_accuracy"][-1] for r, run in frozen["sweep"].items()}
    assert frozen["chosen_rate"] == max(sweep, key=sweep.get)
    assert all(run["rate"] == frozen["chosen_rate"] for run in frozen["ablations"]["constant_rate"]["runs"])


def test_full_recipe_seed_1_lands_where_the_published_run_did(frozen):
    """The full recipe at seed 1 is the recipe behind the MNIST page, trained again by the ablation runner.

    The curves are not bit-identical (the ablation runs use other thread pools, which change the order of
    floating-point sums), so this compares where they end: within the tolerance ``make reproduce`` allows for the
    test accuracy, and within 10 % for the loss. It fails if the runner changed anything that matters.
    """
    from cnn_glossary.mnist.cli import TOLERANCE_PP

    mnist = json.loads((ROOT / "results" / "mnist" / "result.json").read_text())
    ours = next(r for r in frozen["ablations"]["full"]["runs"] if r["seed"] == mnist["seed"])
    gap_pp = abs(ours["history"]["val_accuracy"][-1] - mnist["history"]["val_accuracy"][-1]) * 100
    assert gap_pp <= TOLERANCE_PP, gap_pp
    assert ours["history"]["val_loss"][-1] == pytest.approx(mnist["history"]["val_loss"][-1], rel=0.10)


def test_a_changed_hash_is_stale(frozen, tmp_path):
    from cnn_glossary import publish

    folder = tmp_path / "ablations"
    folder.mkdir()
    (folder / "result.json").write_text(json.dumps(dict(frozen, hash="0" * 64)))
    collector = publish.Collector()
    publish.set_collector(collector)
    try:
        ablations.for_page(folder)
    finally:
        publish.set_collector(None)
    assert collector.warnings and "make ablations" in collector.warnings[0]


# ---- the pages' snippets, against the raw histories ------------------------------------------------------

PAGE_SNIPPETS = {
    "batch_norm/ablation": {"": "no_batch_norm"},
    "augmentation/ablation": {"": "no_augmentation"},
    "activation/ablation": {"": "sigmoid"},
    "learning_rate/ablation": {"": "constant_rate"},
    "pooling/ablation": {"stride_": "stride_2", "dense_": "dense_head"},
}


def _final(frozen, key, metric):
    return np.array([run["history"][metric][-1] for run in frozen["ablations"][key]["runs"]])


def _check_page(frozen, snippet):
    from cnn_glossary import publish

    got = publish.collect(ROOT / "snippets" / f"{snippet}.py")
    full_acc, full_loss = _final(frozen, "full", "val_accuracy"), _final(frozen, "full", "val_loss")
    for prefix, key in PAGE_SNIPPETS[snippet].items():
        acc, loss = _final(frozen, key, "val_accuracy"), _final(frozen, key, "val_loss")
        assert got.values[prefix + "accuracy"]["value"] == pytest.approx(acc.mean(), abs=1e-12)
        assert got.values[prefix + "full_accuracy"]["value"] == pytest.approx(full_acc.mean(), abs=1e-12)
        assert got.values[prefix + "loss"]["value"] == pytest.approx(loss.mean(), abs=1e-12)
        # The verdict, decided again here from the seed ranges.
        if acc.max() < full_acc.min():
            expected = "lower"
        elif acc.min() > full_acc.max():
            expected = "higher"
        else:
            expected = "overlap"
        assert got.values[prefix + "verdict"]["value"] == expected
        sentence = got.values[prefix + "sentence"]["value"]
        assert f"{acc.mean():.2%}" in sentence and f"{full_acc.mean():.2%}" in sentence
        assert f"{acc.min():.2%} to {acc.max():.2%}" in sentence
        assert ("cannot tell these recipes apart" in sentence) == (expected == "overlap")
        if expected != "overlap":  # the chance of a complete separation of n runs against m: 1 / C(n + m, n)
            import math
            c = math.comb(len(acc) + len(full_acc), len(acc))
            assert f"this way round, 1 time in {c} (2 in {c} either way)" in sentence
            # the chance, counted here by brute force over every way to split the runs into two groups
            import itertools
            n, m = len(acc), len(full_acc)
            splits = list(itertools.combinations(range(n + m), n))
            below = sum(1 for group in splits if max(group) < min(set(range(n + m)) - set(group)))
            assert (len(splits), below) == (c, 1)
            assert f"we made {len(frozen['ablations']) - 1} such comparisons" in sentence
        # Epochs to 99 %, counted here with a plain loop.
        per_seed = []
        for run in frozen["ablations"][key]["runs"]:
            hits = [i + 1 for i, a in enumerate(run["history"]["val_accuracy"]) if a >= 0.99]
            per_seed.append(str(hits[0]) if hits else "never")
        assert got.values[prefix + "epochs_to_target"]["value"] == ", ".join(per_seed)
        # The loss sentence, decided again from the seed ranges of the final validation loss.
        loss_sentence = got.values[prefix + "loss_sentence"]["value"]
        if loss.min() > full_loss.max():
            assert "(higher in every seed)" in loss_sentence
        elif loss.max() < full_loss.min():
            assert "(lower in every seed)" in loss_sentence
        else:
            assert "overlap" in loss_sentence
        assert got.values[prefix + "parameters"]["value"] == LEARNED_BY_HAND[key]
        assert got.values[prefix + "keras_parameters"]["value"] == frozen["ablations"][key]["runs"][0]["parameters"]
    table = got.tables["runs"]
    assert len(table["rows"]) == 1 + len(PAGE_SNIPPETS[snippet])
    for row, key in zip(table["rows"], ["full", *PAGE_SNIPPETS[snippet].values()]):
        assert list(row[5:]) == [LEARNED_BY_HAND[key], frozen["ablations"][key]["runs"][0]["parameters"]]
    caption = got.figures["curves"].caption
    assert got.figures["curves"].alt and "never on the test set" in caption
    assert f"for {train.EPOCHS} epochs" in caption and f"{train.VALIDATION_SIZE:,} held-out validation" in caption
    assert not got.warnings, got.warnings


@pytest.mark.checks("batch_norm/ablation")
def test_batch_norm_page_against_the_raw_runs(frozen):
    _check_page(frozen, "batch_norm/ablation")


@pytest.mark.checks("augmentation/ablation")
def test_augmentation_page_against_the_raw_runs(frozen):
    from cnn_glossary import publish

    _check_page(frozen, "augmentation/ablation")
    got = publish.collect(ROOT / "snippets" / "augmentation" / "ablation.py").values
    plain = frozen["ablations"]["no_augmentation"]["runs"]
    assert got["plain_train_accuracy"]["value"] == pytest.approx(np.mean([r["history"]["accuracy"][-1] for r in plain]))
    assert got["plain_train_loss"]["value"] == pytest.approx(np.mean([r["history"]["loss"][-1] for r in plain]))
    augmented = frozen["ablations"]["full"]["runs"]
    assert got["augmented_train_loss"]["value"] == pytest.approx(np.mean([r["history"]["loss"][-1] for r in augmented]))


@pytest.mark.checks("activation/ablation")
def test_activation_page_against_the_raw_runs(frozen):
    _check_page(frozen, "activation/ablation")


@pytest.mark.checks("learning_rate/ablation")
def test_learning_rate_page_against_the_raw_runs(frozen):
    _check_page(frozen, "learning_rate/ablation")


def _check_heads_confusion(frozen):
    """The Pooling page's common confusion: the Flatten + Dense head against ours, decided again from the seeds."""
    from cnn_glossary import publish

    got = publish.collect(ROOT / "snippets" / "pooling" / "ablation.py").values
    dense, full = _final(frozen, "dense_head", "val_accuracy"), _final(frozen, "full", "val_accuracy")
    phrase = got["dense_head_phrase"]["value"]
    if dense.max() < full.min():
        assert phrase.startswith("every one of its seeds ended below ours")
    elif dense.min() > full.max():
        assert phrase.startswith("every one of its seeds ended above ours")
    else:
        assert phrase == f"the seed ranges overlap, so {len(dense)} seeds cannot tell the two heads apart"


@pytest.mark.checks("pooling/ablation")
def test_pooling_page_against_the_raw_runs(frozen):
    _check_page(frozen, "pooling/ablation")
    _check_heads_confusion(frozen)


@pytest.mark.guards("batch-norm.md", "seeds ended below the full recipe's lowest")
@pytest.mark.guards("learning-rate.md", "seeds ended below the full recipe's lowest")
@pytest.mark.guards("pooling.md", "seeds ended below the full recipe's lowest")
@pytest.mark.guards("activation.md", "seeds ended below the full recipe's lowest")
@pytest.mark.guards("augmentation.md", "seeds cannot tell these recipes apart")
@pytest.mark.guards("pooling.md", "seeds cannot tell these recipes apart")
@pytest.mark.guards("batch-norm.md", "chance alone would split the runs this cleanly, this way round")
@pytest.mark.guards("learning-rate.md", "chance alone would split the runs this cleanly, this way round")
@pytest.mark.guards("pooling.md", "chance alone would split the runs this cleanly, this way round")
@pytest.mark.guards("activation.md", "chance alone would split the runs this cleanly, this way round")
@pytest.mark.guards("pooling.md", "so 3 seeds cannot tell the two heads apart")
@pytest.mark.guards("batch-norm.md", "(higher in every seed)")
@pytest.mark.guards("learning-rate.md", "(higher in every seed)")
@pytest.mark.guards("augmentation.md", "(the ranges over 3 seeds overlap)")
@pytest.mark.guards("batch-norm.md", "validation images, never on the test set")
@pytest.mark.guards("batch-norm.md", "Every run trains our recipe for")
@pytest.mark.guards("learning-rate.md", "validation images, never on the test set")
@pytest.mark.guards("learning-rate.md", "Every run trains our recipe for")
@pytest.mark.guards("pooling.md", "validation images, never on the test set")
@pytest.mark.guards("pooling.md", "Every run trains our recipe for")
@pytest.mark.guards("activation.md", "validation images, never on the test set")
@pytest.mark.guards("activation.md", "Every run trains our recipe for")
@pytest.mark.guards("augmentation.md", "validation images, never on the test set")
@pytest.mark.guards("augmentation.md", "Every run trains our recipe for")
@pytest.mark.checks("batch_norm/ablation", "augmentation/ablation", "activation/ablation", "learning_rate/ablation",
                    "pooling/ablation")
def test_every_pages_sentences_and_captions(frozen):
    """The generated sentences and captions of every page, in one place: what the guards above declare.

    Each page's own test below runs the same checks; this one carries the guards, so that a sentence on any page
    is guarded by a test that reads that page's snippet. The captions' 'never on the test set' rests on the runs
    themselves: test_run_one_never_reads_the_test_split and test_frozen_ablations_are_complete.
    """
    for snippet in PAGE_SNIPPETS:
        _check_page(frozen, snippet)
    _check_heads_confusion(frozen)
    test_run_one_never_reads_the_test_split()
    test_frozen_ablations_are_complete(frozen)


@pytest.mark.checks("learning_rate/ablation")
def test_sweep_table_against_the_raw_runs(frozen):
    from cnn_glossary import publish

    got = publish.collect(ROOT / "snippets" / "learning_rate" / "ablation.py")
    rows = got.tables["sweep"]["rows"]
    finals = {float(r): run["history"]["val_accuracy"][-1] for r, run in frozen["sweep"].items()}
    assert [float(row[0]) for row in rows] == sorted(finals)
    assert [row[1] for row in rows] == [finals[r] for r in sorted(finals)]
    assert [row[3] for row in rows].count("yes") == 1
    best = max(finals, key=finals.get)
    assert rows[sorted(finals).index(best)][3] == "yes"


# Learned parameters of each variant, counted by hand from the layer list (kernel sizes and channels as in
# train.build_model): five convolutions, then batch norm's gamma and beta per channel or, without batch norm, a bias
# per channel, then the head (1x1 convolution to ten maps, or Dense(10) on the flattened 3x3x32 maps), with biases.
_CONVS = 3 * 3 * 1 * 16 + 3 * 3 * 16 * 32 + 3 * 3 * 32 * 32 + 1 * 1 * 32 * 16 + 3 * 3 * 16 * 32
_CHANNELS = 16 + 32 + 32 + 16 + 32
_GAP_HEAD, _DENSE_HEAD = 32 * 10 + 10, 3 * 3 * 32 * 10 + 10
LEARNED_BY_HAND = {
    "full": _CONVS + 2 * _CHANNELS + _GAP_HEAD,
    "no_batch_norm": _CONVS + _CHANNELS + _GAP_HEAD,
    "no_augmentation": _CONVS + 2 * _CHANNELS + _GAP_HEAD,
    "constant_rate": _CONVS + 2 * _CHANNELS + _GAP_HEAD,
    "stride_2": _CONVS + 2 * _CHANNELS + _GAP_HEAD,
    "dense_head": _CONVS + 2 * _CHANNELS + _DENSE_HEAD,
    "sigmoid": _CONVS + 2 * _CHANNELS + _GAP_HEAD,
}


def test_learned_parameters_by_hand_and_against_keras(frozen, keras):
    """The tables' learned column: a count by hand, Keras's trainable weights of the shipped model, and the frozen
    runs' Keras count less the moving means and variances (two per batch-normalised channel)."""
    assert set(LEARNED_BY_HAND) == {a.key for a in ablations.ABLATIONS}
    shipped = train.build_model(keras)
    assert sum(int(np.prod(w.shape)) for w in shipped.trainable_weights) == LEARNED_BY_HAND["full"]
    for key, entry in frozen["ablations"].items():
        moving = 2 * _CHANNELS if ablations.BY_KEY[key].batch_norm else 0
        assert entry["runs"][0]["parameters"] - moving == LEARNED_BY_HAND[key], key
        assert ablations.learned_parameters(key) == LEARNED_BY_HAND[key], key
    # a rebuilt variant that is not the trained model is refused rather than counted
    s = ablations.summarise(frozen, "full")
    with pytest.raises(RuntimeError, match="Retrain"):
        ablations.parameter_counts(ablations.Summary(**{**s.__dict__, "parameters": s.parameters + 1}))


@pytest.mark.checks("mnist/ablations")
def test_overview_table_against_the_raw_runs(frozen):
    from cnn_glossary import publish

    got = publish.collect(ROOT / "snippets" / "mnist" / "ablations.py")
    rows = {row[0].split(" (")[0]: row for row in got.tables["all"]["rows"]}
    assert set(rows) == {entry["label"] for entry in frozen["ablations"].values()}
    for key, entry in frozen["ablations"].items():
        row = rows[entry["label"]]
        assert row[1] == pytest.approx(np.mean(_final(frozen, key, "val_accuracy")), abs=1e-12)
        assert row[3] == pytest.approx(np.mean(_final(frozen, key, "val_loss")), abs=1e-12)
        assert row[6] == entry["runs"][0]["parameters"]  # Keras's count, as recorded when the runs trained
        assert row[5] == LEARNED_BY_HAND[key]
    distinct = {json.dumps(r, sort_keys=True) for e in frozen["ablations"].values() for r in e["runs"]}
    distinct |= {json.dumps(r, sort_keys=True) for r in frozen["sweep"].values()}
    assert got.values["runs"]["value"] == len(distinct)


@pytest.mark.checks("mnist/ablations")
@pytest.mark.guards("mnist.md", "These runs are separate from the published network")
def test_rerun_at_the_published_seed_against_both_result_files(frozen, monkeypatch):
    """The MNIST page's sentence on the full recipe's run at the published seed, redone from the two JSON files."""
    import subprocess

    from cnn_glossary import publish

    mnist = json.loads((ROOT / "results" / "mnist" / "result.json").read_text())
    ours = next(r for r in frozen["ablations"]["full"]["runs"] if r["seed"] == mnist["seed"])
    sentence = publish.collect(ROOT / "snippets" / "mnist" / "ablations.py").values["rerun_sentence"]["value"]
    differ = ours["history"]["val_accuracy"] != mnist["history"]["val_accuracy"]
    assert ("These runs are separate from the published network" in sentence) == differ
    if differ:
        assert f"ended at {ours['history']['val_accuracy'][-1]:.2%} validation accuracy" in sentence
        assert f"against {mnist['history']['val_accuracy'][-1]:.2%} for the published run" in sentence
        assert ("the same library versions" in sentence) == (frozen["versions"] == mnist["versions"])
        assert ("the same kind of CPU" in sentence) == (frozen["cpu"] == mnist["cpu"])
        assert "not measured" in sentence  # a difference in settings, not a proven cause
    # the thread settings it names: what the runner gives a training process when it runs `jobs` at a time
    seen = []

    def fake_run(cmd, env, capture_output, text):
        seen.append(env)
        return subprocess.CompletedProcess(cmd, 1, "", "stopped by the test")

    monkeypatch.setattr(ablations.subprocess, "run", fake_run)
    for jobs in (1, 2):
        with pytest.raises(RuntimeError, match="stopped by the test"):
            ablations._spawn("full", 1, None, ROOT / "unused.json", threads=ablations.threads_per_run(jobs))
    single, parallel = seen
    assert "TF_NUM_INTRAOP_THREADS" not in single or single["TF_NUM_INTRAOP_THREADS"] == os.environ.get(
        "TF_NUM_INTRAOP_THREADS")
    assert parallel["TF_NUM_INTRAOP_THREADS"] == "1" == parallel["TF_NUM_INTEROP_THREADS"]
    if frozen["jobs"] > 1:
        assert f"ran {frozen['jobs']} at a time with 1 TensorFlow thread each" in sentence
    # the published run sets no thread count: neither the training script nor the command that writes the result
    import inspect

    from cnn_glossary.mnist import cli

    for module in (train, cli):
        source = inspect.getsource(module)
        assert "THREADS" not in source and "set_intra_op_parallelism_threads" not in source, module.__name__
    # the training script's Setup text mentions the differing second seed-1 run: true only while the runs differ
    assert ("ended\n# slightly apart from the published one" in inspect.getsource(train)) == differ
    # and names the thread count as one setting that differed, not as the proven cause (as the MNIST page does)
    setup = inspect.getsource(train).split("# ## Setup", 1)[1].split("# %%", 1)[0]
    assert ("the thread count is one setting that differed" in setup) == differ
    assert "trained with one thread" not in setup or ablations.threads_per_run(frozen["jobs"]) == 1
    assert ("whether it alone explains the gap has not been measured" in " ".join(
        line.lstrip("# ") for line in setup.splitlines())) == differ
    assert "added up:" not in setup  # no colon presenting the second run as the thread effect's instance

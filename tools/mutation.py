"""Mutation score per module, with mutmut: `make mutation` or `python tools/mutation.py [module ...]`.

For each module it writes a `[mutmut]` section to `setup.cfg` naming that module and the unit tests that
exercise it, runs mutmut with one worker under `nice -n 19` (the machine may be shared), and prints the
killed / survived / untested counts. Not part of `make test` or CI: the whole run takes long on 2 cores.
Each survivor's diff is appended to `mutation-survivors.txt` (not committed), to judge whether it is equivalent.
"""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# module (under src/cnn_glossary) -> the fast unit tests that exercise it, fastest modules first
MODULES = {
    "site/publish.py": ["tests/test_publish.py"],
    "site/placeholders.py": ["tests/test_placeholders.py"],
    "conv.py": ["tests/test_conv.py", "tests/test_conv_checks.py"],
    # small hand-built models only: the keras.applications test and the conv_3x3 fit curve take seconds per mutant
    "counting.py": ["tests/test_counting_units.py"] + [f"tests/test_counting.py::test_{name}" for name in (
        "chain_counts_match_keras", "inception_block_counts_match_keras", "bottleneck_snippet_numbers_match_keras",
        "pointwise_snippet_conv_equals_per_pixel_dense", "one_by_one_conv_is_a_matrix_product_at_every_pixel",
        "count_model_by_hand_on_a_small_model", "count_dense_and_pool", "count_model_refuses_an_unknown_layer")] + [
        f"tests/test_conv_3x3.py::test_{name}" for name in (
            "stacked_snippet_fields_and_parameters", "composition_of_two_keras_3x3_layers_is_one_5x5_correlation",
            "single_channel_fit_is_inexact_then_exact", "alternating_least_squares_is_as_good_as_an_independent_solver",
            "winograd_snippet")],
    # all but the tests that read the 40-epoch snippet from the built site, and the two that train with Keras's fit:
    # in mutmut's forked child, fit's tf.data threads hang (one-thread pools do not help), so overfit_run's mutants
    # show as untested here; run those two tests by hand against a planted change instead
    "epochs.py": [
        "tests/test_epochs.py::test_argmin1_is_the_first_lowest_epoch_counted_from_one",
        "tests/test_epochs.py::test_epoch_batches_in_order_without_a_generator_and_shuffled_with_one",
        "tests/test_epochs.py::test_epoch_batches_cover_the_training_set_once",
        "tests/test_epochs.py::test_overfit_data_is_the_head_of_our_split_flattened",
        "tests/test_epochs.py::test_steps_per_epoch_counts_batches",
        "tests/test_epochs.py::test_steps_per_epoch_refuses_bad_arguments",
        "tests/test_epochs.py::test_stop_epoch_defaults_are_keras_defaults",
        "tests/test_epochs.py::test_stop_epoch_follows_keras_semantics",
        "tests/test_epochs.py::test_stop_epoch_matches_keras_early_stopping_on_scripted_histories",
    ],
    "activations.py": ["tests/test_activation.py",  # but the 90 s run over the frozen model's test set
                       "--deselect", "tests/test_activation.py::test_never_firing_counts_against_numpy"],
    "mnist/results.py": ["tests/test_results_units.py",  # test_training.py's small_run trains for ~20 s
                         "tests/test_training.py::test_train_refuses_to_publish_anything_but_the_full_recipe",
                         "tests/test_training.py::test_train_with_other_settings_writes_where_out_says",
                         "tests/test_hardening.py::test_an_interrupt_while_writing_the_model_leaves_no_temporary_files",
                         "tests/test_hardening.py::test_result_files_follow_the_umask"],
    # the fast tests only: the keras.applications ones (marked slow) take minutes per mutant
    "receptive_field.py": ["tests/test_receptive_field_units.py"] + [
        f"tests/test_receptive_field.py::test_{name}" for name in (
        "closed_form_and_recurrence_agree_with_the_walk", "closed_form_and_backward_recurrence_match_the_gradient",
        "mnist_model_every_layer", "non_square_sequential_with_depthwise_separable_and_average_pooling",
        "odd_same_padding_start_is_measured_not_assumed", "merge_of_aligned_branches_is_the_union",
        "misaligned_merge_is_flagged_and_still_measured_right_for_unit_0_region",
        "different_strides_at_a_merge_are_flagged", "merged_jump_is_the_larger_one",
        "asymmetric_zero_padding_against_gradient", "growth_snippet_matches_gradient_measurement",
        "mnist_table_snippet_matches_gradient_measurement", "random_stacks_against_gradient",
        "nested_sequential_block_inside_a_functional_model",)],
    # test_pipeline.py's other tests build whole sites; test_hardening.py's timeout test waits 8 s
    "site/pipeline.py": ["tests/test_pipeline_units.py",
                         "tests/test_pipeline.py::test_manifest_records_package_modules_and_versions",
                         "tests/test_pipeline.py::test_pipeline_reports_the_snippet_line",
                         "tests/test_pipeline.py::test_editing_an_imported_package_module_reruns_the_snippet",
                         "tests/test_hardening.py::test_a_manifest_of_the_wrong_shape_is_stale_not_a_crash",
                         "tests/test_hardening.py::test_a_read_only_cache_of_fresh_entries_still_builds",
                         "tests/test_hardening.py::test_a_snippet_that_must_run_in_a_read_only_cache_names_the_folder",
                         "tests/test_hardening.py::test_a_zero_byte_cached_figure_is_made_again",
                         "tests/test_hardening.py::test_figures_no_manifest_refers_to_are_pruned",
                         "tests/test_hardening.py::test_cache_files_follow_the_umask"],
}
HANG_SECONDS = 480  # wall time after which one mutant's test run is stopped (see _watchdog)
SECTION = """[mutmut]
source_paths = src/
only_mutate = src/cnn_glossary/{module}
pytest_add_cli_args_test_selection =
{tests}
pytest_add_cli_args =
    -p
    no:cacheprovider
    -x
also_copy =
    snippets/
    docs/
    results/
    mkdocs.yml
"""


def _watchdog(parent: subprocess.Popen, stop: threading.Event) -> None:
    """Stop a mutant's test run that has taken more than HANG_SECONDS of wall time.

    mutmut limits each forked test run by CPU time only; TensorFlow used after a fork can still deadlock (despite
    the one-thread pools set below), and a waiting process never reaches that limit. The stopped mutant is reported by mutmut as "segfault" (counted in "other",
    never as killed).
    """
    while not stop.wait(10):
        ps = subprocess.run(["ps", "-o", "pid=,ppid=,etimes=,args=", "-e"], capture_output=True, text=True).stdout
        for line in ps.splitlines():
            pid, ppid, seconds, *args = line.split()
            if int(ppid) == parent.pid and args[:1] == ["mutmut:"] and int(seconds) > HANG_SECONDS:
                print(f"  stopped {args[1]} after {seconds} s of wall time", flush=True)
                subprocess.run(["kill", "-9", pid], check=False)


def run(module: str, keep: bool) -> dict[str, int]:
    cfg = ROOT / "setup.cfg"
    if cfg.exists():
        sys.exit(f"{cfg} exists; this script writes its own [mutmut] section there. Move it aside first.")
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    cfg.write_text(SECTION.format(module=module, tests="\n".join(f"    {t}" for t in MODULES[module])))
    try:
        # mutmut forks each mutant's test run from a process where TensorFlow has started its thread pools; with
        # more than one thread per pool, a large TensorFlow operation in the forked child hangs
        env = dict(os.environ, TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
        mutmut = subprocess.Popen(["nice", "-n", "19", str(BIN / "mutmut"), "run", "--max-children", "1"], cwd=ROOT,
                                  stdout=subprocess.DEVNULL, env=env)
        stop = threading.Event()
        threading.Thread(target=_watchdog, args=(mutmut, stop), daemon=True).start()
        mutmut.wait()
        stop.set()
        out = subprocess.run([str(BIN / "mutmut"), "results", "--all", "true"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
        survivors = [line.split(":")[0].strip() for line in out.splitlines() if line.endswith(": survived")]
        with open(ROOT / "mutation-survivors.txt", "a") as report:  # the diffs, to judge each survivor
            for name in survivors:
                diff = subprocess.run([str(BIN / "mutmut"), "show", name], cwd=ROOT, capture_output=True, text=True)
                report.write(f"## {module}: {name}\n{diff.stdout}\n")
    finally:
        if not keep:
            cfg.unlink()
    counts = collections.Counter(line.rsplit(":", 1)[1].strip() for line in out.splitlines() if ":" in line)
    return dict(counts)


def main(argv: list[str]) -> int:
    keep = "--keep" in argv
    names = [a for a in argv if a != "--keep"] or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        sys.exit(f"unknown module(s) {unknown}; choose from {list(MODULES)}")
    print(f"{'module':24} {'killed':>7} {'survived':>9} {'no tests':>9} {'timeout':>8} {'other':>6} {'score':>7}")
    for name in names:
        c = run(name, keep)
        killed, survived = c.pop("killed", 0), c.pop("survived", 0)
        untested = c.pop("no tests", 0)  # no selected test runs the mutated function: not killed
        timeout = c.pop("timeout", 0)  # the tests did not finish in time: shown, left out of the score
        other = sum(c.values())  # suspicious, skipped, not checked
        counted = killed + survived + untested
        score = f"{killed / counted:.0%}" if counted else "-"
        print(f"{name:24} {killed:7d} {survived:9d} {untested:9d} {timeout:8d} {other:6d} {score:>7}", flush=True)
    print("score = killed / (killed + survived + no tests); judge each survivor in mutation-survivors.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

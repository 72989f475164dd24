"""Softmax on our model's ten scores for one test digit; adding a constant; the overflow of a naive softmax."""

import keras
import numpy as np

from cnn_glossary import publish
from cnn_glossary.kernels import DIGIT_INDEX, test_digit
from cnn_glossary.mnist import results
from cnn_glossary.softmax import log_softmax, softmax, softmax_naive

model = results.for_page().load_model()
scores = keras.Model(model.input, model.get_layer("gap").output)  # the logits: what the softmax layer reads
logits = np.asarray(scores(test_digit()[None, :, :, None]))[0].astype("float64")
CONSTANT, BIG = 5.0, 1000.0

# --8<-- [start:lesson]
exps = np.exp(logits)  # 1. exponentiate every score: all positive
probabilities = exps / exps.sum()  # 2. divide by their sum: they add up to one
shifted = softmax(logits + CONSTANT)  # adding the same number to every score changes nothing
naive_big = softmax_naive(logits + BIG)  # exp(1000) overflows to inf, and inf / inf is nan
stable_big = softmax(logits + BIG)  # subtract the largest score first: exp never sees more than 0
# --8<-- [end:lesson]

rows = [(k, logits[k], exps[k], probabilities[k]) for k in range(len(logits))]
publish.table("steps", rows, headers=["digit", "score (logit)", "exp(score)", "probability"],
              fmts=[None, ".2f", ".3g", ".6g"])  # enough digits that 0.999998 does not read as 1
publish.value("digit_index", DIGIT_INDEX)
publish.value("predicted", int(probabilities.argmax()))
publish.value("top_probability", float(probabilities.max()), fmt=".6f")
publish.value("exp_sum", float(exps.sum()), fmt=".4g")
publish.value("probability_sum", float(probabilities.sum()), fmt=".4f")
publish.value("constant", CONSTANT, fmt="g")
publish.value("big", BIG, fmt="g")
publish.value("shift_difference", float(np.abs(shifted - probabilities).max()), fmt=".0e")
publish.value("naive_nan", int(np.isnan(naive_big).sum()))
publish.value("stable_difference", float(np.abs(stable_big - probabilities).max()), fmt=".0e")
publish.value("model_difference", float(np.abs(np.asarray(model(test_digit()[None, :, :, None]))[0]
                                              - probabilities).max()), fmt=".0e")
publish.value("log_probability", float(log_softmax(logits)[probabilities.argmax()]), fmt=".2g")
publish.value("overflow_float32", float(np.log(np.finfo(np.float32).max)), fmt=".1f")
publish.value("overflow_float64", float(np.log(np.finfo(np.float64).max)), fmt=".1f")

"""Check yourself (Batch Normalization page): the numbers each question gives, and its answer, computed."""

import numpy as np

from cnn_glossary import publish
from cnn_glossary.batchnorm import batch_statistics, fold, normalise, training_output

EPSILON = 1e-3  # Keras's default, and our layers'
BATCH = np.array([2.0, 4.0, 6.0, 8.0])[:, None]  # one channel, four examples
GAMMA, BETA = 2.0, 1.0

# 1. Training mode: the batch's own statistics, then γ and β (the confusion: "the output is exactly mean 0, variance 1")
out1 = training_output(BATCH, GAMMA, BETA, EPSILON)[:, 0]
mean1, variance1 = (float(v[0]) for v in batch_statistics(BATCH))
publish.value("q1_batch", BATCH[:, 0])
publish.value("q1_gamma", GAMMA, fmt="g")
publish.value("q1_beta", BETA, fmt="g")
publish.value("q1_answer", np.round(out1, 3))
publish.value("q1_mean", float(out1.mean()), fmt=".3g")
publish.value("q1_why", f"The batch has mean {mean1:g} and variance {variance1:g}, so x is first mapped to "
              f"(x − {mean1:g}) / √({variance1:g} + {EPSILON:g}), then multiplied by {GAMMA:g} and shifted by "
              f"{BETA:g}: the mean is β = {out1.mean():.3g}, not 0.")

# 2. The same value at inference (the confusion: "batch norm does the same in training and at inference")
X2, MOVING_MEAN2, MOVING_VARIANCE2 = 6.0, 4.0, 4.0
inference2 = float(normalise(X2, GAMMA, BETA, MOVING_MEAN2, MOVING_VARIANCE2, EPSILON))
training2 = float(out1[list(BATCH[:, 0]).index(X2)])
publish.value("q2_x", X2, fmt="g")
publish.value("q2_moving_mean", MOVING_MEAN2, fmt="g")
publish.value("q2_moving_variance", MOVING_VARIANCE2, fmt="g")
publish.value("q2_inference", inference2, fmt=".3f")
publish.value("q2_training", training2, fmt=".3f")
publish.value("q2_why", f"At inference the stored averages replace the batch's: {GAMMA:g} · ({X2:g} − "
              f"{MOVING_MEAN2:g}) / √({MOVING_VARIANCE2:g} + {EPSILON:g}) + {BETA:g} = {inference2:.3f}, where "
              f"training mode gave {training2:.3f} for the same value.")

# 3. Folding into the convolution before it
W3, MEAN3, VARIANCE3 = 0.5, 0.2, 0.999  # a 1x1 convolution's weight (no bias), and the stored averages
kernel3, bias3 = fold(np.array([W3]), None, GAMMA, BETA, np.array([MEAN3]), np.array([VARIANCE3]), EPSILON)
scale3 = GAMMA / np.sqrt(VARIANCE3 + EPSILON)
publish.value("q3_weight", W3, fmt="g")
publish.value("q3_mean", MEAN3, fmt="g")
publish.value("q3_variance", VARIANCE3, fmt="g")
publish.value("q3_kernel", float(kernel3[0]), fmt=".4g")
publish.value("q3_bias", float(bias3[0]), fmt=".4g")
publish.value("q3_why", f"The scale is γ / √({VARIANCE3:g} + {EPSILON:g}) = {scale3:.4g}: the weight becomes "
              f"{W3:g} · {scale3:.4g} and the bias β − {MEAN3:g} · {scale3:.4g}. One convolution with a bias.")

# 4. How slowly the moving average follows
MOMENTUM4, BATCH_MEAN4, STEPS4 = 0.99, 5.0, 100
moving4 = 0.0
for _ in range(STEPS4):
    moving4 = MOMENTUM4 * moving4 + (1 - MOMENTUM4) * BATCH_MEAN4
publish.value("q4_momentum", MOMENTUM4, fmt="g")
publish.value("q4_batch_mean", BATCH_MEAN4, fmt="g")
publish.value("q4_steps", STEPS4)
publish.value("q4_answer", moving4, fmt=".2f")
publish.value("q4_why", f"Each step moves it {1 - MOMENTUM4:.0%} of the way: {BATCH_MEAN4:g} · (1 − "
              f"{MOMENTUM4:g}^{STEPS4}) = {moving4:.2f}. Early in training, inference mode uses stale averages.")

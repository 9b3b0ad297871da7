"""Thresholds by cost: the threshold with the lowest total cost on the validation rows, against 0.5 and
against the F1-best threshold (tune_threshold's), all three then priced on the test rows.

Part of the evaluate stage (binary tasks, `[evaluation] costs`), and one of the modules allowed to import
sklearn.metrics. The counts are scikit-learn's (multilabel_confusion_matrix over every distinct validation
score at once, as threshold_table does, and confusion_matrix via evaluate.at_threshold on the test rows);
the cost, fp_cost * FP + fn_cost * FN, is the lesson's own definition, not a metric.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import multilabel_confusion_matrix

from tracegen.pipeline.evaluate import at_threshold
from tracegen.trace import CostedRule, CostThresholds, ThresholdMetrics


def rule_cost(metrics: ThresholdMetrics, fp_cost: float, fn_cost: float) -> float:
    """Return fp_cost * FP + fn_cost * FN of a binary confusion matrix [[TN, FP], [FN, TP]]."""
    (_, fp), (fn, _) = metrics.confusion_matrix
    return fp_cost * fp + fn_cost * fn


def validation_costs(y_val: np.ndarray, score_val: np.ndarray, fp_cost: float, fn_cost: float,
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct validation scores, highest first, and the total cost when y_score >= each is positive."""
    thresholds = np.unique(score_val)[::-1]
    # A single column would read as binary labels, not multilabel: a lone threshold is scored twice.
    columns = thresholds if len(thresholds) > 1 else np.repeat(thresholds, 2)
    predicted = score_val[:, None] >= columns[None, :]
    truth = np.broadcast_to((y_val == 1)[:, None], predicted.shape)
    counts = multilabel_confusion_matrix(truth, predicted)[:len(thresholds)].reshape(-1, 4)
    return thresholds, fp_cost * counts[:, 1] + fn_cost * counts[:, 2]


def cheapest_threshold(y_val: np.ndarray, score_val: np.ndarray, fp_cost: float, fn_cost: float,
                       ) -> tuple[float, float]:
    """Return (threshold, its validation cost) with the lowest validation cost; on ties the highest threshold.

    argmin keeps the first of equal costs, and the candidates run highest first: the same tie rule as
    tune_threshold's F1 choice.
    """
    thresholds, costs = validation_costs(y_val, score_val, fp_cost, fn_cost)
    best = int(np.argmin(costs))
    return float(thresholds[best]), float(costs[best])


def cost_thresholds(y_val: np.ndarray, score_val: np.ndarray, y_test: np.ndarray, score_test: np.ndarray,
                    costs: dict[str, float], f1_threshold: float) -> CostThresholds:
    """Return 0.5, the F1-best and the cheapest validation threshold, each priced on validation and test rows."""
    fp_cost, fn_cost = costs["fp"], costs["fn"]

    def priced(name: str, threshold: float) -> CostedRule:
        test = at_threshold(y_test, score_test, threshold)
        validation = at_threshold(y_val, score_val, threshold)
        return CostedRule(name=name, threshold=threshold, validation_cost=rule_cost(validation, fp_cost, fn_cost),
                          test=test, test_cost=rule_cost(test, fp_cost, fn_cost))

    cheapest, _ = cheapest_threshold(y_val, score_val, fp_cost, fn_cost)
    doubled, _ = cheapest_threshold(y_val, score_val, fp_cost, 2 * fn_cost)
    return CostThresholds(fp_cost=fp_cost, fn_cost=fn_cost, default=priced("default", 0.5),
                          f1_best=priced("F1-best on validation", f1_threshold),
                          cheapest=priced("cheapest on validation", cheapest), cheapest_if_fn_doubled=doubled)

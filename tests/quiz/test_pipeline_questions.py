"""Generators about the pipeline's steps: rows per split, the epochs, overfitting."""

from __future__ import annotations

import numpy as np

from benchmarks import bare_precision_recall
from tests import quiz_oracles as oracles
from tests.quiz.quiz_helpers import with_losses, wrong_values
from tracegen.quiz import pipeline_questions


def test_epoch_answers_match_a_bare_training_script():
    """Loss at epoch k and the best epoch equal those of an independent scikit-learn training loop."""
    for seed in (4, 11):
        trace = oracles.lesson_trace("precision-recall", seed, epochs=None)[1]
        bare = bare_precision_recall.run(seed)["epochs"]  # columns: train loss/acc, val loss/acc
        by_id = {q.id: q for q in pipeline_questions.loss_at_epoch(trace) + pipeline_questions.best_val_epoch(trace)}
        k = int(oracles.param(r"at epoch (\d+)", by_id["loss_at_epoch"].prompt))
        assert abs(by_id["loss_at_epoch"].answer - bare[k - 1, 2]) <= 1e-12
        if "best_val_epoch" in by_id:
            assert by_id["best_val_epoch"].answer == int(np.argmin(bare[:, 2])) + 1


def test_row_count_distractors_are_every_row_and_the_train_rows(binary_trace):
    """Test rows: the distractors are all rows and the train rows."""
    (question,) = pipeline_questions.test_rows(binary_trace)
    values = set(wrong_values(question).values())
    assert {binary_trace.data.n_samples, binary_trace.stage("split").output_shape["train"][0]} <= values


def test_overfitting_onset_is_the_epoch_after_the_lowest_validation_loss(binary_trace):
    """Val loss bottoming out at epoch 3 then rising gives 'from epoch 4'; the gap and the dip are distractors."""
    trace = with_losses(binary_trace, train=[0.9, 0.6, 0.5, 0.4, 0.3, 0.2], val=[0.5, 0.7, 0.45, 0.5, 0.55, 0.6],
                        accuracy=[0.80, 0.82, 0.81, 0.83, 0.84, 0.84])
    (question,) = pipeline_questions.overfitting(trace)
    right = [o.text for o in question.options if o.correct]
    assert right == ["Yes, from epoch 4: validation loss is lowest at epoch 3 and never gets back below that"]
    wrong = {o.misconception: o.text for o in question.options if not o.correct}
    assert wrong["a gap between train and validation loss alone taken as overfitting"].startswith("Yes, from epoch 2:")
    assert wrong["one dip in validation accuracy taken as overfitting"].startswith("Yes, from epoch 3:")
    assert "judging progress by training loss alone" in wrong
    (best,) = pipeline_questions.best_val_epoch(trace)
    assert best.answer == 3 and {o.value for o in best.options} == {6, 5, 2}


def test_overfitting_drops_a_distractor_that_names_the_right_epoch(binary_trace):
    """When the train/val gap opens at the onset epoch, that distractor would be ambiguous and is dropped."""
    trace = with_losses(binary_trace, train=[0.9, 0.8, 0.5, 0.4], val=[0.6, 0.55, 0.6, 0.7],
                        accuracy=[0.8, 0.81, 0.83, 0.82])
    (question,) = pipeline_questions.overfitting(trace)
    assert [o.text for o in question.options if o.correct][0].startswith("Yes, from epoch 3:")
    assert all("training loss first drops below" not in o.text for o in question.options)


def test_best_val_epoch_is_not_asked_when_the_last_epoch_is_lowest(binary_trace):
    """A lowest-at-the-end run would make 'the last epoch' the answer, the misconception: no question."""
    falling = with_losses(binary_trace, train=[0.9, 0.7, 0.6, 0.5], val=[0.8, 0.7, 0.75, 0.65],
                          accuracy=[0.8, 0.81, 0.82, 0.83])
    assert pipeline_questions.best_val_epoch(falling) == ()
    (question,) = pipeline_questions.overfitting(falling)
    assert [o.text for o in question.options if o.correct][0].startswith("No:")


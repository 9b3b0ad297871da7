"""Split, normalize, select and predict stages; each returns its output and a StageRecord."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracegen.errors import DataError
from tracegen.pipeline.data import Dataset
from tracegen.pipeline.records import model_input, row_example
from tracegen.spec import LessonSpec, SelectSpec
from tracegen.trace import PredictionTrace, StageRecord


@dataclass(frozen=True)
class Parts:
    """Row indices into the data set for each part; validation may be empty."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray

    def shapes(self, X: np.ndarray) -> dict[str, tuple[int, ...]]:
        """Return {"train": shape, "validation": shape, "test": shape}, skipping an empty part."""
        return {name: (len(rows), X.shape[1]) for name, rows in self.named() if len(rows)}

    def named(self) -> tuple[tuple[str, np.ndarray], ...]:
        return (("train", self.train), ("validation", self.validation), ("test", self.test))


def split(data: Dataset, spec: LessonSpec, seed: int) -> tuple[Parts, StageRecord]:
    """Divide rows into train, optional validation (carved from train), and test."""
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(data.y))
    train, test = _split_rows(train_test_split, rows, data.y, spec.split.test_size, spec, seed, "split.test_size")
    validation = np.array([], dtype=np.int64)
    if spec.split.validation_size:
        train, validation = _split_rows(train_test_split, train, data.y[train], spec.split.validation_size,
                                        spec, seed, "split.validation_size")
    parts = Parts(train=train, validation=validation, test=test)
    for name, part_rows in parts.named():
        if len(part_rows) and len(np.unique(data.y[part_rows])) < len(data.classes):
            present = ", ".join(data.classes[i] for i in np.unique(data.y[part_rows]))
            field = "split.validation_size" if name == "validation" else "split.test_size"
            raise DataError(spec.path, field, f"the {name} split ({len(part_rows)} rows) holds only class(es) "
                            f"{present}; every class must appear: use stratify = true or a larger fraction")
    how = "stratified by class" if spec.split.stratify else "not stratified"
    described = f"{len(train)} train"
    if len(validation):
        described += f", {len(validation)} validation (carved from train)"
    record = StageRecord(
        name="split",
        operation=f"Shuffle and split {len(rows)} rows into {described} and {len(test)} test rows "
                  f"({how}, random_state={seed})",
        input_shape={"X": data.X.shape},
        output_shape=parts.shapes(data.X),
        example_in=row_example(f"data row {train[0]}", data.X[train[0]], data.classes[data.y[train[0]]]),
        example_out=row_example(f"train row 0 (data row {train[0]})", data.X[train[0]],
                                data.classes[data.y[train[0]]]),
    )
    return parts, record


def _split_rows(train_test_split, rows, y, fraction, spec, seed, field):
    try:
        return train_test_split(rows, test_size=fraction, random_state=seed,
                                stratify=y if spec.split.stratify else None)
    except ValueError as exc:
        raise DataError(spec.path, field if not spec.split.stratify else "split.stratify",
                        f"cannot split: {exc}; use more rows, a larger fraction, or stratify = false") from None


def normalize(data: Dataset, parts: Parts, method: str) -> tuple[np.ndarray, StageRecord]:
    """Fit the scaler on train rows only, then transform every row with the train statistics."""
    before = data.X[parts.train[0]]
    train_rows = len(parts.train)
    if method == "none":
        X = data.X
        operation = "No normalization: features pass through unchanged"
        fitted_on, params = None, None
    else:
        from sklearn.preprocessing import MinMaxScaler, StandardScaler

        scaler = StandardScaler() if method == "standard" else MinMaxScaler()
        # Fit on train rows only: validation and test rows must not leak into the statistics.
        scaler.fit(data.X[parts.train])
        X = scaler.transform(data.X)
        fitted_on = f"{train_rows} train rows"
        if method == "standard":
            operation = (f"Standardize each feature to zero mean and unit variance, using the mean and std "
                         f"of the {train_rows} train rows only; validation and test rows reuse them")
            params = {"mean": tuple(scaler.mean_.tolist()), "std": tuple(scaler.scale_.tolist())}
        else:
            operation = (f"Rescale each feature to [0, 1] using the min and max of the {train_rows} train "
                         f"rows only; validation and test rows reuse them (and may fall outside [0, 1])")
            params = {"min": tuple(scaler.data_min_.tolist()), "max": tuple(scaler.data_max_.tolist())}
    record = StageRecord(
        name="normalize",
        operation=operation,
        input_shape=parts.shapes(data.X),
        output_shape=parts.shapes(X),
        example_in=row_example("train row 0, raw", before),
        example_out=row_example("train row 0, normalized", X[parts.train[0]]),
        fitted_on=fitted_on,
        fitted_params=params,
    )
    return X, record


def select(data: Dataset, parts: Parts, X: np.ndarray, spec: SelectSpec) -> tuple[np.ndarray, StageRecord]:
    """Keep the k features with the highest ANOVA F score, computed on the train rows or on every row.

    Fitted on every row, the F scores read the validation and test rows' labels: the kept features
    are the ones that happen to separate those rows too, and their scores stop being honest.
    """
    from sklearn.feature_selection import SelectKBest, f_classif

    rows = parts.train if spec.fit_on == "train" else np.arange(len(data.y))
    selector = SelectKBest(f_classif, k=spec.k).fit(X[rows], data.y[rows])
    kept = selector.get_support(indices=True)
    n_features = X.shape[1]
    names = [data.feature_names[i] for i in kept]
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    if spec.fit_on == "train":
        fitted_on = f"{len(rows)} train rows"
        whose = f"the {len(rows)} train rows and their labels only; validation and test rows are not read"
    else:
        fitted_on = f"all {len(rows)} rows (validation and test rows and their labels included)"
        whose = (f"all {len(rows)} rows and their labels, the validation and test rows included: the test "
                 f"rows help choose the features they are then scored on (a leak)")
    record = StageRecord(
        name="select",
        operation=f"Keep the {spec.k} of {n_features} features with the highest ANOVA F score (SelectKBest, "
                  f"f_classif), the scores computed on {whose}. Kept: {shown}",
        input_shape=parts.shapes(X),
        output_shape=parts.shapes(X[:, kept]),
        example_in=row_example("train row 0, normalized", X[parts.train[0]]),
        example_out=row_example(f"train row 0, the {spec.k} kept features", X[parts.train[0], kept]),
        fitted_on=fitted_on,
        fitted_params={"kept": tuple(float(i) for i in kept)},
    )
    return X[:, kept], record


def predict(model, X: np.ndarray, data: Dataset, parts: Parts, normalized: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray, StageRecord, PredictionTrace]:
    """Return test probabilities, the model's own predictions, the record and one traced row.

    X is what the model reads; `normalized` (X when None) is every feature after normalize, which the
    traced row shows even when a select stage kept only some of them.
    """
    X_test = X[parts.test]
    proba = model.predict_proba(X_test)
    y_pred = model.predict(X_test)
    prepared = model_input(selected=normalized is not None)
    record = StageRecord(
        name="predict",
        operation=f"Apply the trained model to the {len(parts.test)} {prepared} test rows: predict_proba "
                  f"gives one probability per class for each row",
        input_shape={"test": X_test.shape},
        output_shape={"proba": proba.shape, "y_pred": y_pred.shape},
        example_in=row_example(f"test row 0, {prepared}", X_test[0]),
        example_out=row_example("test row 0, probability per class", proba[0],
                                f"predicted {data.classes[y_pred[0]]}"),
    )
    trace = _prediction_trace(model, X, X if normalized is None else normalized, data, parts, proba, y_pred)
    return proba, y_pred, record, trace


def _prediction_trace(model, X, normalized, data, parts, proba, y_pred) -> PredictionTrace:
    row = 0
    data_row = parts.test[row]
    # MLPClassifier has no decision_function: its score is shown as absent, not invented.
    score = model.decision_function(X[data_row:data_row + 1]).ravel() if hasattr(model, "decision_function") \
        else np.array([])
    if len(data.classes) == 2:
        rule = ("decision score > 0, i.e. probability > 0.5" if len(score)
                else "probability of the positive class > 0.5")
    else:
        rule = "the class with the highest probability"
    return PredictionTrace(
        test_row=row, raw=tuple(data.X[data_row].tolist()), normalized=tuple(normalized[data_row].tolist()),
        score=tuple(score.tolist()), probability=tuple(proba[row].tolist()), rule=rule,
        predicted=data.classes[y_pred[row]], actual=data.classes[data.y[data_row]],
    )

"""Load stage: a scikit-learn built-in, make_classification, or a CSV -> X, y, names.

scikit-learn is imported inside the loaders so that fingerprinting a lesson (for the
trace hash) never pays for importing it.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import hashlib
import importlib.util
import io
import json
import math
import re
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tracegen.ascii_numbers import parse_float
from tracegen.errors import DataError
from tracegen.files import HASH_BLOCK, open_regular, sha256_file, undecodable_line
from tracegen.spec import LessonSpec
from tracegen.spec.checks import (
    DEFAULT_HIDDEN_LAYERS,
    MAX_DATA_BYTES,
    MAX_MODEL_WEIGHTS,
    data_bytes,
    data_too_large,
    mlp_weights,
    model_too_large,
)

BUILTIN_FILES = {
    "breast_cancer": "breast_cancer.csv",
    "digits": "digits.csv.gz",
    "iris": "iris.csv",
    "wine": "wine_data.csv",
}
# The fewest CSV rows a lesson can split into train and test rows of two classes.
MIN_LESSON_ROWS = 4
# Larger feature values overflow float64 when the scaler squares them and sums over rows.
MAX_FEATURE_MAGNITUDE = 1e100


@dataclass(frozen=True)
class Dataset:
    """Loaded rows: X as float64, y as class indices into `classes`."""

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    classes: tuple[str, ...]
    source: str
    raw_shape: tuple[int, ...]


def data_fingerprint(spec: LessonSpec, seed: int) -> str:
    """Return a sha256 of what the rows are made from, without loading them."""
    source = spec.dataset.source
    if source == "csv":
        return _file_hash(_csv_source(spec)[0], spec)
    if source == "make_classification":
        # The draw depends on the parameters and the seed (and the scikit-learn version,
        # which the trace hash covers separately).
        params = json.dumps({"make_classification": spec.dataset.params, "seed": seed}, sort_keys=True)
        return "sha256:" + hashlib.sha256(params.encode()).hexdigest()
    found = importlib.util.find_spec("sklearn")  # finds the package without importing it
    assert found is not None and found.submodule_search_locations is not None  # a dependency
    sklearn_dir = Path(found.submodule_search_locations[0])
    return _file_hash(sklearn_dir / "datasets" / "data" / BUILTIN_FILES[source], spec)


def _file_hash(path: Path, spec: LessonSpec) -> str:
    try:
        return "sha256:" + sha256_file(path)
    except FileNotFoundError:
        raise DataError(spec.path, "dataset.path", f"CSV file not found: {path}") from None
    except OSError as exc:
        raise DataError(spec.path, "dataset.path", f"cannot read {path}: {exc.strerror}") from None


def load(spec: LessonSpec, seed: int) -> Dataset:
    """Return the lesson's rows."""
    source = spec.dataset.source
    if source == "csv":
        path, target = _csv_source(spec)
        return load_csv(path, target, lesson=spec.path, min_rows=MIN_LESSON_ROWS)
    if source == "make_classification":
        return _make_classification(spec, seed)
    return _builtin(source)


def _csv_source(spec: LessonSpec) -> tuple[Path, str]:
    path, target = spec.data_path(), spec.dataset.target
    assert path is not None and target is not None  # spec.checks requires both for source = "csv"
    return path, target


def _builtin(name: str) -> Dataset:
    """Return a scikit-learn built-in data set, as fresh arrays (stages may work on them in place)."""
    X, y, names, classes = _builtin_arrays(name)
    return Dataset(X=X.copy(), y=y.copy(), feature_names=names, classes=classes,
                   source=f"sklearn.datasets.load_{name}()", raw_shape=X.shape)


@functools.cache
def _builtin_arrays(name: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[str, ...]]:
    # A build worker runs many retakes of the same built-in data set, and parsing digits' compressed
    # CSV is about a tenth of a digits lesson's run: it is read once per process (the data never
    # depends on the seed; the split does).
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")()
    X, y = np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    names = tuple(str(n) for n in getattr(bunch, "feature_names", [f"x{i}" for i in range(X.shape[1])]))
    return X, y, names, tuple(str(c) for c in bunch.target_names)


def _make_classification(spec: LessonSpec, seed: int) -> Dataset:
    from sklearn.datasets import make_classification

    params = dict(spec.dataset.params)
    try:
        X, y = make_classification(random_state=seed, **params)
    except ValueError as exc:
        raise DataError(spec.path, "dataset", f"make_classification rejected the parameters: {exc}") from None
    n_classes = int(params.get("n_classes", 2))
    drawn = len(np.unique(y))
    if drawn < n_classes:
        # A weight of 0 or 1 (or too few samples) leaves a class without rows; the split would blame itself.
        raise DataError(spec.path, "dataset.weights" if "weights" in params else "dataset.n_samples",
                        f"make_classification drew rows of only {drawn} of the {n_classes} classes; give every "
                        "class a weight above 0, or raise n_samples")
    args = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
    return Dataset(X=X, y=y.astype(np.int64), feature_names=tuple(f"x{i}" for i in range(X.shape[1])),
                   classes=tuple(str(c) for c in range(n_classes)),
                   source=f"make_classification({args}, random_state={seed})", raw_shape=X.shape)


def load_csv(path: Path, target: str, lesson: Path | str, min_rows: int = 1,
             path_field: str = "dataset.path") -> Dataset:
    """Read a CSV with a header row: numeric feature columns plus one target column.

    The file is parsed in one streaming pass straight into typed arrays, so a large file is
    never held as text and as numbers at the same time (a quick scan of its bytes first says
    whether any cell can hold a non-ASCII digit).
    """
    try:
        # Opened apart from the `with` below so that only open's own errors become "cannot read".
        raw = open_regular(path)
        ascii_only = _ascii_only(raw)
        handle = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise DataError(lesson, path_field, f"CSV file not found: {path}") from None
    except OSError as exc:
        raise DataError(lesson, path_field, f"cannot read {path}: {exc.strerror}") from None
    with handle:
        # strict: a stray or unclosed quote is an error, not a field that swallows the next lines.
        rows = csv.reader(handle, strict=True)
        try:
            return _read_rows(rows, path, target, min_rows, ascii_only)
        except UnicodeDecodeError:
            # The decoder reads ahead in blocks, so rows.line_num is not where the byte is: find it.
            line, detail = undecodable_line(path)
            raise DataError(path, "encoding", f"not UTF-8 ({detail}); re-save the file as UTF-8 "
                            "(e.g. 'CSV UTF-8' in a spreadsheet)", line=line) from None


def _ascii_only(raw: BinaryIO) -> bool:
    """Return whether a file holds only ASCII after a UTF-8 byte-order mark; leave it rewound."""
    found = True
    for index, block in enumerate(iter(lambda: raw.read(HASH_BLOCK), b"")):
        if not (block.removeprefix(codecs.BOM_UTF8) if index == 0 else block).isascii():
            found = False
            break
    raw.seek(0)
    return found


def _read_rows(rows, path: Path, target: str, min_rows: int, ascii_only: bool) -> Dataset:
    read = [0]  # the last line read as a whole record
    try:
        return _parse_rows(rows, path, target, min_rows, read, ascii_only)
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            # The record with the open quote starts on the line after the last one read whole.
            raise DataError(path, "row", "a quoted field opened here is never closed (the file ends inside "
                            "quotes); close the quote or remove it", line=read[0] + 1) from None
        raise DataError(path, "row", f"malformed CSV: {exc}; quote fields that hold quotes or commas",
                        line=rows.line_num) from None


def _parse_rows(rows, path: Path, target: str, min_rows: int, read: list[int], ascii_only: bool) -> Dataset:
    header = next(rows, None)
    if not header or all(not cell.strip() for cell in header):
        raise DataError(path, "header", "the file is empty; expected a header row and data rows", line=1)
    header = [cell.strip() for cell in header]
    for index, name in enumerate(header):
        if not name:
            raise DataError(path, f"column {index + 1}", "empty column name; name every column", line=1)
        _check_text(path, f"column {index + 1}", name, 1)
        if name in header[:index]:
            raise DataError(path, name, "duplicate column name; give every column a unique name", line=1)
    if target not in header:
        # The header is not echoed: the file may be any file the lesson points at, not a CSV.
        raise DataError(path, target, f"target column not found among the {len(header)} column(s) of the header "
                        "row; name it exactly as the header does", line=1)
    width = len(header)
    target_index = header.index(target)
    feature_index = [i for i in range(width) if i != target_index]
    if not feature_index:
        raise DataError(path, "columns", "no feature columns besides the target", line=1)
    values, codes, lines = array("d"), array("q"), array("q")
    label_codes: dict[str, int] = {}
    max_rows = MAX_DATA_BYTES // data_bytes(1, len(feature_index))
    for row in rows:
        read[0] = rows.line_num
        if not row:
            continue
        if len(row) != width:
            raise DataError(path, "row", f"has {len(row)} fields, the header has {width}", line=rows.line_num)
        if len(codes) == max_rows:
            raise DataError(path, "rows", f"more than {data_too_large(max_rows, len(feature_index))}",
                            line=rows.line_num)
        try:
            # Only ASCII numbers: float() would also read other scripts' digits. A test of the whole file,
            # or else of the whole row (a label may be "café"), keeps the common case fast.
            number = float if ascii_only or "".join(row).isascii() else parse_float
            values.extend([number(row[i]) for i in feature_index])
        except ValueError:
            _raise_bad_cell(path, header, feature_index, row, rows.line_num)
        label = row[target_index].strip()
        if not label:
            raise DataError(path, target, "empty label; every row needs a class", line=rows.line_num)
        if label not in label_codes:
            _check_text(path, target, label, rows.line_num)
            label_codes[label] = len(label_codes)
        codes.append(label_codes[label])
        lines.append(rows.line_num)
    if not codes:
        raise DataError(path, "rows", "no data rows under the header")
    if len(codes) < min_rows:
        raise DataError(path, "rows", f"only {len(codes)} data row(s); a lesson needs at least {min_rows} "
                        "(train and test rows of at least two classes)")
    X = np.frombuffer(values, dtype=np.float64).reshape(len(codes), len(feature_index))
    # Two comparisons (boolean temporaries, 1/8 of X each) catch NaN, inf and overflow-prone values at once.
    usable = (X >= -MAX_FEATURE_MAGNITUDE) & (X <= MAX_FEATURE_MAGNITUDE)
    if not usable.all():
        row, column = np.argwhere(~usable)[0]
        value, name, line = X[row, column], header[feature_index[column]], int(lines[row])
        if not np.isfinite(value):
            raise DataError(path, name, f"value {value} is not finite; remove or impute it", line=line)
        raise DataError(path, name, f"value {value:g} is beyond +-{MAX_FEATURE_MAGNITUDE:g}, where scaling and "
                        "training overflow; rescale the column (e.g. divide it by a power of ten)", line=line)
    y, classes = _encode_labels(np.frombuffer(codes, dtype=np.int64), label_codes)
    if len(classes) < 2:
        raise DataError(path, target, f"only one class ({classes[0]}) in the target column; "
                        "classification needs at least two")
    return Dataset(X=X, y=y, feature_names=tuple(header[i] for i in feature_index), classes=classes,
                   source=f"CSV {path.name} (target column '{target}')", raw_shape=(len(codes), width))


# Control characters other than tab and line breaks: invalid in XML (the QTI export) and able to
# rewrite a terminal (ANSI escapes). A quoted line break in a label stays allowed.
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _check_text(path: Path, field_name: str, text: str, line: int) -> None:
    # Names and labels end up in pages, exports and terminal tables.
    bad = UNPRINTABLE.search(text)
    if bad:
        raise DataError(path, field_name, f"control character U+{ord(bad.group()):04X} in {text!r}; "
                        "names and labels must be printable text", line=line)


def _raise_bad_cell(path: Path, header: list[str], feature_index: list[int], row: list[str], line: int) -> None:
    for i in feature_index:
        try:
            parse_float(row[i])
        except ValueError:
            shown = repr(row[i]) if row[i].strip() else "an empty cell"
            raise DataError(path, header[i], f"non-numeric value {shown}; feature columns must be numbers",
                            line=line) from None


def _encode_labels(codes: np.ndarray, label_codes: dict[str, int]) -> tuple[np.ndarray, tuple[str, ...]]:
    names = sorted(label_codes)
    # Numeric labels sort as numbers, so "10" comes after "2".
    with contextlib.suppress(ValueError):
        names = sorted(names, key=float)
    new_code = np.empty(len(label_codes), dtype=np.int64)
    for index, name in enumerate(names):
        new_code[label_codes[name]] = index
    return new_code[codes], tuple(names)


def check_fits(data: Dataset, spec: LessonSpec) -> None:
    """Reject a lesson whose evaluation or model options do not fit the loaded data."""
    batch_size = spec.model.params.get("batch_size")
    if batch_size is not None and batch_size > training_rows(len(data.y), spec):
        raise DataError(spec.path, "model.batch_size", f"expected at most the {training_rows(len(data.y), spec)} "
                        f"training rows, got {batch_size}; lower batch_size")
    n_features = data.X.shape[1]
    if spec.select is not None and spec.select.k > n_features:
        raise DataError(spec.path, "select.k", f"expected at most the {n_features} features of the data, "
                        f"got {spec.select.k}; lower k")
    if spec.model.kind == "mlp":
        # MLPClassifier has one output unit for two classes, one per class otherwise.
        inputs = spec.select.k if spec.select else n_features
        layers = [inputs, *spec.model.params.get("hidden_layer_sizes", DEFAULT_HIDDEN_LAYERS),
                  1 if len(data.classes) == 2 else len(data.classes)]
        if mlp_weights(layers) > MAX_MODEL_WEIGHTS:
            raise DataError(spec.path, "model.hidden_layer_sizes", model_too_large(layers))
    evaluation = spec.evaluation
    n_classes = len(data.classes)
    shown = ", ".join(data.classes[:6]) + (", ..." if n_classes > 6 else "")
    task = evaluation.task
    if (task == "binary" and n_classes != 2) or (task == "multiclass" and n_classes < 3):
        raise DataError(spec.path, "evaluation.task", f"the lesson is {task}, but the data has {n_classes} "
                        f"classes ({shown}); change the task or the target column")
    if evaluation.tune_threshold and n_classes != 2:
        raise DataError(spec.path, "evaluation.tune_threshold", f"threshold tuning needs binary data; this data "
                        f"has {n_classes} classes ({shown})")
    if evaluation.by_feature not in (None, "mean") and evaluation.by_feature not in data.feature_names:
        raise DataError(spec.path, "evaluation.by_feature", f"no feature '{evaluation.by_feature}'; use \"mean\" "
                        f"(the mean of each row's features) or one of: {', '.join(data.feature_names[:8])}")
    if evaluation.explore_class is not None and evaluation.explore_class not in data.classes:
        raise DataError(spec.path, "evaluation.explore_class", f"no class '{evaluation.explore_class}'; "
                        f"classes are: {shown}")


def training_rows(n_samples: int, spec: LessonSpec) -> int:
    """Return how many rows the split stage leaves for training (train_test_split's own rounding)."""
    # scikit-learn rounds the held-out part up: n_test = ceil(test_size * n), n_train = n - n_test.
    n_train = n_samples - math.ceil(spec.split.test_size * n_samples)
    if spec.split.validation_size:
        n_train -= math.ceil(spec.split.validation_size * n_train)
    return n_train

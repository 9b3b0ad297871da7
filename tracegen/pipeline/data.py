"""Load stage: a scikit-learn built-in, make_classification, or a CSV -> X, y, names.

scikit-learn is imported inside the loaders so that fingerprinting a lesson (for the
trace hash) never pays for importing it.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tracegen.errors import DataError
from tracegen.spec import LessonSpec

BUILTIN_FILES = {
    "breast_cancer": "breast_cancer.csv",
    "digits": "digits.csv.gz",
    "iris": "iris.csv",
    "wine": "wine_data.csv",
}


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
    digest = hashlib.sha256()
    source = spec.dataset.source
    if source == "csv":
        path = spec.data_path()
        _hash_file(digest, path, spec)
    elif source == "make_classification":
        # The draw depends on the parameters and the seed (and the scikit-learn version,
        # which the trace hash covers separately).
        digest.update(json.dumps({"make_classification": spec.dataset.params, "seed": seed},
                                 sort_keys=True).encode())
    else:
        sklearn_dir = Path(importlib.util.find_spec("sklearn").submodule_search_locations[0])
        _hash_file(digest, sklearn_dir / "datasets" / "data" / BUILTIN_FILES[source], spec)
    return "sha256:" + digest.hexdigest()


def _hash_file(digest: hashlib._Hash, path: Path, spec: LessonSpec) -> None:
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise DataError(spec.path, "dataset.path", f"CSV file not found: {path}") from None
    except OSError as exc:
        raise DataError(spec.path, "dataset.path", f"cannot read {path}: {exc.strerror}") from None


def load(spec: LessonSpec, seed: int) -> Dataset:
    """Return the lesson's rows."""
    source = spec.dataset.source
    if source == "csv":
        return load_csv(spec.data_path(), spec.dataset.target, lesson=spec.path)
    if source == "make_classification":
        return _make_classification(spec, seed)
    return _builtin(source)


def _builtin(name: str) -> Dataset:
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")()
    X = np.asarray(bunch.data, dtype=np.float64)
    names = tuple(str(n) for n in getattr(bunch, "feature_names", [f"x{i}" for i in range(X.shape[1])]))
    return Dataset(X=X, y=np.asarray(bunch.target, dtype=np.int64), feature_names=names,
                   classes=tuple(str(c) for c in bunch.target_names),
                   source=f"sklearn.datasets.load_{name}()", raw_shape=X.shape)


def _make_classification(spec: LessonSpec, seed: int) -> Dataset:
    from sklearn.datasets import make_classification

    params = dict(spec.dataset.params)
    try:
        X, y = make_classification(random_state=seed, **params)
    except ValueError as exc:
        raise DataError(spec.path, "dataset", f"make_classification rejected the parameters: {exc}") from None
    n_classes = int(params.get("n_classes", 2))
    args = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
    return Dataset(X=X, y=y.astype(np.int64), feature_names=tuple(f"x{i}" for i in range(X.shape[1])),
                   classes=tuple(str(c) for c in range(n_classes)),
                   source=f"make_classification({args}, random_state={seed})", raw_shape=X.shape)


def load_csv(path: Path, target: str, lesson: Path | str) -> Dataset:
    """Read a CSV with a header row: numeric feature columns plus one target column."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise DataError(lesson, "dataset.path", f"CSV file not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise DataError(path, "encoding", f"not UTF-8 (bad byte at offset {exc.start}); "
                        "re-save the file as UTF-8") from None
    except OSError as exc:
        raise DataError(lesson, "dataset.path", f"cannot read {path}: {exc.strerror}") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if not header or all(not cell.strip() for cell in header):
        raise DataError(path, "header", "the file is empty; expected a header row and data rows")
    header = [cell.strip() for cell in header]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise DataError(path, name, "duplicate column name; give every column a unique name")
        seen.add(name)
    if target not in header:
        raise DataError(path, target, f"target column not found; columns are: {', '.join(header)}")
    width = len(header)
    cells = []
    for line_no, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) != width:
            raise DataError(path, "row", f"has {len(row)} fields, the header has {width}", line=line_no)
        cells.append(row)
    if not cells:
        raise DataError(path, "rows", "no data rows under the header")
    target_index = header.index(target)
    feature_names = tuple(name for i, name in enumerate(header) if i != target_index)
    if not feature_names:
        raise DataError(path, "columns", "no feature columns besides the target")
    X = np.empty((len(cells), len(feature_names)), dtype=np.float64)
    column = 0
    for i, name in enumerate(header):
        if i == target_index:
            continue
        X[:, column] = _numeric_column(path, name, [row[i] for row in cells])
        column += 1
    y, classes = _encode_labels(path, target, [row[target_index].strip() for row in cells])
    return Dataset(X=X, y=y, feature_names=feature_names, classes=classes,
                   source=f"CSV {path.name} (target column '{target}')",
                   raw_shape=(len(cells), width))


def _numeric_column(path: Path, name: str, values: list[str]) -> np.ndarray:
    try:
        column = np.array(values, dtype=np.float64)
    except ValueError:
        column = None
    if column is not None and np.isfinite(column).all():
        return column
    for line_no, value in enumerate(values, start=2):
        try:
            number = float(value)
        except ValueError:
            shown = value if value.strip() else "an empty cell"
            raise DataError(path, name, f"non-numeric value {shown!r}; feature columns must be numbers",
                            line=line_no) from None
        if not math.isfinite(number):
            raise DataError(path, name, f"value {value.strip()!r} is not finite; remove or impute it",
                            line=line_no)
    raise AssertionError("unreachable: the column failed to convert but every cell converted")


def _encode_labels(path: Path, target: str, labels: list[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    if any(not label for label in labels):
        line_no = labels.index("") + 2
        raise DataError(path, target, "empty label; every row needs a class", line=line_no)
    names = sorted(set(labels))
    try:
        # Numeric labels sort as numbers, so "10" comes after "2".
        names = sorted(names, key=float)
    except ValueError:
        pass
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[label] for label in labels], dtype=np.int64), tuple(names)

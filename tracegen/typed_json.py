"""JSON data back into frozen dataclass records, checked against the declared field types.

Trace JSON is read from worker processes and from the cache folder, which anyone can edit, so
the decoder trusts nothing: every value must have its field's declared type (lists become
tuples, "inf", "-inf" and "nan" become floats), and anything else is a TypeError or ValueError
naming the field, never another exception and never a record holding the wrong type.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import types
import typing
from typing import Any

# The only strings a float field may hold: how trace.py writes non-finite floats.
NON_FINITE = frozenset({"inf", "-inf", "nan"})
_NUMBER_TYPES = frozenset({int, float})


@functools.cache
def _field_types(cls: type) -> tuple[tuple[str, Any], ...]:
    """(name, declared type) of each field; get_type_hints is slow, so once per class."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def build(cls: type, data: Any) -> Any:
    """Return the record `cls` from its JSON object; keys that are not fields (placeholders) are ignored."""
    if not isinstance(data, dict):
        raise TypeError(f"expected an object for {cls.__name__}, got {_kind(data)}")
    values = {}
    for name, kind in _field_types(cls):
        if name in data:
            try:
                values[name] = typed(kind, data[name])
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{name}: {exc}") from None
    try:
        return cls(**values)
    except TypeError:  # a required field is missing
        missing = [f.name for f in dataclasses.fields(cls) if f.name not in values and
                   f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
        raise TypeError(f"expected the field(s) {', '.join(missing)} in {cls.__name__}") from None


def typed(kind: Any, value: Any) -> Any:
    """Turn JSON data back into the declared type `kind` (lists become tuples); TypeError or ValueError if it is not."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        if value is None and len(options) < len(typing.get_args(kind)):
            return None
        kind = options[0] if len(options) == 1 else _tagged(options, value)
        origin = typing.get_origin(kind)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return build(kind, value)
    if origin is tuple:
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {_kind(value)}")
        item = typing.get_args(kind)[0]
        if item is int or item is str or item is float:
            return _scalars(item, value)
        if item is Any:
            return tuple(map(frozen, value))
        return tuple(typed(item, v) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, got {_kind(value)}")
        item = typing.get_args(kind)[1]
        return {k: typed(item, v) for k, v in value.items()}
    if origin is typing.Literal:
        if value not in typing.get_args(kind):
            raise ValueError(f"expected one of {typing.get_args(kind)}")
        return value
    if kind is float:
        return _float(value)
    if kind is Any:
        return frozen(value)
    if type(value) is not kind:  # int or str; bool is not an int here
        raise TypeError(f"expected {kind.__name__}, got {_kind(value)}")
    return value


def _tagged(options: list[Any], value: Any) -> Any:
    """The evaluation records are a tagged union: the `task` literal says which one was written."""
    task = value.get("task") if isinstance(value, dict) else None
    for option in options:
        if task in typing.get_args(dict(_field_types(option))["task"]):
            return option
    raise ValueError("expected a task of " + " or ".join(repr(typing.get_args(dict(_field_types(option))["task"])[0])
                                                        for option in options))


def _scalars(item: type, value: list[Any]) -> tuple[Any, ...]:
    """An array of ints, strings or floats, the bulk of a trace: checked by the set of its item types."""
    found = set(map(type, value))
    if found <= {item}:
        return tuple(value)
    if item is float and found <= _NUMBER_TYPES:
        with contextlib.suppress(OverflowError):  # an int too large for a float: _float names it
            return tuple(map(float, value))
    if item is float:
        return tuple(map(_float, value))
    raise TypeError(f"expected a list of {item.__name__}, got an item that is not")


def _float(value: Any) -> float:
    if type(value) is float:
        return value
    if type(value) is int or (type(value) is str and value in NON_FINITE):
        try:
            return float(value)
        except OverflowError:
            raise ValueError("expected a float, got an integer too large for one") from None
    raise TypeError(f"expected a float, got {_kind(value)}")


def _kind(value: Any) -> str:
    """Name a JSON value's type without echoing the value (it may be anything from a file)."""
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
            int: "an integer", float: "a float"}.get(type(value), type(value).__name__)


def frozen(value: Any) -> Any:
    """Return JSON-like data with every list turned into a tuple, as from_json builds it."""
    if isinstance(value, list):
        return tuple(map(frozen, value))
    if isinstance(value, dict):
        return {k: frozen(v) for k, v in value.items()}
    return value

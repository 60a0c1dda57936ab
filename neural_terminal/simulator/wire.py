"""JSON for the wire, with money written as exact decimal numbers.

The standard ``json`` module can only write numbers through ``float``, which would turn a cost
of ``0.0000123`` into ``1.23e-05`` and lose digits. OpenRouter sends ``cost`` as a plain JSON
number, so :func:`dumps` writes :class:`~decimal.Decimal` values digit for digit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

JSON_TYPE = "application/json"


def decimal_text(value: Decimal) -> str:
    """``value`` in plain positional notation without trailing zeros (never ``1E-7``)."""
    if not value.is_finite():
        raise ValueError(f"cannot write {value} as a JSON number")
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def dumps(value: object) -> str:
    """Serialise ``value`` compactly, non-ASCII characters raw, Decimals as exact numbers."""
    try:  # most chunks hold no Decimal: the C encoder writes them identically, far faster
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except TypeError:
        return _exact(value)


def _exact(value: object) -> str:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, Mapping):
        items = (f"{_scalar(str(key))}:{_exact(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return "[" + ",".join(_exact(item) for item in value) + "]"
    return _scalar(value)


def _scalar(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def error_body(code: int, message: str, metadata: Mapping[str, object] | None = None) -> str:
    """OpenRouter's error envelope: ``{"error": {"code", "message", "metadata"}}``."""
    return dumps({"error": {"code": code, "message": message, "metadata": dict(metadata or {})}})

"""Error locations that can never carry personal data.

A JSON key is as much input as a value: ``{"borger": {"010203-1234": "Jens Hansen"}}`` must not
come back as ``indstilling.borger.010203-1234``. An error may name only the format's own field
names and list indices; any other key is shown by its position, "ukendt felt nr. N".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, get_args

from pydantic import BaseModel


def unknown_field(position: int) -> str:
    """The stand-in for a key that is not part of the format (1-based position in its object)."""
    return f"ukendt felt nr. {position}"


def key_label(data: Mapping[Any, Any], key: Any, known: Iterable[str]) -> str:
    """``key`` itself if the format knows it, otherwise its position in ``data``."""
    if isinstance(key, str) and key in set(known):
        return key
    for i, k in enumerate(data, 1):
        if k == key:
            return unknown_field(i)
    return unknown_field(0)


def safe_loc(root: str, data: Any, loc: Iterable[Any], known: frozenset[str]) -> str:
    """A pydantic error location as a path of known field names and list indices only.
    Parts that are not keys of the data (pydantic's union member tags) are left out."""
    out = root
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list):
            out += f"[{part}]"
            node = node[part] if 0 <= part < len(node) else None
        elif isinstance(node, Mapping) and part in node:
            out += "." + key_label(node, part, known)
            node = node[part]
        elif isinstance(part, str) and part in known:
            out += f".{part}"  # a missing field of the format
            node = None
    return out


def model_field_names(model: type[BaseModel]) -> frozenset[str]:
    """Every field name reachable from ``model`` (nested models, lists and unions included)."""
    seen: set[type] = set()
    names: set[str] = set()

    def walk(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in seen:
                return
            seen.add(annotation)
            for name, info in annotation.model_fields.items():
                names.add(name)
                walk(info.annotation)
            return
        for arg in get_args(annotation):
            walk(arg)

    walk(model)
    return frozenset(names)

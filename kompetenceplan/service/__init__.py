"""The HTTP service (FastAPI): the JSON API, its guard, its contract and schemas, and the
register's routes. ``create_app`` and ``serve`` are imported on first use (PEP 562), so that
``kompetenceplan.service.schemas`` can be read without loading FastAPI."""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["create_app", "serve"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module(".app", __name__), name)
    raise AttributeError(f"module 'kompetenceplan.service' has no attribute {name!r}")

"""pydantic at the edge of a frozen dataclass: the results (`Decision`, `Report`) are built
without validation from data the engine has checked; reading them back from JSON and describing
them as JSON Schema go through one `TypeAdapter` per class, built (and pydantic imported) on
first use, so a command that only writes results never imports pydantic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from typing import Self

    from pydantic import TypeAdapter

#: How pydantic reads these classes: unknown keys refused, attribute docstrings as the fields'
#: descriptions, no NaN or infinities.
JSON_CONFIG = {"extra": "forbid", "use_attribute_docstrings": True, "allow_inf_nan": False}


class JsonEdge:
    """The pydantic-style reading and schema methods of a result dataclass."""

    __slots__ = ()

    @classmethod
    def adapter(cls) -> TypeAdapter[Self]:
        return _adapter(cls)

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        """Read from JSON-like data (every field; unknown keys refused)."""
        return cls.adapter().validate_python(data)

    @classmethod
    def model_validate_json(cls, text: str | bytes) -> Self:
        return cls.adapter().validate_json(text)

    @classmethod
    def model_json_schema(cls, mode: Literal["validation", "serialization"] = "validation") -> dict[str, Any]:
        return cls.adapter().json_schema(mode=mode)


_ADAPTERS: dict[type, Any] = {}


def _adapter(cls: type) -> Any:
    found = _ADAPTERS.get(cls)
    if found is None:  # two threads may both build one; either serves
        from pydantic import TypeAdapter

        found = _ADAPTERS.setdefault(cls, TypeAdapter(cls))
    return found

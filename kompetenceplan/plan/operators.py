"""The comparison operators of the rule format: one table that every reader of a condition uses.

A row's condition on one input is ``in`` (one of some values), ``eq`` (a single value) or a
numeric bound (``gte``, ``gt``, ``lte``, ``lt``). How each is spelt in rule data, shown in Danish,
posted to durable-rules, written in the compiled Python router, narrowed in a JSON Schema and
probed by the grid is declared here once (`plan.model.Term` holds one of them).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal


@dataclass(frozen=True, repr=False)
class Operator:
    """One comparison, as every part of the program writes and runs it."""

    name: str  #: in rule data (``{ gte = 30000 }``)
    symbol: str  #: in Danish condition texts ("Månedlig udgift ≥ 30.000 kr./md.")
    python: str  #: in the compiled Python router (`engine.bulk`)
    durable: str | None  #: durable-rules' operator; None: written as equality (``in`` as ``$or``)
    schema: str  #: the JSON Schema keyword that narrows an input to the values meeting it
    bound: Literal["lower", "upper"] | None  #: which side a numeric bound limits (the grid)
    strict: bool  #: the bound value itself fails (``gt``, ``lt``)
    test: Callable[[Any, Any], bool]  #: actual value, condition's value -> met

    def __repr__(self) -> str:
        return f"Operator({self.name})"

    def __reduce__(self) -> tuple[Callable[[str], Operator], tuple[str]]:
        # Pickled by name (the plan cache): one object per operator, and no function in the pickle.
        return operator_named, (self.name,)


def operator_named(name: str) -> Operator:
    """The operator called ``name`` in rule data."""
    return OPERATORS[name]


def _member(actual: Any, expected: Any) -> bool:
    return actual in expected


OPERATORS: Mapping[str, Operator] = MappingProxyType(
    {
        op.name: op
        for op in (
            Operator("in", "er", "in", None, "enum", None, False, _member),
            Operator("eq", "=", "==", None, "enum", None, False, operator.eq),
            Operator("gte", "≥", ">=", "$gte", "minimum", "lower", False, operator.ge),
            Operator("gt", ">", ">", "$gt", "exclusiveMinimum", "lower", True, operator.gt),
            Operator("lte", "≤", "<=", "$lte", "maximum", "upper", False, operator.le),
            Operator("lt", "<", "<", "$lt", "exclusiveMaximum", "upper", True, operator.lt),
        )
    }
)

#: The operators a numeric condition may use in rule data (``{ gte = 30000, lt = 60000 }``).
NUMERIC_OPERATORS: tuple[str, ...] = tuple(name for name, op in OPERATORS.items() if op.bound is not None)

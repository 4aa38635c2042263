"""The four kinds of input a plan declares (``type`` in ``[inputs.<name>]``), one object each.

Why it is long: one class per kind of input with every method that depends on the kind (issue 28):
what a new kind needs is in one file.

Everything that depends on an input's kind lives on its object, so a new kind is one class here
(docs/architecture.md, "a new input type"):

- ``declaration_problems``: what the loader refuses in its declaration (bounds, values);
- ``condition``: a row's or implication's condition on it, checked and normalised (the loader);
- ``typed`` and ``hint``: a case's JSON value, checked strictly and typed (`validate_case`), and
  how to give it;
- ``check_source``: the same check as generated Python for the plain common shape (the one
  generated validator in `engine.bulk`, used by ``decide``, ``check`` and ``decide_many``);
- ``parse_text``: a value typed as text (the CLI's ``--set``, the advisor's web form);
- ``schema``: its JSON Schema (the HTTP contract);
- ``domain``: every value, when there are few enough to list;
- ``show``: a value as a caseworker reads it.

Messages name the field, never the value: a case can hold personal data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from ..danish import NumberTextError, format_number, parse_danish_number
from ..errors import Problem
from .codes import UNKNOWN_REFERENCE
from .operators import NUMERIC_OPERATORS, OPERATORS
from .parts import InputSpec, Value

#: A condition as the loader builds its term from it: ``(operator, value)``; ``in`` takes a tuple.
Condition = tuple[str, Value | tuple[Value, ...]]

#: Decimals a number input may have (øre for amounts).
NUMBER_DECIMALS = 2
#: Differences below this are binary floating-point noise, not a value (0.1 + 0.2).
FLOAT_NOISE = 1e-6
#: Integers this large are refused before any float conversion (which overflows at 10^308).
MAX_INTEGER = 10**18
#: Thresholds and bounds stay below this and at 2 decimals, so they are written without an
#: exponent (durable-rules cannot read 1e+16 or 1e-05).
MAX_THRESHOLD = 10**15
#: Int inputs whose whole domain (max - min + 1) is at most this can be listed (`domain`).
MAX_ENUMERATED_DOMAIN = 10_000
#: Keys only a number input may declare.
NUMERIC_KEYS = ("min", "max", "at_least", "default_product")


class ValueTextError(ValueError):
    """A value typed as text that cannot be read; the message starts in lower case and never
    repeats the text (the CLI prefixes "værdien", the web form capitalises it).
    ``unreadable_number``: the text is not a number at all (the message is the reader's, `danish`)."""

    def __init__(self, message: str, *, unreadable_number: bool = False) -> None:
        super().__init__(message)
        self.unreadable_number = unreadable_number


def finite(value: int | float) -> bool:
    """A finite number; an int of any size is (math.isfinite overflows on 309+ digits)."""
    return isinstance(value, int) or math.isfinite(value)


def kind_name(raw: Any) -> str:
    """What a JSON value is, in Danish, for "skal være …, men er …" (never the value itself)."""
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "en sandhedsværdi"
    if isinstance(raw, str):
        return "tekst"
    if isinstance(raw, (int, float)):
        return "et tal"
    if isinstance(raw, (list, tuple)):
        return "en liste"
    if isinstance(raw, Mapping):
        return "et objekt"
    return "en ukendt type"


class InputKind:
    """One kind of input. Subclasses override what differs; see the module doc."""

    #: The name in rule data (``type = "int"``).
    code: ClassVar[str]
    #: Its JSON Schema type.
    json_type: ClassVar[str]
    #: A number (``min``/``max``, ``at_least``, ``default_product``, comparisons) or not.
    numeric: ClassVar[bool] = False
    #: The web form's widget: ``select``, ``bool`` or ``number``.
    widget: ClassVar[str] = "number"
    #: Decimals a value may have, where the kind limits them (amounts: øre).
    decimals: ClassVar[int | None] = None
    #: The smallest difference between two values of a number kind (1; one øre), else None.
    resolution: ClassVar[int | float | None] = None
    #: The Python type of a typed value.
    python_type: ClassVar[type]
    #: A value as text, for examples in messages (``--set trin=3``).
    text_example: ClassVar[str] = ""
    #: The kind in words, in messages ("værdien skal være et heltal").
    noun: ClassVar[str] = "en værdi"

    def declaration_problems(self, spec: InputSpec, where: str, inputs: Mapping[str, InputSpec], name: str) -> list[Problem]:
        """What is wrong with the declaration ``[inputs.<name>]`` (``where`` names it)."""
        return _no_values(spec, where) + _not_numeric(spec, where)

    def condition(self, name: str, spec: InputSpec, cond: Any, here: str, problems: list[Problem]) -> list[Condition] | None:
        """The conditions a rule-data value on this input means, or None after a problem."""
        raise NotImplementedError

    def typed(self, spec: InputSpec, raw: Any, where: str, problems: list[Problem]) -> Value | None:
        """``raw`` (a JSON value, not None) in this kind's type, or None after reporting a problem."""
        raise NotImplementedError

    def hint(self, spec: InputSpec, name: str) -> str:
        """How to give the input (the fix of a missing or wrong value)."""
        raise NotImplementedError

    def check_source(self, spec: InputSpec, v: str, const: Callable[[Any], str]) -> list[str]:
        """Generated lines that leave a present, plain, valid value of variable ``v`` typed in ``v``
        and ``return None`` for anything else (the strict path then answers). ``const`` names a
        constant for the generated code."""
        raise NotImplementedError

    def parse_text(self, spec: InputSpec, text: str) -> Value:
        """A value typed as text (stripped); raises `ValueTextError`."""
        raise NotImplementedError

    def schema(self, spec: InputSpec) -> dict[str, Any]:
        """The JSON Schema keywords that constrain a value besides its type."""
        return {}

    def domain(self, spec: InputSpec) -> tuple[Value, ...] | None:
        """Every valid value, when there are few enough to list; else None."""
        return None

    def show(self, spec: InputSpec, value: Value, *, unit: bool = True) -> str:
        """A value as a caseworker reads it (a number with its unit unless ``unit`` is False)."""
        return format_number(value, spec.unit if unit else "")

    def product(self, factors: Iterable[Value]) -> int | float:
        """The value ``default_product`` derives from its factors (numbers only: checked at load)."""
        raise TypeError(f"et {self.code}-input har ingen produktværdi")


class Choice(InputKind):
    """``enum``: one of the declared codes (paragraf, område)."""

    code = "enum"
    json_type = "string"
    python_type = str
    widget = "select"

    def declaration_problems(self, spec: InputSpec, where: str, inputs: Mapping[str, InputSpec], name: str) -> list[Problem]:
        problems: list[Problem] = []
        if not spec.values:
            problems.append(Problem(f"{where}.values", "et enum-input skal have værdier.", 'Tilføj fx [inputs.omraade.values.boern] label = "Børn og unge".'))
        problems += _not_numeric(spec, where)
        if spec.monotone:
            problems.append(Problem(f"{where}.monotone", "et enum-input kan ikke være monotont.", "Fjern nøglen."))
        return problems

    def condition(self, name: str, spec: InputSpec, cond: Any, here: str, problems: list[Problem]) -> list[Condition] | None:
        values = [cond] if isinstance(cond, str) else cond
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            problems.append(Problem(here, "en enum-betingelse skal være en værdi eller en liste af værdier.", f'Skriv fx {name} = ["{next(iter(spec.values or {}), "x")}"].'))
            return None
        unknown = [v for v in values if v not in (spec.values or {})]
        if unknown:
            problems.append(Problem(here, f"ukendt værdi {', '.join(unknown)}.", f"Brug værdier fra inputs.{name}.values.", code=UNKNOWN_REFERENCE))
            return None
        return [("in", tuple(dict.fromkeys(values)))]

    def typed(self, spec: InputSpec, raw: Any, where: str, problems: list[Problem]) -> Value | None:
        if isinstance(raw, str) and raw in (spec.values or {}):
            return raw
        what = "ukendt værdi" if isinstance(raw, str) else f"skal være tekst, men er {kind_name(raw)}"
        problems.append(Problem(where, f"{what}.", self.hint(spec, where.rsplit(".", 1)[-1])))
        return None

    def hint(self, spec: InputSpec, name: str) -> str:
        codes = list(spec.values or {})
        if len(codes) > 12:
            return f"Angiv {name} som en af: {', '.join(codes[:12])} … (alle koder: kompetenceplan plan)."
        return f"Angiv {name} som en af: {', '.join(codes)}."

    def check_source(self, spec: InputSpec, v: str, const: Callable[[Any], str]) -> list[str]:
        return [f"if {v}.__class__ is not str or {v} not in {const(frozenset(spec.values or {}))}:", "    return None"]

    def parse_text(self, spec: InputSpec, text: str) -> Value:
        # The code as typed: an unknown one is refused by the case validation with the codes to use.
        return text

    def schema(self, spec: InputSpec) -> dict[str, Any]:
        return {"enum": list(spec.values or {})}

    def domain(self, spec: InputSpec) -> tuple[Value, ...] | None:
        return tuple(spec.values or {})

    def show(self, spec: InputSpec, value: Value, *, unit: bool = True) -> str:
        found = (spec.values or {}).get(str(value))
        return found.label if found else str(value)


class YesNo(InputKind):
    """``bool``: ja or nej (samtykke, akut)."""

    code = "bool"
    json_type = "boolean"
    python_type = bool
    text_example = "ja"
    noun = "ja eller nej"
    widget = "bool"

    def condition(self, name: str, spec: InputSpec, cond: Any, here: str, problems: list[Problem]) -> list[Condition] | None:
        if not isinstance(cond, bool):
            problems.append(Problem(here, "en ja/nej-betingelse skal være true eller false.", f"Skriv fx {name} = true."))
            return None
        return [("eq", cond)]

    def typed(self, spec: InputSpec, raw: Any, where: str, problems: list[Problem]) -> Value | None:
        if isinstance(raw, bool):
            return raw
        problems.append(Problem(where, f"skal være true eller false, men er {kind_name(raw)}.", "Skriv true eller false uden anførselstegn."))
        return None

    def hint(self, spec: InputSpec, name: str) -> str:
        return f"Angiv {name} som true eller false."

    def check_source(self, spec: InputSpec, v: str, const: Callable[[Any], str]) -> list[str]:
        return [f"if {v}.__class__ is not bool:", "    return None"]

    def parse_text(self, spec: InputSpec, text: str) -> Value:
        if text.lower() in {"ja", "true", "1"}:
            return True
        if text.lower() in {"nej", "false", "0"}:
            return False
        raise ValueTextError("skal være ja eller nej.")

    def domain(self, spec: InputSpec) -> tuple[Value, ...] | None:
        return (False, True)

    def show(self, spec: InputSpec, value: Value, *, unit: bool = True) -> str:
        return "ja" if value else "nej"


class _Numeric(InputKind):
    """What whole numbers and amounts share: bounds, comparisons, Danish number text."""

    numeric = True
    text_example = "3"
    #: An example value, in messages.
    example: ClassVar[str]
    #: An example condition in rule data, in messages (``{name}`` is the input).
    condition_example: ClassVar[str]

    def declaration_problems(self, spec: InputSpec, where: str, inputs: Mapping[str, InputSpec], name: str) -> list[Problem]:
        problems = _no_values(spec, where)
        if spec.min is None or spec.max is None:
            problems.append(Problem(where, "tal-input skal have både min og max.", "Angiv fx min = 0 og max = 10000000."))
        elif not (finite(spec.min) and finite(spec.max)) or spec.min > spec.max:
            problems.append(Problem(where, "min skal være et endeligt tal mindre end eller lig max.", "Ret min/max."))
        elif max(abs(spec.min), abs(spec.max)) >= MAX_THRESHOLD:
            problems.append(Problem(where, "min og max skal være under 10^15.", "Vælg en realistisk øvre grænse."))
        problems += self._bound_problems(spec, where)
        if spec.at_least is not None:
            other = inputs.get(spec.at_least)
            if other is None or not KINDS[other.type].numeric:
                problems.append(Problem(f"{where}.at_least", "skal henvise til et tal-input.", "Angiv navnet på et int- eller number-input."))
        if spec.default_product is not None:
            if spec.required:
                problems.append(Problem(f"{where}.default_product", "et påkrævet input bruger aldrig en standardværdi.", "Sæt required = false eller fjern default_product."))
            for other_name in spec.default_product:
                other = inputs.get(other_name)
                if other is None or not KINDS[other.type].numeric or other_name == name:
                    problems.append(Problem(f"{where}.default_product", f"'{other_name}' er ikke et andet tal-input.", "Angiv navne på int- eller number-input."))
        return problems

    def _bound_problems(self, spec: InputSpec, where: str) -> list[Problem]:
        return []

    def condition(self, name: str, spec: InputSpec, cond: Any, here: str, problems: list[Problem]) -> list[Condition] | None:
        if not isinstance(cond, dict) or not cond:
            problems.append(Problem(here, f"betingelsen passer ikke til input-typen {self.code}.", f"Skriv fx {self.condition_example.format(name=name)}."))
            return None
        out: list[Condition] = []
        for op, value in cond.items():
            if op not in NUMERIC_OPERATORS:
                problems.append(
                    Problem(f"{here}.{op}", "ukendt operator.", f"Brug {', '.join(NUMERIC_OPERATORS)} ({', '.join(OPERATORS[o].symbol for o in NUMERIC_OPERATORS)}).", code=UNKNOWN_REFERENCE)
                )
                return None
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not finite(value):
                problems.append(Problem(f"{here}.{op}", "grænsen skal være et endeligt tal.", f"Skriv fx {name} = {{ {op} = 30000 }}."))
                return None
            if abs(value) >= MAX_THRESHOLD or round(value, 2) != value:
                problems.append(Problem(f"{here}.{op}", "grænsen skal være under 10^15 og have højst 2 decimaler.", f"Skriv fx {name} = {{ {op} = 30000.50 }}."))
                return None
            out.append((op, value))
        return out

    def typed(self, spec: InputSpec, raw: Any, where: str, problems: list[Problem]) -> Value | None:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            problems.append(Problem(where, f"skal være et tal, men er {kind_name(raw)}.", f"Skriv tallet uden anførselstegn, fx {self.example}."))
            return None
        if isinstance(raw, int) and abs(raw) >= MAX_INTEGER:
            # math.isfinite and float() overflow on 309+ digits; far beyond any bound anyway.
            problems.append(Problem(where, "tallet er alt for stort.", "Angiv et tal inden for inputtets interval."))
            return None
        if not math.isfinite(raw):
            problems.append(Problem(where, "skal være et endeligt tal.", "Angiv et almindeligt tal."))
            return None
        value = self._exact(raw, where, problems)
        if value is None:
            return None
        # The loader requires both bounds of a number input.
        low, high = spec.min if spec.min is not None else -math.inf, spec.max if spec.max is not None else math.inf
        if not low <= value <= high:
            problems.append(
                Problem(where, f"ligger uden for det tilladte interval {format_number(low)}–{format_number(high, spec.unit).rstrip('.')}.", f"Angiv {spec.label.lower()} inden for intervallet.")
            )
            return None
        return self._kept(value, where, problems)

    def _exact(self, raw: int | float, where: str, problems: list[Problem]) -> int | float | None:
        return raw

    def _kept(self, value: int | float, where: str, problems: list[Problem]) -> Value | None:
        return value

    def hint(self, spec: InputSpec, name: str) -> str:
        text = f"Angiv {name} som {self.noun} fra {format_number(spec.min or 0)} til {format_number(spec.max or 0, spec.unit)}"
        return text if text.endswith(".") else text + "."

    def parse_text(self, spec: InputSpec, text: str) -> Value:
        # Read as Danes write numbers (`danish`): "12.000" is twelve thousand, never 12, and what
        # could be read two ways ("12,000", "12.5") is refused, never guessed.
        try:
            return parse_danish_number(text, spec.unit)
        except NumberTextError as exc:
            raise ValueTextError(str(exc), unreadable_number=True) from None

    def schema(self, spec: InputSpec) -> dict[str, Any]:
        return {"minimum": spec.min, "maximum": spec.max}

    def product(self, factors: Iterable[Value]) -> int | float:
        value: int | float = self.python_type(math.prod(float(x) for x in factors))
        return value


class WholeNumber(_Numeric):
    """``int``: a whole number within bounds (trin, alder, timer)."""

    code = "int"
    json_type = "integer"
    noun = "et heltal"
    example = "3"
    condition_example = "{name} = 3 eller {name} = [3, 4]"
    python_type = int
    resolution = 1

    def _bound_problems(self, spec: InputSpec, where: str) -> list[Problem]:
        if any(isinstance(v, float) for v in (spec.min, spec.max)):
            return [Problem(where, "min og max for et heltals-input skal være heltal.", "Skriv fx min = 1, ikke 1.0.")]
        return []

    def condition(self, name: str, spec: InputSpec, cond: Any, here: str, problems: list[Problem]) -> list[Condition] | None:
        if isinstance(cond, int) and not isinstance(cond, bool):
            return [("eq", cond)]
        if isinstance(cond, list) and cond and all(isinstance(v, int) and not isinstance(v, bool) for v in cond):
            return [("in", tuple(dict.fromkeys(cond)))]
        return super().condition(name, spec, cond, here, problems)

    def _exact(self, raw: int | float, where: str, problems: list[Problem]) -> int | float | None:
        if isinstance(raw, float):
            if not raw.is_integer():
                problems.append(Problem(where, "skal være et heltal.", "Angiv et helt tal, fx 3."))
                return None
            return int(raw)
        return raw

    def check_source(self, spec: InputSpec, v: str, const: Callable[[Any], str]) -> list[str]:
        return [f"if {v}.__class__ is not int or not {spec.min!r} <= {v} <= {spec.max!r}:", "    return None"]

    def parse_text(self, spec: InputSpec, text: str) -> Value:
        value = super().parse_text(spec, text)
        if not isinstance(value, int):
            raise ValueTextError("skal være et heltal.")
        return value

    def domain(self, spec: InputSpec) -> tuple[Value, ...] | None:
        if spec.min is None or spec.max is None:
            return None
        low, high = math.ceil(spec.min), math.floor(spec.max)
        return tuple(range(low, high + 1)) if high - low < MAX_ENUMERATED_DOMAIN else None


class Amount(_Numeric):
    """``number``: an amount in kroner and øre, or hours in hundredths."""

    code = "number"
    json_type = "number"
    noun = "et tal"
    example = "12000"
    condition_example = "{name} = {{ gte = 30000 }}"
    decimals = NUMBER_DECIMALS
    python_type = float
    resolution = 10**-NUMBER_DECIMALS

    def _kept(self, value: int | float, where: str, problems: list[Problem]) -> Value | None:
        # Amounts are kroner and øre (hours: hundredths). More decimals are refused, not rounded:
        # rounding 30000.004 down to 30000.00 could fail a "> 30000" row and route the case too
        # low. Only binary floating-point noise (0.1 + 0.2) is rounded away. Two decimals also
        # keep every number in plain decimal form: durable-rules cannot parse exponents.
        rounded = round(float(value), NUMBER_DECIMALS) + 0.0
        if abs(rounded - value) > FLOAT_NOISE:
            problems.append(Problem(where, f"må højst have {NUMBER_DECIMALS} decimaler (øre).", "Afrund beløbet til hele øre, fx 12000.50."))
            return None
        return rounded

    def check_source(self, spec: InputSpec, v: str, const: Callable[[Any], str]) -> list[str]:
        # An amount in kroner and øre: n / 100 (an int divided, exactly rounded) is the float
        # nearest n øre, so a float equal to it is a two-decimal amount and `typed` gives it back
        # unchanged (0.0 for -0.0). Anything else, floating-point noise included, takes the
        # strict path. Bounds are finite (the loader requires them), so NaN and inf fail them,
        # and below 10^15, so every int within them is exactly a float.
        return [
            f"if {v}.__class__ is float and {spec.min!r} <= {v} <= {spec.max!r}:",
            f"    r = round({v} * 100.0) / 100",
            f"    if r != {v}:",
            "        return None",
            f"    {v} = r",
            f"elif {v}.__class__ is int and {spec.min!r} <= {v} <= {spec.max!r}:",
            f"    {v} = float({v})",
            "else:",
            "    return None",
        ]


def _no_values(spec: InputSpec, where: str) -> list[Problem]:
    return [Problem(f"{where}.values", "kun enum-input har værdier.", 'Brug type = "enum" eller fjern values.')] if spec.values is not None else []


def _not_numeric(spec: InputSpec, where: str) -> list[Problem]:
    return [Problem(f"{where}.{key}", f"'{key}' gælder kun tal-input.", "Fjern nøglen.") for key in NUMERIC_KEYS if getattr(spec, key) is not None]


#: Every kind by its name in rule data; ``plan.schema.InputSpec.type`` lists the same names (a test
#: holds them equal).
KINDS: dict[str, InputKind] = {k.code: k for k in (WholeNumber(), Amount(), YesNo(), Choice())}


def kind_of(spec: InputSpec) -> InputKind:
    """The kind of a declared input."""
    return KINDS[spec.type]

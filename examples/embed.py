"""A case tool embedding kompetenceplan through its Python API.

Run from the project folder:  python examples/embed.py
It routes an intervention, asks for a missing input the way a case tool would, and checks a
submission before it is put on the committee's agenda.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from kompetenceplan import CaseError, EngineError, MissingInputError, check, decide, explain, load_plans

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    plans = load_plans(ROOT / "rules" / "nyborg")  # load once; decide() is thread-safe
    on = dt.date(2026, 12, 1)

    case = {"paragraf": "bl-32-1-5", "trin": 3, "maanedlig_udgift": 12000, "varighed_maaneder": 6, "alder": 10, "samtykke": True}
    try:
        decide(plans, case, on=on)
    except MissingInputError as exc:
        # A case tool asks the advisor for exactly the fields the engine names.
        asked = [p.where.split(".")[-1] for p in exc.problems]
        print("Mangler:", ", ".join(asked))
        case = {**case, "sagens_maanedlige_udgift": 12000}
    except (CaseError, EngineError) as exc:
        print(exc.render())
        raise SystemExit(2) from None

    decision = decide(plans, case, on=on)
    print("Niveau:", decision.level.id, "| række:", decision.deciding_row)
    print(explain(decision).splitlines()[0])

    submission = json.loads((ROOT / "examples" / "submissions" / "familiebehandling-hoej-udgift-mangler.json").read_text(encoding="utf-8"))
    report = check(plans, submission, on=on, today=on)
    print("Klar til visitationsudvalget:", report.ready, "| fund:", " ".join(f.code for f in report.findings))


if __name__ == "__main__":
    main()

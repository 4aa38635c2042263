"""Natural keys for imports (issue 22 item 8): a rerun of an import stores nothing new.

``payments.line_key``: SHA-256 of a payment line's content and its occurrence (the n-th identical
line); ``decisions.import_key``: SHA-256 of an imported decision's natural key. Both unique. Rows
stored before this revision get their keys here, computed exactly as `tilsyn.finance.payment_key`
and `store.register.decision_key` compute them (a test holds them equal): a payment repeated by an
earlier rerun becomes the 2nd, 3rd … occurrence (kept, as stored); of imported decisions stored
twice, the first gets the key and the later ones none (kept, as stored).
"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def _sha(parts: list) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


DECISION_KEY_COLUMNS = ("case_ref", "team", "level", "decided_by", "decided_on", "outcome", "paragraph", "step", "monthly_cost", "start", "expected_end", "note")


def upgrade() -> None:
    op.add_column("payments", sa.Column("line_key", sa.String(64), nullable=True))
    op.add_column("decisions", sa.Column("import_key", sa.String(64), nullable=True))
    conn = op.get_bind()
    payments = sa.table(
        "payments", sa.column("id"), sa.column("case_ref"), sa.column("paid_on", sa.Date), sa.column("amount"), sa.column("paragraph"), sa.column("account"), sa.column("text"), sa.column("line_key")
    )
    seen: dict[str, int] = {}
    for row in conn.execute(sa.select(payments).order_by(payments.c.id)).mappings().all():
        content = [row["case_ref"], _iso(row["paid_on"]), round(float(row["amount"]) * 100), row["paragraph"], row["account"] or "", row["text"] or ""]
        content_key = _sha(content)
        seen[content_key] = seen.get(content_key, 0) + 1
        conn.execute(payments.update().where(payments.c.id == row["id"]).values(line_key=_sha([*content, seen[content_key]])))
    decisions = sa.table("decisions", sa.column("id"), sa.column("source"), sa.column("import_key"), *(sa.column(c) for c in DECISION_KEY_COLUMNS if c not in ("decided_on", "start", "expected_end")), sa.column("decided_on", sa.Date), sa.column("start", sa.Date), sa.column("expected_end", sa.Date))
    given: set[str] = set()
    for row in conn.execute(sa.select(decisions).where(decisions.c.source == "import").order_by(decisions.c.id)).mappings().all():
        parts = [round(float(row[c]) * 100) if c == "monthly_cost" else _iso(row[c]) for c in DECISION_KEY_COLUMNS]
        key = _sha(parts)
        if key not in given:
            given.add(key)
            conn.execute(decisions.update().where(decisions.c.id == row["id"]).values(import_key=key))
    op.create_index("ix_payments_line_key", "payments", ["line_key"], unique=True)
    op.create_index("ix_decisions_import_key", "decisions", ["import_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_decisions_import_key", "decisions")
    op.drop_index("ix_payments_line_key", "payments")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("import_key")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("line_key")

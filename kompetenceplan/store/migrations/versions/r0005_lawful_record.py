"""A record a municipality can trust (issue 22): no row corrected twice and one first outcome or
answer per item (unique indexes), agenda numbers given once, retractions of decisions, the
statutory breach flag, who did what (actor id and name) and the body an item was forwarded to.

A database with a forked correction chain (two rows correcting the same row, which concurrent
writers could cause before this version) cannot get the unique indexes: the upgrade stops and
names the table, and nothing is changed (docs/register.md, "Upgrading a forked register")."""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FIRST = sa.text("corrects_id IS NULL")


def _refuse_forks(conn: sa.engine.Connection) -> None:
    checks = {
        "routings": "SELECT corrects_id FROM routings WHERE corrects_id IS NOT NULL GROUP BY corrects_id HAVING COUNT(*) > 1",
        "decisions": "SELECT corrects_id FROM decisions WHERE corrects_id IS NOT NULL GROUP BY corrects_id HAVING COUNT(*) > 1",
        "meeting_items": "SELECT corrects_id FROM meeting_items WHERE corrects_id IS NOT NULL GROUP BY corrects_id HAVING COUNT(*) > 1",
        "outcomes": "SELECT corrects_id FROM outcomes WHERE corrects_id IS NOT NULL GROUP BY corrects_id HAVING COUNT(*) > 1"
        " UNION ALL SELECT meeting_id FROM outcomes WHERE corrects_id IS NULL GROUP BY meeting_id, item_key HAVING COUNT(*) > 1",
        "tilsyn_answers": "SELECT corrects_id FROM tilsyn_answers WHERE corrects_id IS NOT NULL GROUP BY corrects_id HAVING COUNT(*) > 1"
        " UNION ALL SELECT item_id FROM tilsyn_answers WHERE corrects_id IS NULL GROUP BY item_id, question HAVING COUNT(*) > 1",
    }
    forked = [table for table, sql in checks.items() if conn.execute(sa.text(sql)).first() is not None]
    if forked:
        raise RuntimeError(
            "Registret kan ikke migreres: rettelseskæden er forgrenet i " + ", ".join(forked) + " (to rækker retter den samme). "
            "Se docs/register.md, afsnittet 'Upgrading a forked register'."
        )


def _number_items(conn: sa.engine.Connection) -> None:
    """Each item gets the number the agenda showed: the order its first version was added."""
    rows = conn.execute(sa.text("SELECT id, meeting_id, item_key FROM meeting_items ORDER BY meeting_id, id")).all()
    numbers: dict[tuple[int, str], int] = {}
    next_number: dict[int, int] = {}
    for row_id, meeting_id, key in rows:
        if (meeting_id, key) not in numbers:
            next_number[meeting_id] = next_number.get(meeting_id, 0) + 1
            numbers[(meeting_id, key)] = next_number[meeting_id]
        conn.execute(sa.text("UPDATE meeting_items SET number = :n WHERE id = :id"), {"n": numbers[(meeting_id, key)], "id": row_id})


def _widen(table: str, column: str, length: int) -> None:
    # SQLite does not enforce VARCHAR lengths (and changing a column there means copying the
    # table, which other tables' foreign keys forbid inside the migration's transaction).
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(table, column, type_=sa.String(length), existing_nullable=False)


def upgrade() -> None:
    conn = op.get_bind()
    _refuse_forks(conn)
    _widen("routings", "advisor", 128)
    op.add_column("routings", sa.Column("advisor_name", sa.String(200), nullable=True))
    op.create_index("uq_routings_corrects", "routings", ["corrects_id"], unique=True)
    _widen("decisions", "decided_by", 128)
    op.add_column("decisions", sa.Column("decided_by_name", sa.String(200), nullable=True))
    op.add_column("decisions", sa.Column("lovbestemt_overskredet", sa.Boolean, nullable=False, server_default=sa.text("false")))
    op.add_column("decisions", sa.Column("recorded_by", sa.String(128), nullable=True))
    op.add_column("decisions", sa.Column("recorded_by_name", sa.String(200), nullable=True))
    op.create_index("uq_decisions_corrects", "decisions", ["corrects_id"], unique=True)
    if conn.dialect.name == "sqlite":
        # SQLite adds a NOT NULL column only with a default; every row gets its number below.
        op.add_column("meeting_items", sa.Column("number", sa.Integer, nullable=False, server_default=sa.text("0")))
    else:
        op.add_column("meeting_items", sa.Column("number", sa.Integer, nullable=True))
    op.add_column("meeting_items", sa.Column("added_by", sa.String(128), nullable=True))
    op.add_column("meeting_items", sa.Column("added_by_name", sa.String(200), nullable=True))
    _number_items(conn)
    if conn.dialect.name != "sqlite":
        op.alter_column("meeting_items", "number", existing_type=sa.Integer, nullable=False)
    op.create_index("uq_meeting_items_corrects", "meeting_items", ["corrects_id"], unique=True)
    op.create_index("uq_meeting_items_number", "meeting_items", ["meeting_id", "number"], unique=True, sqlite_where=FIRST, postgresql_where=FIRST)
    op.add_column("agendas", sa.Column("sent_by", sa.String(128), nullable=True))
    op.add_column("agendas", sa.Column("sent_by_name", sa.String(200), nullable=True))
    op.add_column("outcomes", sa.Column("forwarded_to", sa.String(64), nullable=True))
    op.add_column("outcomes", sa.Column("recorded_by", sa.String(128), nullable=True))
    op.add_column("outcomes", sa.Column("recorded_by_name", sa.String(200), nullable=True))
    op.create_index("uq_outcomes_corrects", "outcomes", ["corrects_id"], unique=True)
    op.create_index("uq_outcomes_first", "outcomes", ["meeting_id", "item_key"], unique=True, sqlite_where=FIRST, postgresql_where=FIRST)
    op.create_table(
        "decision_retractions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("outcome_id", sa.Integer, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=True),
        sa.Column("recorded_by_name", sa.String(200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("uq_decision_retractions_decision", "decision_retractions", ["decision_id"], unique=True)
    _widen("tilsyn_answers", "answered_by", 128)
    op.add_column("tilsyn_answers", sa.Column("answered_by_name", sa.String(200), nullable=True))
    op.create_index("uq_tilsyn_answers_corrects", "tilsyn_answers", ["corrects_id"], unique=True)
    op.create_index("uq_tilsyn_answers_first", "tilsyn_answers", ["item_id", "question"], unique=True, sqlite_where=FIRST, postgresql_where=FIRST)


def downgrade() -> None:
    for name, table in (
        ("uq_tilsyn_answers_first", "tilsyn_answers"),
        ("uq_tilsyn_answers_corrects", "tilsyn_answers"),
        ("uq_outcomes_first", "outcomes"),
        ("uq_outcomes_corrects", "outcomes"),
        ("uq_meeting_items_number", "meeting_items"),
        ("uq_meeting_items_corrects", "meeting_items"),
        ("uq_decisions_corrects", "decisions"),
        ("uq_routings_corrects", "routings"),
    ):
        op.drop_index(name, table_name=table)
    op.drop_index("uq_decision_retractions_decision", table_name="decision_retractions")
    op.drop_table("decision_retractions")
    for table, columns in (
        ("tilsyn_answers", ("answered_by_name",)),
        ("outcomes", ("forwarded_to", "recorded_by", "recorded_by_name")),
        ("agendas", ("sent_by", "sent_by_name")),
        ("meeting_items", ("number", "added_by", "added_by_name")),
        ("decisions", ("decided_by_name", "lovbestemt_overskredet", "recorded_by", "recorded_by_name")),
        ("routings", ("advisor_name",)),
    ):
        for column in columns:
            op.drop_column(table, column)

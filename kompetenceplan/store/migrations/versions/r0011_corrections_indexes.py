"""The unique indexes on ``corrects_id`` of decisions and routings hold only the corrections
(partial: ``corrects_id IS NOT NULL``). The rule they keep is the same — no row is corrected
twice; a NULL never collided anyway — but SQLite, which plans without statistics, took the full
index for a lookup of ``corrects_id IS NULL`` (the check that the same decision or routing is not
stored twice) as if it found one row, and read every first version of every case there: a decision
write on a register of 100,000 decisions ran at a seventh of the rate on an empty one (issue 29,
docs/performance.md). A partial index cannot answer ``IS NULL``, so the case's own index does.

Case events get the same partial index on ``corrects_id`` (not unique: the rule that only the
newest version is corrected stays with the row lock). "Not corrected" is now NOT EXISTS, a probe
of it per event; it was NOT IN over every correction, which read every case event in the register
for one case's events. Only indexes: no column changes (SQLite's foreign keys survive)."""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CORRECTION = sa.text("corrects_id IS NOT NULL")
TABLES = (("uq_decisions_corrects", "decisions"), ("uq_routings_corrects", "routings"))


def upgrade() -> None:
    for name, table in TABLES:
        op.drop_index(name, table)
        op.create_index(name, table, ["corrects_id"], unique=True, sqlite_where=CORRECTION, postgresql_where=CORRECTION)
    op.create_index("ix_case_events_corrects", "case_events", ["corrects_id"], sqlite_where=CORRECTION, postgresql_where=CORRECTION)


def downgrade() -> None:
    op.drop_index("ix_case_events_corrects", "case_events")
    for name, table in TABLES:
        op.drop_index(name, table)
        op.create_index(name, table, ["corrects_id"], unique=True)

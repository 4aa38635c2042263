"""The indexes the hot queries need (issue 29): pages of decisions and meetings by key (the day,
then id), a team's decisions and the overskridelser, the agenda as last sent, and the committee item behind a decision.
The index on ``decisions.decided_on`` alone is replaced by (decided_on, id), which serves the same
queries and the pages' order. Only indexes: no column changes (SQLite's foreign keys survive)."""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"  # the chain: 0007 → 0009 → 0008 → 0010
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_decisions_decided_on_id", "decisions", ["decided_on", "id"])
    op.drop_index("ix_decisions_decided_on", "decisions")
    op.create_index("ix_decisions_team_day", "decisions", ["team", "decided_on", "id"])
    op.create_index(
        "ix_decisions_overskridelser", "decisions", ["decided_on", "id"], sqlite_where=sa.text("kompetenceoverskridelse IS 1"), postgresql_where=sa.text("kompetenceoverskridelse IS true")
    )
    op.create_index("ix_meetings_date_id", "meetings", ["meeting_date", "id"])
    op.create_index("ix_agendas_meeting", "agendas", ["meeting_id", "id"])
    op.create_index("ix_outcomes_decision", "outcomes", ["decision_id"])


def downgrade() -> None:
    op.drop_index("ix_outcomes_decision", "outcomes")
    op.drop_index("ix_agendas_meeting", "agendas")
    op.drop_index("ix_meetings_date_id", "meetings")
    op.drop_index("ix_decisions_overskridelser", "decisions")
    op.drop_index("ix_decisions_team_day", "decisions")
    op.create_index("ix_decisions_decided_on", "decisions", ["decided_on"])
    op.drop_index("ix_decisions_decided_on_id", "decisions")

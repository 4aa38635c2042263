"""Case events (issue 26): received, investigations, plans, follow-ups, formandsafgørelser."""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("corrects_id", sa.Integer, sa.ForeignKey("case_events.id"), nullable=True),
        sa.Column("case_ref", sa.String(64), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("advisor", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("art", sa.String(40), nullable=True),
        sa.Column("paragraph", sa.String(64), nullable=True),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("natural_key", sa.String(64), nullable=True),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_by_name", sa.String(128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("natural_key", name="uq_case_events_natural_key"),
    )
    op.create_index("ix_case_events_case_ref", "case_events", ["case_ref"])
    op.create_index("ix_case_events_occurred_on", "case_events", ["occurred_on"])


def downgrade() -> None:
    op.drop_table("case_events")

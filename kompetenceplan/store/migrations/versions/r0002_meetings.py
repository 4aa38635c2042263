"""Committee meetings: meetings, their items, agendas as sent, and outcomes."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_date", sa.Date, nullable=False),
        sa.Column("body", sa.String(64), nullable=False),
        sa.Column("body_rank", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "meeting_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("item_key", sa.String(32), nullable=False),
        sa.Column("corrects_id", sa.Integer, sa.ForeignKey("meeting_items.id"), nullable=True),
        sa.Column("case_ref", sa.String(64), nullable=False),
        sa.Column("submission", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("ready", sa.Boolean, nullable=False),
        sa.Column("required_level", sa.String(64), nullable=False),
        sa.Column("required_rank", sa.Integer, nullable=False),
        sa.Column("plan_version", sa.String(64), nullable=False),
        sa.Column("plan_fingerprint", sa.String(128), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_meeting_items_meeting", "meeting_items", ["meeting_id"])
    op.create_table(
        "agendas",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("item_key", sa.String(32), nullable=False),
        sa.Column("corrects_id", sa.Integer, sa.ForeignKey("outcomes.id"), nullable=True),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_outcomes_meeting", "outcomes", ["meeting_id"])


def downgrade() -> None:
    op.drop_table("outcomes")
    op.drop_table("agendas")
    op.drop_table("meeting_items")
    op.drop_table("meetings")

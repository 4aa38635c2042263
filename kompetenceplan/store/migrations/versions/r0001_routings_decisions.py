"""Routings and decisions (the first schema)."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("corrects_id", sa.Integer, sa.ForeignKey("routings.id"), nullable=True),
        sa.Column("case_ref", sa.String(64), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("advisor", sa.String(16), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("required_level", sa.String(64), nullable=False),
        sa.Column("required_rank", sa.Integer, nullable=False),
        sa.Column("deciding_row", sa.String(128), nullable=True),
        sa.Column("escalated", sa.Boolean, nullable=False),
        sa.Column("routed_on", sa.Date, nullable=False),
        sa.Column("plan_id", sa.String(128), nullable=False),
        sa.Column("plan_version", sa.String(64), nullable=False),
        sa.Column("plan_fingerprint", sa.String(128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_routings_case_ref", "routings", ["case_ref"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("corrects_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=True),
        sa.Column("routing_id", sa.Integer, sa.ForeignKey("routings.id"), nullable=True),
        sa.Column("case_ref", sa.String(64), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("level", sa.String(64), nullable=False),
        sa.Column("level_rank", sa.Integer, nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("paragraph", sa.String(64), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("monthly_cost", sa.Numeric(14, 2), nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("expected_end", sa.Date, nullable=True),
        sa.Column("required_level", sa.String(64), nullable=False),
        sa.Column("required_rank", sa.Integer, nullable=False),
        sa.Column("kompetenceoverskridelse", sa.Boolean, nullable=False),
        sa.Column("plan_id", sa.String(128), nullable=False),
        sa.Column("plan_version", sa.String(64), nullable=False),
        sa.Column("plan_fingerprint", sa.String(128), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_decisions_case_ref", "decisions", ["case_ref"])
    op.create_index("ix_decisions_decided_on", "decisions", ["decided_on"])


def downgrade() -> None:
    op.drop_table("decisions")
    op.drop_table("routings")

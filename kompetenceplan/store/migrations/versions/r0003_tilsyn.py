"""Ledelsestilsyn: draws, drawn items, automatic check results and checklist answers."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tilsyn_draws",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("quarter", sa.String(8), nullable=False),
        sa.Column("draw_date", sa.Date, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("per_stratum", sa.Integer, nullable=False),
        sa.Column("population_size", sa.Integer, nullable=False),
        sa.Column("population_fingerprint", sa.String(64), nullable=False),
        sa.Column("population", sa.JSON, nullable=False),
        sa.Column("config_fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("quarter", name="uq_tilsyn_draws_quarter"),
    )
    op.create_table(
        "tilsyn_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("draw_id", sa.Integer, sa.ForeignKey("tilsyn_draws.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("decision_id", sa.Integer, nullable=False),
        sa.Column("case_ref", sa.String(64), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("track", sa.String(32), nullable=False),
        sa.Column("stratum_size", sa.Integer, nullable=False),
    )
    op.create_index("ix_tilsyn_items_draw", "tilsyn_items", ["draw_id"])
    op.create_table(
        "tilsyn_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("tilsyn_items.id"), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_tilsyn_results_item", "tilsyn_results", ["item_id"])
    op.create_table(
        "tilsyn_answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("tilsyn_items.id"), nullable=False),
        sa.Column("question", sa.String(16), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("answered_by", sa.String(64), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("corrects_id", sa.Integer, sa.ForeignKey("tilsyn_answers.id"), nullable=True),
    )
    op.create_index("ix_tilsyn_answers_item", "tilsyn_answers", ["item_id"])


def downgrade() -> None:
    for name in ("tilsyn_answers", "tilsyn_results", "tilsyn_items", "tilsyn_draws"):
        op.drop_table(name)

"""Payments from the finance system (økonomisk tilsyn: paid against granted)."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_sha256", sa.String(64), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("case_ref", sa.String(64), nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("paragraph", sa.String(64), nullable=False),
        sa.Column("account", sa.String(64), nullable=True),
        sa.Column("text", sa.String(200), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_payments_paid_on", "payments", ["paid_on"])
    op.create_index("ix_payments_case_ref", "payments", ["case_ref"])
    op.create_index("ix_payments_batch", "payments", ["batch_sha256"])


def downgrade() -> None:
    op.drop_table("payments")

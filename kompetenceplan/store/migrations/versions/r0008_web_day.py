"""The users' whole day in the browser (issue 25): indstillinger saved as drafts (versions kept),
agenda items withdrawn before the meeting (recorded, never deleted), the attendees of a meeting
and what went to whom when an agenda was sent."""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0009"  # the chain: 0006 → 0007 → 0009 → 0008
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_drafts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("draft_key", sa.String(32), nullable=False),
        sa.Column("corrects_id", sa.Integer, sa.ForeignKey("submission_drafts.id"), nullable=True),
        sa.Column("case_ref", sa.String(64), nullable=False),
        sa.Column("submission", sa.JSON, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("report", sa.JSON, nullable=True),
        sa.Column("ready", sa.Boolean, nullable=False),
        sa.Column("required_level", sa.String(64), nullable=True),
        sa.Column("plan_version", sa.String(64), nullable=False),
        sa.Column("saved_by", sa.String(128), nullable=False),
        sa.Column("saved_by_name", sa.String(200), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_submission_drafts_key", "submission_drafts", ["draft_key"])
    op.create_index("uq_submission_drafts_corrects", "submission_drafts", ["corrects_id"], unique=True)
    op.create_table(
        "item_withdrawals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("item_key", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("withdrawn_by", sa.String(128), nullable=False),
        sa.Column("withdrawn_by_name", sa.String(200), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("uq_item_withdrawals_item", "item_withdrawals", ["meeting_id", "item_key"], unique=True)
    op.create_table(
        "meeting_attendance",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("attendees", sa.JSON, nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_by_name", sa.String(200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_meeting_attendance_meeting", "meeting_attendance", ["meeting_id"])
    op.create_table(
        "agenda_mailings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False),
        sa.Column("agenda_id", sa.Integer, sa.ForeignKey("agendas.id"), nullable=False),
        sa.Column("transport", sa.String(16), nullable=False),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=True),
        sa.Column("message_id", sa.String(200), nullable=True),
        sa.Column("sent_by", sa.String(128), nullable=False),
        sa.Column("sent_by_name", sa.String(200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_agenda_mailings_meeting", "agenda_mailings", ["meeting_id"])


def downgrade() -> None:
    for table in ("agenda_mailings", "meeting_attendance", "item_withdrawals", "submission_drafts"):
        op.drop_table(table)

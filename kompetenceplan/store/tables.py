"""The register's tables (SQLAlchemy Core). Records are append-only: a correction is a new row
whose ``corrects_id`` points to the row it corrects. The migrations in ``migrations/`` create
exactly these tables; a test compares the two."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, Numeric, String, Table, Text

metadata = MetaData()

routings = Table(
    "routings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("corrects_id", Integer, ForeignKey("routings.id"), nullable=True),
    Column("case_ref", String(64), nullable=False),
    Column("team", String(64), nullable=False),
    Column("advisor", String(16), nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("required_level", String(64), nullable=False),
    Column("required_rank", Integer, nullable=False),
    Column("deciding_row", String(128), nullable=True),
    Column("escalated", Boolean, nullable=False),
    Column("routed_on", Date, nullable=False),
    Column("plan_id", String(128), nullable=False),
    Column("plan_version", String(64), nullable=False),
    Column("plan_fingerprint", String(128), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index("ix_routings_case_ref", routings.c.case_ref)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("corrects_id", Integer, ForeignKey("decisions.id"), nullable=True),
    Column("routing_id", Integer, ForeignKey("routings.id"), nullable=True),
    Column("case_ref", String(64), nullable=False),
    Column("team", String(64), nullable=False),
    Column("level", String(64), nullable=False),
    Column("level_rank", Integer, nullable=False),
    Column("decided_by", String(64), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("paragraph", String(64), nullable=False),
    Column("step", Integer, nullable=False),
    Column("monthly_cost", Numeric(14, 2, asdecimal=False), nullable=False),
    Column("start", Date, nullable=False),
    Column("expected_end", Date, nullable=True),
    Column("required_level", String(64), nullable=False),
    Column("required_rank", Integer, nullable=False),
    Column("kompetenceoverskridelse", Boolean, nullable=False),
    Column("plan_id", String(128), nullable=False),
    Column("plan_version", String(64), nullable=False),
    Column("plan_fingerprint", String(128), nullable=False),
    Column("source", String(16), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index("ix_decisions_case_ref", decisions.c.case_ref)
Index("ix_decisions_decided_on", decisions.c.decided_on)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_date", Date, nullable=False),
    Column("body", String(64), nullable=False),
    Column("body_rank", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

meeting_items = Table(
    "meeting_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    # One key per agenda item; a changed submission is a new row with the same key.
    Column("item_key", String(32), nullable=False),
    Column("corrects_id", Integer, ForeignKey("meeting_items.id"), nullable=True),
    Column("case_ref", String(64), nullable=False),
    Column("submission", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("report", JSON, nullable=False),
    Column("ready", Boolean, nullable=False),
    Column("required_level", String(64), nullable=False),
    Column("required_rank", Integer, nullable=False),
    Column("plan_version", String(64), nullable=False),
    Column("plan_fingerprint", String(128), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
)
Index("ix_meeting_items_meeting", meeting_items.c.meeting_id)

agendas = Table(
    "agendas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    # item id -> content hash as sent: what the members received.
    Column("items", JSON, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
)

outcomes = Table(
    "outcomes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    Column("item_key", String(32), nullable=False),
    Column("corrects_id", Integer, ForeignKey("outcomes.id"), nullable=True),
    Column("outcome", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("decision_id", Integer, ForeignKey("decisions.id"), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index("ix_outcomes_meeting", outcomes.c.meeting_id)

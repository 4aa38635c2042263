"""The register's tables (SQLAlchemy Core), all on one ``metadata``: decisions and routings,
committee meetings, the ledelsestilsyn (draws, items, check results, answers) and the payments of
the økonomisk tilsyn. Records are append-only: a correction is a new row whose ``corrects_id``
points to the row it corrects. The migrations in ``migrations/`` create exactly these tables; a
test compares the two. Retention (`Register.purge`) is described in docs/register.md."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, Numeric, String, Table, Text, UniqueConstraint

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

# -- ledelsestilsyn (migration 0003) ------------------------------------------------------------
# The items point to decisions by id without a foreign key and keep the case reference and team
# as they were at the draw. A decision a stored draw item points to is kept by `Register.purge`
# while the draw is kept; a draw is purged as a whole (items, results, answers) when its draw date
# is before the purge date.
tilsyn_draws = Table(
    "tilsyn_draws",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("quarter", String(8), nullable=False),
    Column("draw_date", Date, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("per_stratum", Integer, nullable=False),
    Column("population_size", Integer, nullable=False),
    # SHA-256 of the sorted population ids, one per line: the population can be proved later.
    Column("population_fingerprint", String(64), nullable=False),
    Column("population", JSON, nullable=False),
    Column("config_fingerprint", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("quarter", name="uq_tilsyn_draws_quarter"),
)

tilsyn_items = Table(
    "tilsyn_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draw_id", Integer, ForeignKey("tilsyn_draws.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("decision_id", Integer, nullable=False),
    Column("case_ref", String(64), nullable=False),
    Column("team", String(64), nullable=False),
    Column("track", String(32), nullable=False),
    Column("stratum_size", Integer, nullable=False),
)
Index("ix_tilsyn_items_draw", tilsyn_items.c.draw_id)

tilsyn_results = Table(
    "tilsyn_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("tilsyn_items.id"), nullable=False),
    Column("code", String(16), nullable=False),
    # ok, fejl, ikke_relevant, ikke_efterproevet
    Column("status", String(24), nullable=False),
    Column("message", Text, nullable=False),
)
Index("ix_tilsyn_results_item", tilsyn_results.c.item_id)

tilsyn_answers = Table(
    "tilsyn_answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("tilsyn_items.id"), nullable=False),
    Column("question", String(16), nullable=False),
    # ja, nej, delvist, ikke_relevant
    Column("answer", String(16), nullable=False),
    Column("comment", Text, nullable=False),
    Column("answered_by", String(64), nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=False),
    Column("corrects_id", Integer, ForeignKey("tilsyn_answers.id"), nullable=True),
)
Index("ix_tilsyn_answers_item", tilsyn_answers.c.item_id)

# -- økonomisk tilsyn (migration 0004) -----------------------------------------------------------
# Payments from the finance system; nothing points to them. Purged by ``paid_on``.
payments = Table(
    "payments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_sha256", String(64), nullable=False),
    Column("line", Integer, nullable=False),
    Column("case_ref", String(64), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("amount", Numeric(14, 2, asdecimal=False), nullable=False),
    Column("paragraph", String(64), nullable=False),
    Column("account", String(64), nullable=True),
    Column("text", String(200), nullable=True),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)
Index("ix_payments_paid_on", payments.c.paid_on)
Index("ix_payments_case_ref", payments.c.case_ref)
Index("ix_payments_batch", payments.c.batch_sha256)

# -- case events (migration 0007, issue 26) -------------------------------------------------------
# What happened in a case besides its decisions (those stay in ``decisions``, never copied here):
# received, investigation started/finished, foreløbig vurdering, plans, follow-ups, a
# formandsafgørelse and its approval. The deadline rules (rules/<plan>-frister.toml) read them.
# Append-only: a correction is a new row pointing to the row it corrects (``withdrawn`` marks a
# correction that takes the event back). ``natural_key`` (SHA-256 of case, kind, art, date,
# paragraph) is set on original rows only: the same event is never stored twice (imports are
# idempotent). Purged by ``occurred_on``.
case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("corrects_id", Integer, ForeignKey("case_events.id"), nullable=True),
    Column("case_ref", String(64), nullable=False),
    Column("team", String(64), nullable=False),
    Column("advisor", String(64), nullable=True),
    Column("kind", String(40), nullable=False),
    Column("art", String(40), nullable=True),
    Column("paragraph", String(64), nullable=True),
    Column("occurred_on", Date, nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    Column("note", Text, nullable=False),
    Column("source", String(16), nullable=False),
    Column("natural_key", String(64), nullable=True),
    Column("recorded_by", String(128), nullable=False),
    Column("recorded_by_name", String(128), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("natural_key", name="uq_case_events_natural_key"),
)
Index("ix_case_events_case_ref", case_events.c.case_ref)
Index("ix_case_events_occurred_on", case_events.c.occurred_on)

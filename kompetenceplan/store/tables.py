"""The register's tables (SQLAlchemy Core), all on one ``metadata``: decisions and routings,
committee meetings, the ledelsestilsyn (draws, items, check results, answers) and the payments of
the økonomisk tilsyn. Records are append-only: a correction is a new row whose ``corrects_id``
points to the row it corrects, and no row is corrected twice (a unique ``corrects_id``: a second
correction of the same row is refused by the database, whatever the application did — the
register's invariants in docs/register.md). The migrations in ``migrations/`` create exactly these
tables and indexes; a test compares the two. Retention (`Register.purge`) is described in
docs/register.md.

Why it is long: every table of the register on one `metadata`, as the migrations build them; a test
holds the two equal.

Who did something is an actor (`kompetenceplan.actor`): ``*_by`` holds its stable id and
``*_by_name`` its name as shown; rows written before migration 0005 have none (NULL)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, Numeric, String, Table, Text, UniqueConstraint, text

metadata = MetaData()

#: The largest id an ``Integer`` primary key can hold (PostgreSQL's integer; SQLite's rowid is
#: 64-bit): an id above it names no record, and is never sent to the database (it would fail).
MAX_ID = 2**31 - 1

#: The first row of a chain: the one that corrects nothing (for partial unique indexes).
FIRST = text("corrects_id IS NULL")
#: A correction: the rows a unique index on ``corrects_id`` needs to hold. Where a lookup asks
#: for ``corrects_id IS NULL`` (decisions, routings: is this record stored already?) the index is
#: partial on this, or SQLite — planning without statistics — searches the index for NULL as if it
#: found one row, and reads every first version in the register (migration 0011, issue 29).
CORRECTION = text("corrects_id IS NOT NULL")

routings = Table(
    "routings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("corrects_id", Integer, ForeignKey("routings.id"), nullable=True),
    Column("case_ref", String(64), nullable=False),
    Column("team", String(64), nullable=False),
    Column("advisor", String(128), nullable=False),
    Column("advisor_name", String(200), nullable=True),
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
Index("uq_routings_corrects", routings.c.corrects_id, unique=True, sqlite_where=CORRECTION, postgresql_where=CORRECTION)

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
    Column("decided_by", String(128), nullable=False),
    Column("decided_by_name", String(200), nullable=True),
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
    # Taken below the body the statute reserves the paragraph for (barnets lov § 142 stk. 1 …):
    # "lovbestemt kompetence overskredet". Only an import of history can store one (flagged);
    # every interactive path refuses it.
    Column("lovbestemt_overskredet", Boolean, nullable=False, server_default=text("false")),
    Column("plan_id", String(128), nullable=False),
    Column("plan_version", String(64), nullable=False),
    Column("plan_fingerprint", String(128), nullable=False),
    Column("source", String(16), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_by", String(128), nullable=True),
    Column("recorded_by_name", String(200), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # An imported decision's natural key (SHA-256, `register.decision_key`): a rerun stores nothing new (migration 0009).
    Column("import_key", String(64), nullable=True),
)
Index("ix_decisions_import_key", decisions.c.import_key, unique=True)
Index("ix_decisions_case_ref", decisions.c.case_ref)
Index("uq_decisions_corrects", decisions.c.corrects_id, unique=True, sqlite_where=CORRECTION, postgresql_where=CORRECTION)

# A decision that is no longer in force without another taking its place: the committee's
# grant followed by "udsat", "sendt tilbage" or "oversendt" for the same item. Append-only; a
# decision is current when nothing corrects it and nothing retracts it.
decision_retractions = Table(
    "decision_retractions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("decision_id", Integer, ForeignKey("decisions.id"), nullable=False),
    # The outcome that retracted it, by id without a foreign key: a purged meeting's outcomes go,
    # the retraction stays as long as its decision (else a retracted grant would count again).
    Column("outcome_id", Integer, nullable=True),
    Column("reason", Text, nullable=False),
    Column("recorded_by", String(128), nullable=True),
    Column("recorded_by_name", String(200), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index("uq_decision_retractions_decision", decision_retractions.c.decision_id, unique=True)

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
    # The item's number on the agenda: given once, under the meeting's lock, and kept by every
    # version of the item (a number is never given again in the meeting, never renumbered).
    Column("number", Integer, nullable=False),
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
    Column("added_by", String(128), nullable=True),
    Column("added_by_name", String(200), nullable=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
)
Index("ix_meeting_items_meeting", meeting_items.c.meeting_id)
Index("uq_meeting_items_corrects", meeting_items.c.corrects_id, unique=True)
Index("uq_meeting_items_number", meeting_items.c.meeting_id, meeting_items.c.number, unique=True, sqlite_where=FIRST, postgresql_where=FIRST)

agendas = Table(
    "agendas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    # item id -> content hash as sent: what the members received.
    Column("items", JSON, nullable=False),
    Column("sent_by", String(128), nullable=True),
    Column("sent_by_name", String(200), nullable=True),
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
    # "oversendt": the level the item was sent on to (the body the statute reserves it for).
    Column("forwarded_to", String(64), nullable=True),
    Column("reason", Text, nullable=False),
    Column("decision_id", Integer, ForeignKey("decisions.id"), nullable=True),
    Column("recorded_by", String(128), nullable=True),
    Column("recorded_by_name", String(200), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index("ix_outcomes_meeting", outcomes.c.meeting_id)
Index("uq_outcomes_corrects", outcomes.c.corrects_id, unique=True)
# At most one first outcome per item: two concurrent first outcomes cannot both be stored.
Index("uq_outcomes_first", outcomes.c.meeting_id, outcomes.c.item_key, unique=True, sqlite_where=FIRST, postgresql_where=FIRST)

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
    Column("answered_by", String(128), nullable=False),
    Column("answered_by_name", String(200), nullable=True),
    Column("answered_at", DateTime(timezone=True), nullable=False),
    Column("corrects_id", Integer, ForeignKey("tilsyn_answers.id"), nullable=True),
)
Index("ix_tilsyn_answers_item", tilsyn_answers.c.item_id)
Index("uq_tilsyn_answers_corrects", tilsyn_answers.c.corrects_id, unique=True)
Index("uq_tilsyn_answers_first", tilsyn_answers.c.item_id, tilsyn_answers.c.question, unique=True, sqlite_where=FIRST, postgresql_where=FIRST)

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
    # The line's natural key (SHA-256, `finance.payment_key`): a rerun stores nothing new (migration 0009).
    Column("line_key", String(64), nullable=True),
)
Index("ix_payments_line_key", payments.c.line_key, unique=True)
Index("ix_payments_paid_on", payments.c.paid_on)
Index("ix_payments_case_ref", payments.c.case_ref)
Index("ix_payments_batch", payments.c.batch_sha256)

# -- adgangslog (migration 0006, issue 24) --------------------------------------------------------
# Who read or changed which case's data, when, and from which client: one row per case per
# request. Append-only: `store.access_log` inserts and reads; only its own retention
# (`access_log.purge`, `kompetenceplan db adgangslog-purge`) deletes, never `Register.purge`.
access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("logged_at", DateTime(timezone=True), nullable=False),
    Column("actor_id", String(200), nullable=False),
    Column("actor_name", String(200), nullable=False),
    # person, service, local, import (kompetenceplan.actor.ActorKind)
    Column("actor_kind", String(16), nullable=False),
    # læst, ændret
    Column("action", String(16), nullable=False),
    # routing, indstilling, dagsordenspunkt, afgørelse, tilsynssvar, eksport, …
    Column("subject", String(32), nullable=False),
    Column("case_ref", String(64), nullable=False),
    # the route template (``/moede/{meeting_id}``) or the CLI command, never a raw path
    Column("route", String(200), nullable=False),
    # web, api, cli
    Column("channel", String(8), nullable=False),
    Column("client_address", String(64), nullable=True),
)
Index("ix_access_log_case_ref", access_log.c.case_ref)
Index("ix_access_log_logged_at", access_log.c.logged_at)

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
# "not corrected" probes it per event (`events._current`) and a correction checks it (migration
# 0011); not unique: the newest-version rule is kept by the row lock (`events.prepare`), as before
Index("ix_case_events_corrects", case_events.c.corrects_id, sqlite_where=CORRECTION, postgresql_where=CORRECTION)

# -- the users' day in the browser (migration 0008, issue 25) --------------------------------------
# Indstillinger written in the pages: every save is a new version (a row whose ``corrects_id``
# points to the version before; one draft key for all versions), with the documentation check's
# report for the day it was saved. Never the person (``borger`` is dropped before it is stored).
submission_drafts = Table(
    "submission_drafts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("draft_key", String(32), nullable=False),
    Column("corrects_id", Integer, ForeignKey("submission_drafts.id"), nullable=True),
    Column("case_ref", String(64), nullable=False),
    Column("submission", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("report", JSON, nullable=True),
    Column("ready", Boolean, nullable=False),
    Column("required_level", String(64), nullable=True),
    Column("plan_version", String(64), nullable=False),
    Column("saved_by", String(128), nullable=False),
    Column("saved_by_name", String(200), nullable=True),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)
Index("ix_submission_drafts_key", submission_drafts.c.draft_key)
Index("uq_submission_drafts_corrects", submission_drafts.c.corrects_id, unique=True)

# An agenda item withdrawn before the meeting: recorded, never deleted (the item keeps its number
# and its versions; it takes no outcome). At most one withdrawal per item.
item_withdrawals = Table(
    "item_withdrawals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    Column("item_key", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("withdrawn_by", String(128), nullable=False),
    Column("withdrawn_by_name", String(200), nullable=True),
    Column("withdrawn_at", DateTime(timezone=True), nullable=False),
)
Index("uq_item_withdrawals_item", item_withdrawals.c.meeting_id, item_withdrawals.c.item_key, unique=True)

# Who attended a meeting, for the minutes: append-only, the newest row is current.
meeting_attendance = Table(
    "meeting_attendance",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    Column("attendees", JSON, nullable=False),
    Column("recorded_by", String(128), nullable=False),
    Column("recorded_by_name", String(200), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
Index("ix_meeting_attendance_meeting", meeting_attendance.c.meeting_id)

# What went to whom when the agenda was sent: one row per sending (the agenda it belongs to, the
# recipients' addresses, the SHA-256 of the PDF attached, and how: "smtp" or "markeret" when no
# mail server is configured and the secretary only marked it sent).
agenda_mailings = Table(
    "agenda_mailings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("meeting_id", Integer, ForeignKey("meetings.id"), nullable=False),
    Column("agenda_id", Integer, ForeignKey("agendas.id"), nullable=False),
    Column("transport", String(16), nullable=False),
    Column("recipients", JSON, nullable=False),
    Column("pdf_sha256", String(64), nullable=True),
    Column("message_id", String(200), nullable=True),
    Column("sent_by", String(128), nullable=False),
    Column("sent_by_name", String(200), nullable=True),
    Column("sent_at", DateTime(timezone=True), nullable=False),
)
Index("ix_agenda_mailings_meeting", agenda_mailings.c.meeting_id)

# -- the indexes the hot queries need (migration 0010, issue 29) -----------------------------------
# Lists are pages by key (the day, then id), never by offset, and each page reads one range of
# an index: its cost does not grow with the history. docs/performance.md names the query each
# index serves; tests/test_query_plans.py reads PostgreSQL's plan for them.
Index("ix_decisions_decided_on_id", decisions.c.decided_on, decisions.c.id)  # a page of decisions, a quarter's population
Index("ix_decisions_team_day", decisions.c.team, decisions.c.decided_on, decisions.c.id)  # a team's page of decisions
# the overskridelser (a few in a hundred decisions): their page reads only them
Index("ix_decisions_overskridelser", decisions.c.decided_on, decisions.c.id, sqlite_where=text("kompetenceoverskridelse IS 1"), postgresql_where=text("kompetenceoverskridelse IS true"))
Index("ix_meetings_date_id", meetings.c.meeting_date, meetings.c.id)  # a page of meetings, the upcoming ones
Index("ix_agendas_meeting", agendas.c.meeting_id, agendas.c.id)  # the agenda as last sent, per meeting
Index("ix_outcomes_decision", outcomes.c.decision_id)  # the committee item behind a decision (TIL checks)

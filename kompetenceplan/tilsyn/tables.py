"""The tilsyn tables (SQLAlchemy Core; migration r0003_tilsyn creates exactly these, a test
compares the two). Append-only like the register. They point to decisions by id without a
foreign key, and keep the case reference and team as they were at the draw, so a draw stays
readable after `kompetenceplan db purge` has deleted old decisions."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

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

"""The tilsyn tables, declared on the register's one ``MetaData`` in `kompetenceplan.store.tables`
(migrations r0003_tilsyn and r0004_payments create them; tests/test_register.py compares the
migrations with the declared tables). Re-exported here for the tilsyn modules."""

from __future__ import annotations

from ..store.tables import metadata, payments, tilsyn_answers, tilsyn_draws, tilsyn_items, tilsyn_results

__all__ = ["metadata", "payments", "tilsyn_answers", "tilsyn_draws", "tilsyn_items", "tilsyn_results"]

"""Alembic migrations for the register (run by `store.db.upgrade`, never by hand)."""

"""The decision register: routings and decisions on SQLite (default) or PostgreSQL.

Import `Register` from `kompetenceplan.store.register`; this package needs the ``register`` extra
(SQLAlchemy, Alembic, psycopg).
"""

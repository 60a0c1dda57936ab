"""Persistence: SQLModel tables, the engine, and the repository. Alembic owns the schema."""

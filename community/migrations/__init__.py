"""Alembic migrations of the community server (run by `python -m community migrate`)."""

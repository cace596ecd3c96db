"""Imports every package's models so the metadata knows all tables (Alembic, tests)."""

from hotline import models as hotline_models

__all__ = ["hotline_models"]

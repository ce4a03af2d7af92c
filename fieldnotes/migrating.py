"""What Alembic compares with the models: not the objects made beside them in raw SQL.

A feature that makes such an object (the full-text index: observations/fulltext.py)
names it in the metadata's "unmodelled" set, so this module needs to know no feature.
"""
from fieldnotes.extensions import db


def include_object(object, name, type_, reflected, compare_to):
    """Alembic's filter: skip database objects that exist on purpose without a model."""
    return not (reflected and compare_to is None and name in db.metadata.info.get("unmodelled", ()))

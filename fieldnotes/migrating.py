"""What Alembic compares with the models: not the full-text index, which is made beside them in raw SQL."""
from fieldnotes.explore.search_ddl import FTS_SHADOW_TABLES, FTS_TABLE, PG_INDEX

UNMODELLED = {FTS_TABLE, *FTS_SHADOW_TABLES, PG_INDEX}


def include_object(object, name, type_, reflected, compare_to):
    """Alembic's filter: skip database objects that exist on purpose without a model."""
    return not (reflected and compare_to is None and name in UNMODELLED)

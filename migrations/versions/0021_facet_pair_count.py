"""Facet counts per pair of two facets' values: one value of kind, author, tag or media filtered alone, or
needs-attention, counted from kept rows, not from its notes (issue 11)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

Filled from the notes already there, as observations/summaries recount() counts them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

LIVE = "o.deleted_at IS NULL"
ATTENTION = ("EXISTS (SELECT 1 FROM revision r WHERE r.observation_id = o.id AND r.kind = 'conflict' "
             "AND r.created_at >= o.updated_at)")
# Each live note's values of kind, author, tag, media (a slot once) and attention; a pair is two of one note's.
VALUES = (
    "SELECT o.id AS note, o.study_id, 'kind' AS facet, CAST(o.kind AS VARCHAR(40)) AS value FROM observation o"
    f" WHERE {LIVE}"
    f" UNION ALL SELECT o.id, o.study_id, 'author', CAST(o.author_id AS VARCHAR(40)) FROM observation o WHERE {LIVE}"
    " UNION ALL SELECT o.id, o.study_id, 'tag', CAST(t.tag_id AS VARCHAR(40)) FROM observation o"
    f" JOIN observation_tag t ON t.observation_id = o.id WHERE {LIVE}"
    " UNION ALL SELECT DISTINCT o.id, o.study_id, 'media', CAST(a.slot AS VARCHAR(40)) FROM observation o"
    f" JOIN attachment a ON a.observation_id = o.id WHERE {LIVE}"
    f" UNION ALL SELECT o.id, o.study_id, 'attention', '' FROM observation o WHERE {LIVE} AND {ATTENTION}")


def upgrade():
    op.create_table('facet_pair_count',
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('facet', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('other', sa.String(length=20), nullable=False),
    sa.Column('other_value', sa.String(length=40), nullable=False),
    sa.Column('notes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_facet_pair_count_study_id_study'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('study_id', 'facet', 'value', 'other', 'other_value', name=op.f('pk_facet_pair_count'))
    )
    op.execute(f"WITH v AS ({VALUES}) INSERT INTO facet_pair_count (study_id, facet, value, other, other_value, notes)"
               " SELECT a.study_id, a.facet, a.value, b.facet, b.value, COUNT(*)"
               " FROM v a JOIN v b ON b.note = a.note AND a.facet < b.facet"
               " GROUP BY a.study_id, a.facet, a.value, b.facet, b.value")


def downgrade():
    op.drop_table('facet_pair_count')

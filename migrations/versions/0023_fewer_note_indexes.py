"""Three indexes of the notes no query reads any more, dropped: each was written on every note pushed (issue 11)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06

- ix_observation_facets (study, touchpoint, role, kind, visit, participant, author, deleted) and
  ix_observation_live (study, deleted, id) covered the facet counts grouped over a whole study's notes; those
  counts are kept on write (observations/summaries), and a search's or filters' notes are found
  by their own indexes, then read by id.
- ix_observation_study_id: every other index of the notes but the foreign keys' begins with the study.

A push of 5 notes wrote 16 index entries a note; now 13. Dropping an index takes a moment and no rewrite.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


# Plain DROP and CREATE INDEX, not a batch: on SQLite a batch may copy the table, and its full-text triggers with it.
def upgrade():
    for name in ("ix_observation_facets", "ix_observation_live", "ix_observation_study_id"):
        op.drop_index(name, table_name="observation")


def downgrade():
    op.create_index("ix_observation_study_id", "observation", ["study_id"])
    op.create_index("ix_observation_live", "observation", ["study_id", "deleted_at", "id"])
    op.create_index("ix_observation_facets", "observation", ["study_id", "touchpoint_id", "role_id", "kind", "visit_id",
                                                             "participant_id", "author_id", "deleted_at"])

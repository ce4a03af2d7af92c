"""flask rebuild-summaries: every study's kept counts (observations/summaries.py) counted afresh from its notes.

Counts are kept on every write, so this is for repair: after loading rows by hand, or to check
for drift (it says which studies' counts it found wrong).
"""
import click
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations import changes, summaries
from fieldnotes.ops import bp
from fieldnotes.studies.models import Study
from fieldnotes.writers import writer_turn


@bp.cli.command("rebuild-summaries")
def rebuild_summaries_command():
    """Recount every study's browse facets and journey matrix cells from its notes."""
    study_ids = db.session.scalars(select(Study.id).order_by(Study.id)).all()
    wrong = []
    for study_id in study_ids:
        with writer_turn():
            changes.lock_counter()  # no note changes while its study is recounted
            if summaries.stored(study_id) != summaries.recount(study_id):
                wrong.append(study_id)
            summaries.rebuild(study_id)
            db.session.commit()
    click.echo(f"Recounted {len(study_ids)} studies; "
               + (f"counts were wrong in {len(wrong)} (ids {', '.join(map(str, wrong))}) and are now right."
                  if wrong else "every count was already right."))

"""flask export archive --study ID --out FILE: a study's archive, for scripts and cron."""
import click

from fieldnotes.exports import bp
from fieldnotes.exports.archive import write_archive_file
from fieldnotes.extensions import db
from fieldnotes.studies.models import Study


@bp.cli.command("archive")
@click.option("--study", "study_id", type=int, required=True, help="The id of the study to archive.")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The zip file to write (replaced if it exists).")
def export_archive_command(study_id, out):
    """Write the study's archive (docs/archive.md): everything another Fieldnotes server can import."""
    if db.session.get(Study, study_id) is None:
        raise click.ClickException(f"There is no study with id {study_id}.")
    manifest = write_archive_file(study_id, out)
    counts = manifest["counts"]
    click.echo(f"Wrote {out}: {counts['notes']} notes, {counts['visits']} visits, "
               f"{counts['participants']} participants, {counts['insights']} insights, "
               f"{counts['boards']} boards, {counts['accounts']} accounts, {counts['recordings']} recordings, "
               f"{counts['highlights']} highlights, {counts['media']} media files.")

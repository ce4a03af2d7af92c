"""flask export qdpx / flask export qdc: the REFI-QDA project and codebook of a study, for scripts and cron."""
import os
import tempfile
from pathlib import Path

import click

from fieldnotes.exports import bp
from fieldnotes.exports.qdc import codebook_xml
from fieldnotes.exports.qdpx import AUDIENCES, TEAM, export_project
from fieldnotes.extensions import db
from fieldnotes.studies.models import Study

PATH = click.Path(dir_okay=False, writable=True, path_type=Path)


def study_or_fail(study_id):
    study = db.session.get(Study, study_id)
    if study is None:
        raise click.ClickException(f"There is no study {study_id}.")
    return study


def write_whole(path, write):
    """Write through `write(file)` to a scratch file beside `path`, renamed only when whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w+b") as file:
            result = write(file)
        os.replace(scratch, path)
    except BaseException:
        os.unlink(scratch)
        raise
    return result


@bp.cli.command("qdpx")
@click.argument("study_id", type=int)
@click.argument("path", type=PATH)
@click.option("--audience", type=click.Choice(AUDIENCES), default=TEAM, show_default=True,
              help="outside: only the words, photos and audio the participants consented to.")
def qdpx_command(study_id, path, audience):
    """Export study STUDY_ID as a REFI-QDA project (.qdpx) to PATH."""
    study = study_or_fail(study_id)
    left_out = write_whole(path, lambda file: export_project(study, audience, file))
    click.echo(f"Exported “{study.name}” for the {audience} audience to {path}.")
    for line in left_out.lines():
        click.echo(f"Left out: {line}", err=True)


@bp.cli.command("qdc")
@click.argument("study_id", type=int)
@click.argument("path", type=PATH)
def qdc_command(study_id, path):
    """Export the codebook of study STUDY_ID as a REFI-QDA codebook (.qdc) to PATH."""
    study = study_or_fail(study_id)
    write_whole(path, lambda file: file.write(codebook_xml(study.id).encode()))
    click.echo(f"Exported the codebook of “{study.name}” to {path}.")

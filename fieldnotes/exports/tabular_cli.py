"""`flask export notes`: the notes as CSV, XLSX or JSON, for scripts and cron."""
import os
import shutil
from urllib.parse import parse_qsl

import click
from werkzeug.datastructures import MultiDict

from fieldnotes.errors import NotFound
from fieldnotes.explore.filters import BadFilter
from fieldnotes.exports import bp
from fieldnotes.exports.audience import AUDIENCES, TEAM, left_out
from fieldnotes.exports.csv_file import csv_chunks
from fieldnotes.exports.json_file import json_chunks
from fieldnotes.exports.rows import scope_for
from fieldnotes.exports.xlsx_file import xlsx_temp_file
from fieldnotes.extensions import db
from fieldnotes.studies.models import Study


@bp.cli.command("notes")
@click.option("--study", "study_id", type=int, required=True, help="The study's id.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default="csv", show_default=True)
@click.option("--audience", type=click.Choice(list(AUDIENCES)), default=TEAM, show_default=True,
              help="outside: only what participants' consent covers.")
@click.option("--filter", "filter_query", default="", help='A browse filter as in its URL: "touchpoint=3&tag=5".')
@click.option("--board", "board_id", type=int, help="Only the notes of this board.")
@click.option("--out", required=True, help="The file to write, or - for standard output.")
def export_notes(study_id, fmt, audience, filter_query, board_id, out):
    """Export a study's notes (all, a browse filter's or a board's); what consent left out goes to stderr."""
    study = db.session.get(Study, study_id)
    if study is None:
        raise click.ClickException(f"No study with id {study_id}.")
    try:
        scope = scope_for(study, MultiDict(parse_qsl(filter_query)), db.session.get_bind().dialect.name, board_id)
    except (BadFilter, NotFound) as error:
        raise click.ClickException(str(error)) from error
    report = left_out(scope, audience)
    for line in report:
        click.echo(f"Left out: {line}.", err=True)
    with click.open_file(out, "wb") as target:
        if fmt == "xlsx":
            copy_and_delete(xlsx_temp_file(scope, audience), target)
        else:
            for chunk in csv_chunks(scope, audience) if fmt == "csv" else json_chunks(scope, audience, report):
                target.write(chunk)
    if out != "-":
        click.echo(f"Wrote {scope.what} to {out}.", err=True)


def copy_and_delete(path, target):
    try:
        with open(path, "rb") as workbook:
            shutil.copyfileobj(workbook, target)
    finally:
        os.unlink(path)

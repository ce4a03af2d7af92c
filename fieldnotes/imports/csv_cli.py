"""`flask import notes`: a CSV file of notes into a study, all or nothing, for scripts and big files."""
import click
from sqlalchemy import select

from fieldnotes.auth.models import User, normalise_email
from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.imports import bp
from fieldnotes.imports.csv_notes import decode, plan_notes, read_table
from fieldnotes.imports.mapping import from_spec, guess
from fieldnotes.imports.writer import import_plan
from fieldnotes.studies.models import Membership, Study
from fieldnotes.studies.permissions import allows
from fieldnotes.writers import writer_turn


@bp.cli.command("notes")
@click.option("--study", "study_id", type=int, required=True, help="The study's id.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--map", "spec", help='Columns to fields, e.g. "text=Quote,touchpoint=Stage,tags=Codes"; '
              "fields not named are guessed from the headers.")
@click.option("--key", help="The column whose value identifies a row: rows imported before are skipped.")
@click.option("--create-missing", is_flag=True, help="Create the touchpoints, roles, participants, visits and "
              "tags the file names that the study lacks; without it, rows naming one are refused.")
@click.option("--author", help="The member the notes are by (email); the study's first owner by default.")
def import_notes(study_id, path, spec, key, create_missing, author):
    """Import a CSV file of notes into a study: every row, or none if any row is bad."""
    study = db.session.get(Study, study_id)
    if study is None:
        raise click.ClickException(f"No study {study_id}.")
    author_id = author_of(study, author)
    with open(path, "rb") as file:
        raw = file.read()
    plan = None
    try:
        headers, rows = read_table(decode(raw))
        mapping = guess(headers) | from_spec(headers, spec)
        if key:
            mapping = {f: c for f, c in mapping.items() if f != "key"} | from_spec(headers, f"key={key}")
        with writer_turn():
            plan = plan_notes(study.id, headers, rows, mapping, create_unknown=create_missing)
            summary = import_plan(plan, study.id, author_id)
            db.session.commit()
    except Refused as refusal:
        db.session.rollback()
        raise click.ClickException(refusal_text(refusal, plan)) from None
    click.echo(f"Imported {summary.imported} notes into {study.name!r}; skipped {summary.skipped} "
               f"imported before; created {summary.created or 'nothing'}.")
    if "key" not in plan.mapping:
        click.echo("No key column: importing this file again would add its notes again.")


def author_of(study, email):
    query = select(Membership).join(User).where(Membership.study_id == study.id)
    query = query.where(User.email == normalise_email(email)) if email else query.order_by(Membership.added_at)
    member = next((m for m in db.session.scalars(query) if allows(m.role, "import_notes")), None)
    if member is None:
        raise click.ClickException(f"{email or 'Nobody'} may import notes into this study (owners may).")
    return member.user_id


def refusal_text(refusal, plan):
    if plan is not None and plan.problems:
        lines = [f"line {p.line}, {p.column}: {p.reason}" for p in plan.problems]
        return f"{len(plan.problems)} problems; nothing was imported.\n" + "\n".join(lines)
    details = "; ".join(f"{f}: {' '.join(m)}" for f, m in refusal.errors.items())
    return f"{refusal.description} {details}".strip()

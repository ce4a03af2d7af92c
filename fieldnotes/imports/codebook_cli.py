"""flask import codebook: a REFI-QDA codebook (.qdc) into a study's tags, for scripts."""
import click

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.imports import bp
from fieldnotes.imports.codebook import import_tags, preview, read_upload
from fieldnotes.studies.models import Study


@bp.cli.command("codebook")
@click.argument("study_id", type=int)
@click.argument("codebook", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Only say what would be imported.")
def codebook_command(study_id, codebook, dry_run):
    """Import the codes of CODEBOOK (a .qdc file) into study STUDY_ID as tags, all or nothing."""
    study = db.session.get(Study, study_id)
    if study is None:
        raise click.ClickException(f"There is no study {study_id}.")
    try:
        plan = preview(study.id, read_upload(codebook))
        for line in plan.skipped:
            click.echo(f"Not imported: {line}")
        if not dry_run:
            plan = import_tags(study, plan.new + plan.existing)
            db.session.commit()
    except Refused as refusal:
        db.session.rollback()
        raise click.ClickException("\n".join([refusal.description, *refusal.errors.get("codebook", [])]))
    verb = "Would add" if dry_run else "Added"
    click.echo(f"{verb} {len(plan.new)} tags to “{study.name}”; {len(plan.existing)} it had already.")

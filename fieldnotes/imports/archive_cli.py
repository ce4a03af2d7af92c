"""flask import archive FILE --owner EMAIL: a study archive from another server, as a new study."""
import click

from fieldnotes.auth.models import User
from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.imports import bp
from fieldnotes.imports.archive import import_archive


@bp.cli.command("archive")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--owner", "email", required=True, help="The account that owns the new study.")
def import_archive_command(archive, email):
    """Import a study archive (docs/archive.md) as a new study; nothing is written if it is refused."""
    owner = db.session.scalar(User.by_email(email))
    if owner is None:
        raise click.ClickException(f"There is no account for {email}.")
    try:
        study = import_archive(archive, owner)
    except Refused as error:
        raise click.ClickException(" ".join(m for messages in error.errors.values() for m in messages)) from None
    click.echo(f"Imported “{study.name}” as study {study.id}, owned by {owner.email}.")

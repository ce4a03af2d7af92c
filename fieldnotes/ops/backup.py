"""flask backup / flask restore: a consistent snapshot of the database and the media together.

A backup is a new folder: manifest.json, the database (database.sqlite or
database.pgdump, see databases.py) and media/, a copy of the media folder.
The database is copied first, then the media. Stored files are named by
their content and never change, so every file the snapshot names is already
in the media folder when it is copied; one that arrives in between is an
extra that nothing names, which is harmless.

A restore puts the database back, adds the backup's media files that the
media folder lacks (it deletes none: a file the restored database does not
name is harmless, and a phone may send its note again), and ALWAYS starts a
new epoch: every phone pulls again from the start and sends again what the
server acknowledged within its retention window, so nothing is lost. Then it
erases again everyone the erasure ledger (visits/ledger.py) lists whom the
backup brought back: an erasure is never undone by going back in time.
"""
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app

from fieldnotes.extensions import db
from fieldnotes.observations import changes
from fieldnotes.observations.storage import media_root
from fieldnotes.ops import bp, databases
from fieldnotes.visits import ledger
from fieldnotes.visits.service import erase_the_returned

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
LEDGER = "erasures.jsonl"


@bp.cli.command("backup")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def backup_command(path):
    """Back up the database and the media folder into PATH, a new folder. Safe while the app runs."""
    if path.exists():
        raise click.ClickException(f"{path} already exists; name a new folder, so no backup is overwritten.")
    kind = databases.kind_of(db.engine)
    databases.require_tools(kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))  # renamed only when whole
    try:
        about = take_backup(kind, work)
        work.rename(path)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    click.echo(f"Backed up the {kind} database (up to change {about['counter']}, epoch {about['epoch']}) "
               f"and {about['media_files']} media files to {path}.")
    if about["media_missing"]:
        click.echo(f"Warning: {len(about['media_missing'])} media files the database names were not in the "
                   f"media folder ({media_root()}); see media_missing in {path / MANIFEST}.", err=True)


def take_backup(kind, folder):
    """Database first, then media (see the module's docstring); returns the manifest written."""
    taken = snapshot_database(kind, folder / databases.FILES[kind])
    (folder / MEDIA).mkdir()
    files, size = copy_tree(media_root(), folder / MEDIA)
    if ledger.ledger_path().is_file():  # for a server rebuilt from its backups alone
        shutil.copy2(ledger.ledger_path(), folder / LEDGER)
    about = {"format": FORMAT, "app": "fieldnotes", "database": kind, "database_file": databases.FILES[kind],
             "epoch": taken["epoch"], "counter": taken["counter"], "schema_revision": taken["schema"],
             "created_at": datetime.now(UTC).isoformat(), "media_files": files, "media_bytes": size,
             "media_missing": sorted(h for h in taken["media"] if not (folder / MEDIA / h[:2] / h).is_file())}
    (folder / MANIFEST).write_text(json.dumps(about, indent=2) + "\n")
    return about


def snapshot_database(kind, target):
    return databases.SNAPSHOT[kind](db.engine, target)


def copy_tree(source, target, only_missing=False):
    """Copy every file under source (one that vanishes meanwhile is skipped); (files, bytes) copied."""
    files = size = 0
    for path in sorted(source.rglob("*")) if source.is_dir() else []:
        destination = target / path.relative_to(source)
        if not path.is_file() or (only_missing and destination.exists()):
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(f".{destination.name}.copying")
        try:
            shutil.copy2(path, partial)
        except FileNotFoundError:
            continue  # an upload finished and moved its partial file while we walked
        os.replace(partial, destination)
        files, size = files + 1, size + destination.stat().st_size
    return files, size


@bp.cli.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def restore_command(path, yes):
    """Replace the database with the backup in PATH and add its media files; stop the app first.

    Always starts a new epoch, so every phone pulls again and sends again what it sent since.
    """
    kind = databases.kind_of(db.engine)
    about = readable_backup(path, kind)
    if not yes:
        click.confirm(f"Replace the database ({kind}) with the backup taken {about['created_at']} "
                      f"(up to change {about['counter']})? Stop the app first", abort=True)
    db.session.remove()
    databases.RESTORE[kind](db.engine, path / databases.FILES[kind])
    files, _ = copy_tree(path / MEDIA, media_root(), only_missing=True)
    epoch = start_new_epoch()
    ledger.merge_from(path / LEDGER)
    erased = erase_the_returned()
    days = current_app.config["ACK_RETENTION_DAYS"]
    click.echo(f"Restored the database from {path} (taken {about['created_at']}) and {files} media files "
               f"the media folder lacked. New epoch {epoch}: phones pull again from the start and send "
               f"again what the server acknowledged in the last {days} days.")
    if erased:
        click.echo(f"Erased again {erased} participant{'s' if erased != 1 else ''} whom the backup held "
                   f"but the team had erased since (the erasure ledger, {ledger.ledger_path()}).")
    click.echo("Start the app again.")


def readable_backup(path, kind):
    """The manifest, once everything a restore needs is known to be there; refuses otherwise."""
    try:
        about = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        raise click.ClickException(f"{path} is not a Fieldnotes backup: it has no readable {MANIFEST}.")
    if not isinstance(about, dict) or about.get("app") != "fieldnotes":
        raise click.ClickException(f"{path} is not a Fieldnotes backup: its {MANIFEST} is not ours.")
    if about.get("format") != FORMAT:
        raise click.ClickException(f"This backup has format {about.get('format')}; this Fieldnotes "
                                   f"reads format {FORMAT}. Restore it with the version that made it.")
    if about.get("database") != kind:
        raise click.ClickException(f"This backup is of a {about.get('database')} database; this app uses "
                                   f"{kind} (FIELDNOTES_DATABASE_URL). Nothing was restored.")
    database_file = path / databases.FILES[kind]
    if not database_file.is_file():
        raise click.ClickException(f"The backup lacks its database file ({database_file.name}).")
    databases.require_tools(kind)
    databases.CHECK[kind](database_file)
    return about


def start_new_epoch():
    """The restored database's own counter, under a new epoch: every phone's cursor resets."""
    changes.lock_counter()
    changes.restart_epoch(changes.current_counter())
    epoch = changes.current_epoch()
    db.session.commit()
    return epoch

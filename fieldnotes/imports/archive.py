"""Reading a study archive from another server: every check passes before anything is written.

The zip is untrusted. Its directory is checked first (names, count, declared sizes and ratios), then
every member is unpacked into a private temporary folder while its bytes are counted and hashed, so a
header that lies about a size cannot get more than the limits through. Only when the manifest, the
files and their digests all agree is the study written (imports/archive_load.py), in one transaction;
the media move into the store just before it commits, and are taken out again if it fails.
"""
import hashlib
import json
import re
import os
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from fieldnotes.errors import Refused
from fieldnotes.exports import archive_format as fmt
from fieldnotes.extensions import db
from fieldnotes.imports.archive_load import Loader, clear_taxonomy, empty_problem, whole
from fieldnotes.observations.storage import delete_unheld, media_root, stored_path
from fieldnotes.studies.models import Membership, Study
from fieldnotes.studies.permissions import StudyRole

READ_CHUNK = 1024 * 1024
MANIFEST_MAX = 16 * 1024 * 1024  # the manifest is read whole: it lists files, it is never this big
# A damaged member, a method zipfile lacks, an encrypted member (RuntimeError): all "cannot be unpacked".
UNPACK_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)
MEDIA_NAME = re.compile(r"media/[0-9a-f]{64}")


def refused(message):
    return Refused(errors={"archive": [message]})


@dataclass
class Unpacked:
    """A verified archive, unpacked into `folder` (removed by close())."""

    folder: Path
    manifest: dict

    def path(self, name):
        return self.folder / name

    @cached_property
    def digests(self):
        """The SHA-256 of every media file, each verified against its name."""
        return {name.removeprefix(fmt.MEDIA_DIR) for name in self.manifest["files"] if name.startswith(fmt.MEDIA_DIR)}

    def close(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def unpack(source):
    """Check and unpack the archive `source` (a path or a binary file); :raise Refused: what is wrong."""
    limits = fmt.limits(current_app.config)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise refused("This is not a zip file: a study archive is the .zip that Fieldnotes exports.") from None
    with archive:
        check_directory(archive.infolist(), limits)
        # Beside the media store, so verified media move into it without a copy.
        root = media_root()
        root.mkdir(parents=True, exist_ok=True)
        unpacked = Unpacked(Path(tempfile.mkdtemp(prefix=".import-", dir=root)), {})
        try:
            unpacked.manifest = read_manifest(archive)
            check_listing(archive, unpacked.manifest)
            extract_all(archive, unpacked, limits)
        except BaseException:
            unpacked.close()
            raise
    return unpacked


def check_directory(infos, limits):
    """What the zip's directory says, before a byte is unpacked."""
    if len(infos) > limits["ARCHIVE_MAX_FILES"]:
        raise refused(f"The archive holds {len(infos)} files; at most {limits['ARCHIVE_MAX_FILES']} are accepted.")
    seen = set()
    for info in infos:
        name = info.filename
        if unsafe_name(name):
            raise refused(f"The archive holds a file with an unsafe name ({name[:200]!r}): "
                          "names may not be absolute, contain backslashes or climb out with '..'.")
        if name in seen:
            raise refused(f"The archive holds two files named {name!r}.")
        seen.add(name)
        if too_compressed(info.file_size, info, limits):
            raise refused(f"{name} unpacks to more than {limits['ARCHIVE_MAX_RATIO']} times its packed size: "
                          "refused as a possible zip bomb.")
    total = sum(info.file_size for info in infos)
    if total > limits["ARCHIVE_MAX_BYTES"]:
        raise refused(f"The archive unpacks to {total} bytes; at most {limits['ARCHIVE_MAX_BYTES']} are accepted.")


def too_compressed(size, info, limits):
    """More unpacked than the ratio allows of the packed bytes: a zip bomb, by header or by count."""
    return size > fmt.RATIO_FLOOR and size > limits["ARCHIVE_MAX_RATIO"] * max(info.compress_size, 1)


def unsafe_name(name):
    parts = name.split("/")
    return (not name or name.startswith("/") or "\\" in name or ":" in parts[0] or "\x00" in name
            or any(part in ("", ".", "..") for part in parts))


def read_manifest(archive):
    try:
        info = archive.getinfo(fmt.MANIFEST)
    except KeyError:
        raise refused("The archive has no manifest.json: it is not a Fieldnotes study archive.") from None
    data = read_capped(archive, info, MANIFEST_MAX)
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise refused("manifest.json is not valid JSON.") from None
    if not isinstance(manifest, dict) or "format" not in manifest:
        raise refused("manifest.json does not say which archive format it is.")
    if manifest["format"] not in fmt.READABLE:
        raise refused(f"The archive's format is {str(manifest['format'])[:80]!r}; this server reads "
                      f"{' and '.join(repr(f) for f in fmt.READABLE)}.")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("sha256"), str) and isinstance(v.get("size"), int)
            for v in files.values()):
        raise refused("manifest.json lists its files without a SHA-256 and size for each.")
    return manifest


def check_listing(archive, manifest):
    """The zip holds exactly the files the manifest lists: none missing, none extra, media named by digest."""
    listed, present = set(manifest["files"]), set(archive.namelist()) - {fmt.MANIFEST}
    for name in sorted(present - listed):
        raise refused(f"The archive holds {name}, which its manifest does not list.")
    for name in sorted(listed - present):
        raise refused(f"The manifest lists {name}, which the archive does not hold.")
    data_files = fmt.DATA_FILES_OF[manifest["format"]]
    for name in data_files:
        if name not in listed:
            raise refused(f"The archive has no {name}.")
    for name in sorted(listed - set(data_files)):
        if not MEDIA_NAME.fullmatch(name):
            raise refused(f"The archive holds {name}, which is not a file of the format.")
        if manifest["files"][name]["sha256"] != name.removeprefix(fmt.MEDIA_DIR):
            raise refused(f"The manifest gives {name} another SHA-256 than its name.")


def extract_all(archive, unpacked, limits):
    """Unpack every listed file, counting bytes as they come: headers are never trusted for sizes."""
    (unpacked.folder / "media").mkdir()
    total = 0
    for name, expected in unpacked.manifest["files"].items():
        info = archive.getinfo(name)
        digest, size = hashlib.sha256(), 0
        with archive.open(info) as source, open(unpacked.folder / name, "wb") as target:
            while chunk := read_chunk(source, name):
                size += len(chunk)
                total += len(chunk)
                if size > expected["size"]:
                    raise refused(f"{name} is larger than the manifest says ({expected['size']} bytes).")
                if total > limits["ARCHIVE_MAX_BYTES"]:
                    raise refused(f"The archive unpacks to more than {limits['ARCHIVE_MAX_BYTES']} bytes.")
                if too_compressed(size, info, limits):
                    raise refused(f"{name} unpacks to more than {limits['ARCHIVE_MAX_RATIO']} times its packed "
                                  "size: refused as a possible zip bomb.")
                digest.update(chunk)
                target.write(chunk)
        if size != expected["size"]:
            raise refused(f"{name} is {size} bytes; the manifest says {expected['size']}.")
        if digest.hexdigest() != expected["sha256"]:
            raise refused(f"{name} does not match its SHA-256 in the manifest: it was changed or damaged.")


def read_chunk(source, name):
    try:
        return source.read(READ_CHUNK)
    except UNPACK_ERRORS as error:
        raise refused(f"{name} cannot be unpacked ({error}).") from None


def read_capped(archive, info, cap):
    try:
        with archive.open(info) as source:
            data = source.read(cap + 1)
    except UNPACK_ERRORS as error:
        raise refused(f"{info.filename} cannot be unpacked ({error}).") from None
    if len(data) > cap:
        raise refused(f"{info.filename} is over {cap} bytes.")
    return data


def import_archive(source, owner, into=None):
    """Import the archive `source` as a new study owned by `owner`, or into the empty study `into`.

    Commits, and returns the study. :raise Refused: the archive, or the study, is refused; nothing written.
    """
    if into is not None and (problem := empty_problem(into.id)):
        raise Refused(errors={"study": [problem]})
    unpacked, placed = unpack(source), []
    try:
        study = into or new_study(owner, whole(unpacked, fmt.STUDY))
        if into is not None:
            clear_taxonomy(into.id)
        loader = Loader(study, owner, unpacked)
        loader.run()
        place_media(unpacked, placed)
        db.session.commit()
    except SQLAlchemyError as error:
        undo(placed)
        reason = str(getattr(error, "orig", None) or error).splitlines()[0][:200]
        raise refused(f"The archive's records could not be written: {reason}") from None
    except BaseException:
        undo(placed)
        raise
    finally:
        unpacked.close()
    for erasure in loader.erasures:  # files of the participants erased again: gone once the commit holds
        erasure.finish()
    return study


def new_study(owner, data):
    """The study as the archive describes it, owned by the importer (the archive names no accounts)."""
    about = data.get("study")
    if not isinstance(about, dict):
        raise refused("study.json does not describe a study.")
    try:
        study = Study(name=str(about["name"])[:200], goal=str(about["goal"]), audience=about["audience"],
                      status=about["status"], created_at=fmt.parse_moment(about["created_at"]))
    except (KeyError, TypeError, ValueError):
        raise refused("study.json does not give the study's name, goal, audience, status and creation time.") \
            from None
    study.memberships = [Membership(user=owner, role=StudyRole.OWNER)]
    db.session.add(study)
    db.session.flush()
    return study


def place_media(unpacked, placed):
    """Move the verified media into the store, noting in `placed` each path this import added (so a
    failure, even halfway, can take them out again); a file the store has already stays as it is."""
    for digest in sorted(unpacked.digests):
        target = stored_path(digest)
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(unpacked.path(fmt.media_name(digest)), target)
        placed.append(target)


def undo(placed):
    """Take out the files this import added, unless a row came to hold one since the rollback let go of the
    counter (a phone's upload of the same photo, verified meanwhile): the same rule as every deletion."""
    db.session.rollback()
    try:
        delete_unheld({path.name for path in placed})
    except SQLAlchemyError:  # the database is unreachable: housekeeping takes the files once nothing holds them
        db.session.rollback()

"""A study archive is untrusted input: each bad one is refused with a clear reason, and nothing is written."""
import hashlib
import io
import random
import json
import struct
import warnings
import zipfile

import pytest
from sqlalchemy import func, select

from fieldnotes import create_app
from fieldnotes.demo.notes import small_png
from fieldnotes.auth.models import User
from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.imports.archive import import_archive
from fieldnotes.observations.models import Attachment, Observation
from fieldnotes.observations.storage import media_root
from fieldnotes.studies.models import Study, Tag
from fieldnotes.visits.models import Participant, SiteVisit
from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, make_observation, make_participant, make_study, make_user, make_visit


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """The files of a small, valid archive: a visit, a participant, two notes, one with a photo."""
    folder = tmp_path_factory.mktemp("archive-good")
    source = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'good.sqlite'}",
                         "MEDIA_ROOT": str(folder / "media")})
    with source.app_context():
        db.create_all()
        ana = make_user("ana@example.org", name="Ana")
        study = make_study(ana)
        visit = make_visit(study, researchers=[ana])
        person = make_participant(study, [visit], real_name="Janet Ellery")
        photo = small_png(random.Random(1))
        digest = hashlib.sha256(photo).hexdigest()
        (folder / "media" / digest[:2]).mkdir(parents=True)
        (folder / "media" / digest[:2] / digest).write_bytes(photo)
        note = make_observation(study, ana, kind="artifact", visit_id=visit.id, participant_id=person.id,
                                tags=["paper list"], media=[{"id": "0b9c1f3e-2a6d-4c55-9a43-3a1d2b7e8f10",
                                                             "slot": "photo", "sha256": digest,
                                                             "size": len(photo), "mime": "image/png"}])
        note.media[0].status, note.media[0].offset = "verified", len(photo)
        make_observation(study, ana, text="Reads the invoice total aloud before approving.")
        db.session.commit()
        result = source.test_cli_runner().invoke(args=["export", "archive", "--study", str(study.id),
                                                       "--out", str(folder / "good.zip")])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
    with zipfile.ZipFile(folder / "good.zip") as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pack(files, manifest=None, rehash=True, method=zipfile.ZIP_DEFLATED):
    """A zip of `files` (name -> bytes), with a manifest listing them (rehashed) unless one is given."""
    files = dict(files)
    if manifest is None:
        manifest = json.loads(files["manifest.json"])
        if rehash:
            manifest["files"] = {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                                 for n, d in files.items() if n != "manifest.json"}
    files["manifest.json"] = json.dumps(manifest).encode() if isinstance(manifest, dict) else manifest
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", method) as archive:
        warnings.simplefilter("ignore")  # zipfile warns of duplicate names: one test makes them on purpose
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def changed(files, **replaced):
    return {**files, **{name.replace("__", "."): data for name, data in replaced.items()}}


@pytest.fixture
def owner(app):
    with app.app_context():
        return make_user("rosa@example.org", name="Rosa").id


def refused_with(app, owner, data, message):
    with app.app_context():
        with pytest.raises(Refused) as refusal:
            import_archive(io.BytesIO(data), db.session.get(User, owner))
        said = " ".join(m for messages in refusal.value.errors.values() for m in messages)
        assert message in said, said
        db.session.rollback()
        assert nothing_written(), "a refused archive left something behind"


def nothing_written():
    counts = [db.session.scalar(select(func.count()).select_from(model))
              for model in (Study, Observation, SiteVisit, Participant, Tag, Attachment)]
    files = [p for p in media_root().rglob("*") if p.is_file()] if media_root().exists() else []
    return counts == [0] * 6 and files == []


def test_a_good_archive_imports(app, owner, good):
    with app.app_context():
        study = import_archive(io.BytesIO(pack(good)), db.session.get(User, owner))
        assert db.session.scalar(select(func.count()).select_from(Observation).where(
            Observation.study_id == study.id)) == 2


def test_what_is_not_a_fieldnotes_archive(app, owner, good):
    refused_with(app, owner, b"PK\x03\x04 not really a zip", "not a zip file")
    refused_with(app, owner, b"", "not a zip file")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in good.items():
            if name != "manifest.json":
                archive.writestr(name, data)
    refused_with(app, owner, out.getvalue(), "has no manifest.json")
    for manifest, message in [
            (b"{not json", "manifest.json is not valid JSON"),
            ({"files": {}}, "does not say which archive format"),
            ({"format": "fieldnotes.archive/9", "files": {}}, "The archive's format is 'fieldnotes.archive/9'"),
            ({"format": "fieldnotes.archive/1", "files": {"study.json": {"sha256": "x"}}},
             "without a SHA-256 and size")]:
        refused_with(app, owner, pack(good, manifest=manifest), message)


def test_files_that_differ_from_the_manifest(app, owner, good):
    notes = good["notes.jsonl"].replace(b"aloud", b"ALOUD")
    refused_with(app, owner, pack(changed(good, notes__jsonl=notes), rehash=False),
                 "notes.jsonl does not match its SHA-256 in the manifest")
    refused_with(app, owner, pack(changed(good, notes__jsonl=good["notes.jsonl"] + b"\n"), rehash=False),
                 "notes.jsonl is larger than the manifest says")
    refused_with(app, owner, pack(changed(good, visits__jsonl=good["visits.jsonl"][:-1]), rehash=False),
                 "visits.jsonl is")
    [photo] = [n for n in good if n.startswith("media/")]
    refused_with(app, owner, pack(changed(good, **{photo: b"\x89PNG something else"}), rehash=False), f"{photo} is")
    manifest = json.loads(good["manifest.json"])
    refused_with(app, owner, pack({**good, "notes2.jsonl": b"{}"}, manifest=manifest),
                 "holds notes2.jsonl, which its manifest does not list")
    refused_with(app, owner, pack({n: d for n, d in good.items() if n != "boards.json"}, manifest=manifest),
                 "lists boards.json, which the archive does not hold")
    refused_with(app, owner, pack({**good, "media/evil.sh": b"#!"}), "media/evil.sh, which is not a file of the format")


def test_names_that_climb_out_are_absolute_or_repeat(app, owner, good):
    for name in ["../../etc/cron.d/evil", "/etc/passwd", "media\\..\\..\\evil", "media/../x", "C:/Windows/evil",
                 "./study.json"]:
        refused_with(app, owner, pack({**good, name: b"x"}), "unsafe name")
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name this test makes on purpose
        for name, data in good.items():
            archive.writestr(name, data)
        archive.writestr("notes.jsonl", b"")
    refused_with(app, owner, out.getvalue(), "two files named 'notes.jsonl'")


def test_too_many_files_or_too_many_bytes(app, owner, good):
    app.config["ARCHIVE_MAX_FILES"] = 5
    refused_with(app, owner, pack(good), "at most 5 are accepted")
    app.config["ARCHIVE_MAX_FILES"], app.config["ARCHIVE_MAX_BYTES"] = 100, 1000
    refused_with(app, owner, pack(good), "at most 1000 are accepted")


def test_zip_bombs_by_their_ratio_and_with_headers_that_lie(app, owner, good):
    refused_with(app, owner, pack({**good, "notes.jsonl": b"\n" * 5_000_000}), "possible zip bomb")
    # The directory says 100 bytes, the data inflates to 5 MB: counted while reading, never trusted.
    data = bytearray(pack({**good, "notes.jsonl": b" " * 5_000_000}))
    entry = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("notes.jsonl")
    struct.pack_into("<I", data, entry.header_offset + 22, 100)                       # the local header's size
    struct.pack_into("<I", data, central_record(bytes(data), "notes.jsonl") + 24, 100)  # the directory's size
    refused_with(app, owner, bytes(data), "notes.jsonl")


def central_record(data, name):
    """The offset of `name`'s record in the zip's central directory."""
    offset = data.index(b"PK\x01\x02")
    while True:
        name_length, extra, comment = struct.unpack_from("<HHH", data, offset + 28)
        if data[offset + 46:offset + 46 + name_length].decode() == name:
            return offset
        offset += 46 + name_length + extra + comment


def test_records_that_break_the_format_write_nothing(app, owner, good):
    """Checked while writing: the study and the visits already written go with the transaction."""
    for line, message in [(b"{not json\n", "notes.jsonl line 1 is not valid JSON"),
                          (b"[1, 2]\n", "notes.jsonl line 1 is not a JSON object"),
                          (b'{"key": "note-1"}\n', "notes.jsonl line 1 is not as the format says")]:
        refused_with(app, owner, pack(changed(good, notes__jsonl=line + good["notes.jsonl"])), message)
    refused_with(app, owner, pack(changed(good, visits__jsonl=b"\xff\xfe" + good["visits.jsonl"])),
                 "visits.jsonl is not UTF-8 text")
    notes = good["notes.jsonl"].replace(b'"visit":"visit-1"', b'"visit":"visit-9"')
    assert notes != good["notes.jsonl"]
    refused_with(app, owner, pack(changed(good, notes__jsonl=notes)),
                 "names a visit the archive does not have ('visit-9')")


def test_when_the_commit_fails_the_media_placed_are_taken_out_again(app, owner, good, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def failing_commit():
        raise OperationalError("COMMIT", {}, Exception("the disk is full"))
    with app.app_context():
        monkeypatch.setattr(db.session, "commit", failing_commit)
        with pytest.raises(Refused, match="could not be written"):
            import_archive(io.BytesIO(pack(good)), db.session.get(User, owner))
        monkeypatch.undo()
        db.session.rollback()
        assert nothing_written()


def test_the_page_and_the_command_say_why(app, client, auth, owner, good, tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(pack(good, manifest={"format": "fieldnotes.archive/9", "files": {}}))
    result = app.test_cli_runner().invoke(args=["import", "archive", str(bad), "--owner", "rosa@example.org"])
    assert result.exit_code == 1 and "this server reads 'fieldnotes.archive/1'" in result.output
    auth.login("rosa@example.org", PASSWORD)
    response = client.post("/import/archive", data={"into": "", "archive": (io.BytesIO(b"hello"), "notes.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "This is not a zip file" in response.get_data(as_text=True)
    response = client.post("/import/archive", data={"into": ""}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose the archive file" in response.get_data(as_text=True)
    with app.app_context():
        assert nothing_written()

"""One version, pyproject.toml's, wherever Fieldnotes states one: an archive's manifest, the API's
OpenAPI document, a REFI-QDA file's origin. A release bumps pyproject.toml alone."""
import io
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from fieldnotes.exports.archive import write_archive
from fieldnotes.version import APP_VERSION

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def pyproject_version():
    with PYPROJECT.open("rb") as file:
        return tomllib.load(file)["project"]["version"]


def test_the_app_states_pyproject_tomls_version_as_installed():
    # A failure here after a bump of pyproject.toml means the install is stale: `make install`.
    assert APP_VERSION == version("fieldnotes") == pyproject_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", APP_VERSION)


def test_the_manifest_the_api_document_and_qda_files_carry_it(app, client, study_id):
    expected = pyproject_version()
    assert client.get("/api/v1/openapi.json").json["info"]["version"] == expected
    codebook = client.get(f"/studies/{study_id}/export/codebook.qdc")
    assert codebook.status_code == 200 and f'origin="Fieldnotes {expected}"'.encode() in codebook.data
    with app.app_context():
        assert write_archive(study_id, io.BytesIO())["app_version"] == expected

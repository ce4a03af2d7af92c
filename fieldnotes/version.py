"""The app's version, written once: pyproject.toml's `version`, as the installed package's metadata has it.

Whatever states a version (an archive's manifest, the API's OpenAPI document, a QDA project's origin)
reads APP_VERSION, so a release changes pyproject.toml and nothing else. Run from a checkout that was
never installed, the metadata is missing: then pyproject.toml beside the package says it.
"""
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def installed_version():
    try:
        return version("fieldnotes")
    except PackageNotFoundError:
        with PYPROJECT.open("rb") as file:
            return tomllib.load(file)["project"]["version"]


APP_VERSION = installed_version()

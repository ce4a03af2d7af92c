"""A REFI-QDA codebook (.qdc) into a study's tags: read safely, checked like Codebook.xsd, previewed, all or nothing.

Tags are flat in Fieldnotes, so the hierarchy is kept in the name: the code "Late fees" under
"Payments" becomes the tag "Payments / Late fees" (exports/refi_qda.py nests it back). Only codable
codes become tags; a code marked not codable is a folder, and lends its name to its children only.
A tag the study has already, in any letters (studies.models.name_key), is matched, not doubled.

A codebook Fieldnotes exported carries its touchpoints, roles, kinds and insights too, under group
codes whose GUIDs are fixed (refi_qda.GROUP_GUIDS): the codes under "Tags" are imported without
the group's name, and the other groups are listed as not imported, since they are not tags.
"""
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from marshmallow import ValidationError, validate
from sqlalchemy import select

from fieldnotes.errors import Refused
from fieldnotes.exports.refi_qda import CODEBOOK_NS, GROUP_GUIDS, GROUPS, PROJECT_NS, TAG_LEVELS
from fieldnotes.extensions import db
from fieldnotes.studies.models import Tag, name_key
from fieldnotes.studies.service import add_tag
from fieldnotes.text import Text

MAX_BYTES = 1024 * 1024  # thousands of codes fit in a few hundred KB; more is not a codebook
MAX_CODES = 5000
MAX_DEPTH = 20  # a deeper tree cannot make a tag name of 60 characters anyway
FIELD = "codebook"
CODE = f"{{{CODEBOOK_NS}}}Code"
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
                  r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}")
BOOLEAN = {"true", "false", "1", "0"}
TAG_NAME = Text(validate=validate.Length(min=1, max=60))  # the rules of a tag typed on the tags page


@dataclass
class Plan:
    """What an import would do: tags to add, tags the study has already, codes left aside (and why)."""

    new: list = field(default_factory=list)
    existing: list = field(default_factory=list)
    skipped: list = field(default_factory=list)


def refuse(*messages):
    raise Refused("The codebook was not imported; nothing was changed.", errors={FIELD: list(messages)})


def read_upload(stream):
    """The bytes of an uploaded codebook. :raise Refused: larger than MAX_BYTES or empty."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        refuse(f"The file is larger than {MAX_BYTES // 1024} KB, the most a codebook may be. "
               "Is it a project (.qdpx) rather than a codebook (.qdc)?")
    if not data.strip():
        refuse("The file is empty.")
    return data


def read_codebook(data):
    """(tag names in the file's order, skipped descriptions). :raise Refused: not a codebook we can read."""
    try:
        # forbid_dtd: a codebook never needs one, and a DTD is where entity bombs and external files hide.
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        refuse("The file declares a document type (<!DOCTYPE>) or entities. Codebooks have none, and they "
               "can make a reader expand text without end or open other files, so it was not read.")
    except ParseError as error:
        refuse(f"The file is not well-formed XML ({error}).")
    check_root(root)
    names, skipped, problems, count = [], [], [], 0
    for code in root[0]:
        group = GROUP_GUIDS.get(code.get("guid", "").strip("{}").lower())
        if group is not None and group != "tags":
            skipped.append(f"“{code.get('name')}”: Fieldnotes’ {GROUPS[group].lower()}, which are not tags.")
            count += sum(1 for _ in code.iter(CODE))
            continue
        count += walk(code, None if group == "tags" else (), names, problems)
    if count > MAX_CODES:
        refuse(f"The codebook has {count} codes; at most {MAX_CODES} can be imported at once.")
    if problems:
        refuse(*problems[:20], *([f"… and {len(problems) - 20} more problems."] if len(problems) > 20 else []))
    return names, skipped


def check_root(root):
    """The shape Codebook.xsd requires at the top: <CodeBook> in its namespace, then <Codes> with codes."""
    if root.tag == f"{{{PROJECT_NS}}}Project":
        refuse("This is a REFI-QDA project (project.qde), not a codebook. "
               "Export the codebook (.qdc) from your QDA tool and upload that.")
    if root.tag != f"{{{CODEBOOK_NS}}}CodeBook":
        refuse(f"The file's root element is <{root.tag}>; a REFI-QDA codebook's is <CodeBook> "
               f"in the namespace {CODEBOOK_NS}.")
    parts = [child.tag for child in root]
    if not parts or parts[0] != f"{{{CODEBOOK_NS}}}Codes" or any(
            tag != f"{{{CODEBOOK_NS}}}Sets" for tag in parts[1:]) or len(parts) > 2:
        refuse("<CodeBook> must hold <Codes> (and optionally <Sets>), as Codebook.xsd says.")
    if not len(root[0]) or any(child.tag != CODE for child in root[0]):
        refuse("<Codes> must hold at least one <Code>, and nothing else.")


def walk(code, path, names, problems, depth=1):
    """Add the tag names of `code` and its children to `names`; returns how many codes it holds.

    `path` is the names of the codes above it, or None for the "Tags" group code itself (not a tag).
    """
    if depth > MAX_DEPTH:
        refuse(f"Codes are nested more than {MAX_DEPTH} deep.")
    where = " > ".join(f"“{p}”" for p in (*(path or ()), code.get("name", "?")))
    problems.extend(f"Code {where}: {p}" for p in code_problems(code))
    children = [child for child in code if child.tag == CODE]
    here = path
    if path is not None:
        here = (*path, (code.get("name") or "").strip())
        if code.get("isCodable") in ("true", "1"):
            names.append((TAG_LEVELS.join(here), where))
    return 1 + sum(walk(child, here if here is not None else (), names, problems, depth + 1) for child in children)


def code_problems(code):
    """What Codebook.xsd would refuse in one <Code>: its attributes and what it holds."""
    if not GUID.fullmatch(code.get("guid", "").strip()):
        yield "its guid is missing or not a GUID."
    if not (code.get("name") or "").strip():
        yield "it has no name."
    if code.get("isCodable", "").strip() not in BOOLEAN:
        yield "isCodable must be true or false."
    tags = [child.tag for child in code]
    description = f"{{{CODEBOOK_NS}}}Description"
    if any(tag not in (CODE, description) for tag in tags) or description in tags[1:]:
        yield "a code holds only a <Description> first, then codes."


def tag_names(found):
    """The valid, distinct tag names (first spelling wins). :raise Refused: a name no tag may have."""
    names, keys, problems = [], set(), []
    for name, where in found:
        try:
            name = TAG_NAME.deserialize(name)
        except ValidationError as error:
            problems.append(f"Code {where} would be the tag “{name}”: {' '.join(error.messages)}")
            continue
        if name_key(name) not in keys:
            keys.add(name_key(name))
            names.append(name)
    if problems:
        refuse(*problems[:20], *([f"… and {len(problems) - 20} more."] if len(problems) > 20 else []))
    return names


def plan_import(study_id, names, skipped=()):
    """Which of `names` the study has already (as it spells them) and which are new."""
    have = dict(db.session.execute(select(Tag.name_key, Tag.name).where(
        Tag.study_id == study_id, Tag.name_key.in_({name_key(n) for n in names}))).all()) if names else {}
    plan = Plan(skipped=list(skipped))
    for name in names:
        (plan.existing if name_key(name) in have else plan.new).append(have.get(name_key(name), name))
    return plan


def preview(study_id, data):
    """Read a codebook's bytes and say what importing it would do. :raise Refused: see read_codebook."""
    found, skipped = read_codebook(data)
    return plan_import(study_id, tag_names(found), skipped)


def import_tags(study, names):
    """Add the tags of `names` the study lacks; the caller commits. :raise Refused: a bad name (nothing added)."""
    plan = plan_import(study.id, tag_names([(name, f"“{name}”") for name in names]))
    if not plan.new and not plan.existing:
        refuse("There are no tags to import.")
    for name in plan.new:
        add_tag(study, name)  # flushes: a tag someone added meanwhile is a Refused, and the caller rolls back
    return plan

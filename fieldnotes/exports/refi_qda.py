"""REFI-QDA building blocks: stable GUIDs, XML text made safe, and the study's code tree.

QDA tools (NVivo, ATLAS.ti, MAXQDA, QualCoder) match what they imported before by GUID, so every
GUID here is a uuid5 of a fixed namespace and what the thing is ("touchpoint", its id): exporting
the same study twice gives the same GUIDs, and a project exported again merges instead of doubling.
The group codes (Touchpoints, Roles, Kinds, Tags, Insights) depend on no study, so an import
(imports/codebook.py) knows them by GUID whichever tool wrote the file.
"""
import hashlib
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight
from fieldnotes.observations.models import Kind
from fieldnotes.studies.models import Role, Tag, Touchpoint
from fieldnotes.version import APP_VERSION

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = f"Fieldnotes {APP_VERSION}"  # the software that wrote the file, as QDA tools show it
FIELDNOTES = uuid.UUID("5f1e1d7a-3c52-4f0e-9a8e-6a0c2b7d4e11")  # never change: every GUID derives from it
# A tag named "Payments / Late fees" is the code "Late fees" under "Payments" (and back, on import).
TAG_LEVELS = " / "
CODE_NAME_MAX = 100  # insight statements are sentences; QDA tools show code names in a narrow tree
# XML 1.0 cannot carry these at all, escaped or not (notes refuse them; this is the last guard), and
# markup is escaped. One str.translate each: a project writes hundreds of thousands of values.
NOT_XML = {c: None for c in (*range(0x20), *range(0xD800, 0xE000), 0xFFFE, 0xFFFF) if chr(c) not in "\t\n\r"}
TEXT = str.maketrans({**NOT_XML, "&": "&amp;", "<": "&lt;", ">": "&gt;"})
# In an attribute, line breaks and tabs are kept only as character references (else read as spaces).
ATTRIBUTE = str.maketrans({**NOT_XML, "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                           "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def guid(kind, key):
    """The stable GUID of a `kind` of thing ("note", "tag", ...) with this id or name: uuid5, written out.

    The same value as str(uuid.uuid5(FIELDNOTES, f"{kind}:{key}")), made without building UUID
    objects: an export makes one for every note, selection, coding and file.
    """
    digest = bytearray(hashlib.sha1(FIELDNOTES.bytes + f"{kind}:{key}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


GROUPS = {"touchpoints": "Touchpoints", "roles": "Roles", "kinds": "Kinds", "tags": "Tags", "insights": "Insights"}
GROUP_GUIDS = {guid("group", key): key for key in GROUPS}


def text(value):
    return (value or "").translate(TEXT)


def attrs(**values):
    """ name="value" ... for the attributes that have a value (None leaves one out)."""
    return "".join(f' {name}="{str(value).translate(ATTRIBUTE)}"'
                   for name, value in values.items() if value is not None)


def when(moment):
    """xsd:dateTime in UTC; stored times are naive UTC."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Code:
    guid: str
    name: str
    codable: bool = True
    description: str = ""
    children: list = field(default_factory=list)

    def xml(self, depth=2):
        """The <Code> element and its children, indented by `depth` tabs (QDA tools show the tree)."""
        pad = "\t" * depth
        opening = f"{pad}<Code{attrs(guid=self.guid, name=self.name, isCodable=str(self.codable).lower())}"
        if not (self.description or self.children):
            return opening + "/>\n"
        body = f"{pad}\t<Description>{text(self.description)}</Description>\n" if self.description else ""
        body += "".join(child.xml(depth + 1) for child in self.children)
        return f"{opening}>\n{body}{pad}</Code>\n"


@dataclass
class CodeTree:
    """The study's codes, and which code each touchpoint, role, kind, tag and insight is."""

    groups: list
    touchpoint: dict
    role: dict
    kind: dict
    tag: dict
    insight: dict

    def xml(self, depth=2):
        return "".join(group.xml(depth) for group in self.groups)


def code_tree(study_id, guard):
    """Touchpoints and roles in journey order, kinds, tags (nested by " / "), and themes > insights.

    Tags and insights are the team's words, which may name a participant: `guard` (the study's
    NameGuard) masks real names in them, as in every export.
    """
    touchpoint = terms(Touchpoint, study_id, "touchpoint")
    role = terms(Role, study_id, "role")
    kind = {k: Code(guid("kind", k.value), k.value.capitalize()) for k in Kind}
    tags = db.session.execute(select(Tag.id, Tag.name).where(Tag.study_id == study_id).order_by(Tag.name)).all()
    tag_roots, tag = nested_tags([(tag_id, guard.mask(name)) for tag_id, name in tags])
    insight_roots, insight = insight_codes(study_id, guard)
    group = {key: Code(guid("group", key), name, codable=False) for key, name in GROUPS.items()}
    for key, children in (("touchpoints", touchpoint.values()), ("roles", role.values()),
                          ("kinds", kind.values()), ("tags", tag_roots), ("insights", insight_roots)):
        group[key].children = list(children)
    # A group with no codes would be an empty <Code> the tools show as a stray folder; Kinds always has some.
    return CodeTree([g for g in group.values() if g.children], touchpoint, role, kind, tag, insight)


def terms(model, study_id, kind):
    rows = db.session.execute(model.in_order(study_id, model.id, model.name)).all()
    return {term_id: Code(guid(kind, term_id), name) for term_id, name in rows}


def nested_tags(tags):
    """(root codes, {tag id: code}): "A / B" becomes B under A; a level no tag names is not codable."""
    roots, by_path, by_id = [], {}, {}
    for tag_id, name in tags:
        parts = [part.strip() for part in name.split(TAG_LEVELS)]
        if not all(parts):  # "a / " or " / b": nothing on one side, so not a level
            parts = [name]
        siblings, path = roots, ()
        for part in parts:
            path += (part.casefold(),)
            if path not in by_path:
                by_path[path] = Code(guid("tag-level", "/".join(path)), part, codable=False)
                siblings.append(by_path[path])
            siblings = by_path[path].children
        code = by_path[path]
        code.guid, code.codable = guid("tag", tag_id), True
        by_id[tag_id] = code
    return roots, by_id


def insight_codes(study_id, guard):
    """(root codes, {insight id: code}): themes hold their insights, as the affinity wall nests them."""
    rows = db.session.execute(select(Insight.id, Insight.parent_id, Insight.statement)
                              .where(Insight.study_id == study_id)
                              .order_by(Insight.position, Insight.id)).all()
    statements = {row.id: guard.mask(row.statement) for row in rows}
    codes = {row.id: Code(guid("insight", row.id), short(statements[row.id]) or f"Insight {row.id}",
                          description=statements[row.id]) for row in rows}
    roots = []
    for row in rows:
        (codes[row.parent_id].children if row.parent_id in codes else roots).append(codes[row.id])
    return roots, codes


def short(statement):
    statement = " ".join((statement or "").split())
    return statement if len(statement) <= CODE_NAME_MAX else statement[:CODE_NAME_MAX - 1].rstrip() + "…"

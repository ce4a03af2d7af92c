"""A CSV file of notes: decoded, read, checked row by row, and planned (nothing written here).

The plan says, for every row, the note it will become or why it cannot; and
which touchpoints, roles, participants, visits and tags it names that the
study does not have yet, so the user can agree to create them.
"""
import csv
import functools
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.imports.models import SOURCE_KEY_MAX, ImportedRow
from fieldnotes.observations.models import TEXT_MAX, Kind
from fieldnotes.studies.models import Role, Tag, Touchpoint, name_key
from fieldnotes.text import clean_text, forbidden_characters
from fieldnotes.visits.models import Participant, SiteVisit

BOM = "\ufeff"
TERM_KINDS = ("touchpoint", "role", "participant", "visit", "tag")
NAME_MAX = {"touchpoint": 80, "role": 80, "participant": 80, "tag": 60, "visit": 200}
# A kind by its value, or by the words researchers use for it in a spreadsheet.
KIND_WORDS = {**{k.value: k for k in Kind}, "question": Kind.IDEA, "question or idea": Kind.IDEA,
              "pain": Kind.BREAKDOWN}
# "Halloran Logistics 2026-03-12", "Halloran Logistics, 2026-03-12", "Halloran Logistics (2026-03-12)"
VISIT_WITH_DATE = re.compile(r"^(?P<organisation>.*?)[\s,;(]*(?P<date>\d{4}-\d{2}-\d{2})\)?$")
KEY_CHUNK = 500
# What text.forbidden_characters refuses (control characters but line breaks and tabs, bidi controls,
# surrogates), as one pattern: a file's cells are checked a hundred thousand at a time.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# Decoding and reading

def unreadable(message):
    return Refused(message, errors={"file": [message]})


def decode(raw):
    """The file's text, UTF-8 with or without a BOM.

    :raise Refused: any other encoding or a binary file, naming the line where it went wrong.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise unreadable("This file is UTF-16. Save it as “CSV UTF-8” and upload it again.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise unreadable(f"Line {line} is not UTF-8 (byte 0x{raw[error.start]:02X}). "
                      "Save the file as “CSV UTF-8” and upload it again.") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise unreadable(f"Line {line} holds a NUL byte: this is not a CSV text file.")
    return text.removeprefix(BOM)


def dialect_of(text):
    """Comma, semicolon or tab, as the file's first lines suggest; comma when they say nothing clear."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def read_table(text):
    """(headers, [(line number, cells)]) with blank rows left out.

    :raise Refused: an unterminated quote, or a row whose cell count differs from the header's.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect_of(text), strict=True)
    rows, line = [], 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise unreadable(f"Line {line}: the CSV is malformed ({error}); check its quotes.") from None
    if not rows:
        raise unreadable("The file is empty.")
    (_, headers), rows = rows[0], rows[1:]
    for line, cells in rows:
        if len(cells) != len(headers):
            raise unreadable(f"Line {line} has {len(cells)} cells but the header has {len(headers)}: "
                          "a delimiter or quote is missing or extra.")
    if not rows:
        raise unreadable("The file has a header but no notes.")
    headers = [h.strip() or f"Column {i + 1}" for i, h in enumerate(headers)]
    return headers, rows


# Checking rows

@dataclass
class Problem:
    line: int
    column: str
    reason: str


@dataclass
class Row:
    """A row as the note it will become, terms still by name (they may not exist yet)."""

    line: int
    text: str = ""
    expected: str | None = None
    captured_at: datetime | None = None
    kind: Kind = Kind.OBSERVATION
    touchpoint: str | None = None
    role: str | None = None
    participant: str | None = None
    visit: tuple[str, date] | None = None
    tags: list[str] = field(default_factory=list)
    key: str | None = None


def cell_reader(headers, mapping, line, cells, problems):
    def cell(name, limit=None):
        if name not in mapping:
            return ""
        value = clean_text(cells[mapping[name]])
        if FORBIDDEN.search(value):
            bad = forbidden_characters(value)
            problems.append(Problem(line, headers[mapping[name]],
                                    f"Characters that are not allowed: {', '.join(bad)}."))
            return ""
        if limit and len(value) > limit:
            problems.append(Problem(line, headers[mapping[name]], f"{len(value):,} characters; at most {limit:,}."))
            return ""
        return value
    return cell


def moment(value):
    """An ISO 8601 date or time, in UTC; one without an offset is taken as UTC.

    :raise ValueError: not ISO 8601, or a time whose UTC instant no calendar here holds (year 10000).
    """
    parsed = datetime.fromisoformat(value)
    try:
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError(value) from None


def checked_row(headers, mapping, line, cells, problems):
    """The Row for these cells, adding a Problem for each cell that cannot be imported."""
    cell, before = cell_reader(headers, mapping, line, cells, problems), len(problems)
    column = {f: headers[c] for f, c in mapping.items()}
    row = Row(line, text=cell("text", TEXT_MAX), expected=cell("expected", TEXT_MAX) or None,
              key=cell("key", SOURCE_KEY_MAX) or None)
    if not row.text and len(problems) == before:  # empty, not refused for what it holds
        problems.append(Problem(line, column["text"], "Empty text: every note needs its words."))
    kind = cell("kind").casefold()
    if kind and kind not in KIND_WORDS:
        problems.append(Problem(line, column["kind"], f"Unknown kind {kind!r}; the kinds are "
                                f"{', '.join(k.value for k in Kind)}."))
    row.kind = KIND_WORDS.get(kind, Kind.OBSERVATION)
    for name in ("touchpoint", "role", "participant"):
        setattr(row, name, cell(name, NAME_MAX[name]) or None)
    tags = [t for t in dict.fromkeys(clean_text(t) for t in cell("tags").split(";")) if t]
    for tag in tags:
        if len(tag) > NAME_MAX["tag"]:
            problems.append(Problem(line, column["tags"], f"Tag {tag[:20]!r}… is longer than {NAME_MAX['tag']}."))
    row.tags = [t for t in tags if len(t) <= NAME_MAX["tag"]]
    raw_time = cell("time")
    time_of(row, raw_time, column.get("time"), problems)
    visit_of(row, cell("visit"), column.get("visit"), problems)
    if row.captured_at is None and not raw_time:
        if row.visit:  # no time: noon on the visit's day keeps the date in most time zones
            row.captured_at = datetime.combine(row.visit[1], time(12), UTC)
        else:
            problems.append(Problem(line, column.get("time", "Time captured"),
                                    "No time: give when the note was captured, or a dated site visit."))
    return row


def time_of(row, value, column, problems):
    if not value:
        return
    try:
        row.captured_at = moment(value)
    except ValueError:
        problems.append(Problem(row.line, column, f"Not a date or time: {value!r}; "
                                "write it as 2026-03-12 or 2026-03-12 14:30."))


def visit_of(row, value, column, problems):
    """A visit is its organisation and day: the day from the cell ("Org 2026-03-12") or the note's time."""
    if not value:
        return
    match = VISIT_WITH_DATE.match(value)
    organisation, day = (match["organisation"], match["date"]) if match else (value, None)
    try:
        day = date.fromisoformat(day) if day else row.captured_at.date() if row.captured_at else None
    except ValueError:
        problems.append(Problem(row.line, column, f"Not a date: {day!r}."))
        return
    organisation = organisation.strip()
    if not organisation or day is None:
        problems.append(Problem(row.line, column, "Name the visit's organisation and date, "
                                "e.g. “Halloran Logistics 2026-03-12”, or give the note's time."))
    elif len(organisation) > NAME_MAX["visit"]:
        problems.append(Problem(row.line, column, f"An organisation of at most {NAME_MAX['visit']} characters."))
    else:
        row.visit = (organisation, day)


# Planning against the study

@dataclass
class Plan:
    """What importing would do: the notes to write, every problem, the terms to create, the rows skipped."""

    headers: list[str]
    mapping: dict[str, int]
    rows: list[Row]
    problems: list[Problem]
    terms: dict[str, dict]                    # kind -> {term key: id} of what the study has
    unknown: dict[str, dict]                  # kind -> {term key: label} of what it lacks
    accepted: set[str]                        # choices ("kind:label") of unknown terms to create
    already: int = 0                          # rows whose key was imported before: skipped
    total: int = 0

    @property
    def keyed(self):
        return "key" in self.mapping

    def to_create(self):
        """[(kind, key, label)] of the unknown terms the user agreed to create."""
        return [(kind, key, label) for kind in TERM_KINDS for key, label in self.unknown[kind].items()
                if choice(kind, label) in self.accepted]


def choice(kind, label):
    return f"{kind}:{label}"


# A file names the same few terms on every row: their keys are worth remembering.
known_key = functools.lru_cache(maxsize=4096)(name_key)


def term_key(kind, value):
    return (known_key(value[0]), value[1]) if kind == "visit" else known_key(value)


def term_label(kind, value):
    return f"{value[0]} ({value[1].isoformat()})" if kind == "visit" else value


def used_terms(row):
    """(kind, value) of every term the row names."""
    found = [(kind, getattr(row, kind)) for kind in ("touchpoint", "role", "participant", "visit")]
    return [(kind, value) for kind, value in found + [("tag", t) for t in row.tags] if value]


def study_terms(study_id):
    """{kind: {term key: id}} of the study's touchpoints, roles, participants, visits and tags."""
    named = {kind: select(model.id, model.name).where(model.study_id == study_id)
             for kind, model in (("touchpoint", Touchpoint), ("role", Role), ("tag", Tag))}
    named["participant"] = select(Participant.id, Participant.pseudonym).where(Participant.study_id == study_id)
    terms = {kind: {name_key(name): id_ for id_, name in db.session.execute(query)} for kind, query in named.items()}
    visits = db.session.execute(select(SiteVisit.id, SiteVisit.organisation, SiteVisit.visited_on)
                                .where(SiteVisit.study_id == study_id).order_by(SiteVisit.id.desc()))
    terms["visit"] = {(name_key(org), day): id_ for id_, org, day in visits}  # the first made wins
    return terms


def plan_notes(study_id, headers, rows, mapping, declined=(), create_unknown=True):
    """The Plan for importing these rows with this mapping.

    Unknown terms are to be created, but for the `declined` choices ("kind:label"), or none at all
    without `create_unknown`; rows naming one not created are problems.

    :raise Refused: no column mapped to the text.
    """
    if "text" not in mapping:
        raise Refused("Choose the column that holds the notes' text.", errors={"text": ["Choose a column."]})
    problems = []
    checked = [checked_row(headers, mapping, line, cells, problems) for line, cells in rows]
    plan = Plan(headers, mapping, checked, problems, study_terms(study_id), {k: {} for k in TERM_KINDS},
                set(), total=len(checked))
    for row in checked:
        for kind, value in used_terms(row):
            if term_key(kind, value) not in plan.terms[kind]:
                plan.unknown[kind].setdefault(term_key(kind, value), term_label(kind, value))
    offered = {choice(k, label) for k in TERM_KINDS for label in plan.unknown[k].values()}
    plan.accepted = offered - set(declined) if create_unknown else set()
    refuse_declined(plan)
    if plan.keyed:
        skip_imported(study_id, plan)
    bad = {p.line for p in problems}
    plan.rows = [row for row in plan.rows if row.line not in bad]
    problems.sort(key=lambda p: p.line)
    return plan


def refuse_declined(plan):
    column = {f: plan.headers[c] for f, c in plan.mapping.items()}
    for row in plan.rows:
        for kind, value in used_terms(row):
            key = term_key(kind, value)
            if key not in plan.terms[kind] and choice(kind, plan.unknown[kind][key]) not in plan.accepted:
                plan.problems.append(Problem(row.line, column["tags" if kind == "tag" else kind],
                                             f"Unknown {kind} {term_label(kind, value)!r}, not chosen to be created."))


def skip_imported(study_id, plan):
    """Rows whose key was imported before are left out (counted); a key twice in the file is a problem."""
    column, first = plan.headers[plan.mapping["key"]], {}
    for row in plan.rows:
        if row.key is None:
            plan.problems.append(Problem(row.line, column, "Empty key: every row needs one in the key column."))
        elif row.key in first:
            plan.problems.append(Problem(row.line, column, f"Key {row.key!r} repeats line {first[row.key]}."))
        else:
            first[row.key] = row.line
    keys, imported = list(first), set()
    for start in range(0, len(keys), KEY_CHUNK):
        imported.update(db.session.scalars(select(ImportedRow.source_key).where(
            ImportedRow.study_id == study_id, ImportedRow.source_key.in_(keys[start:start + KEY_CHUNK]))))
    plan.already = len(imported)
    plan.rows = [row for row in plan.rows if row.key not in imported]

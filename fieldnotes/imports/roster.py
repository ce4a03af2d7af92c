"""A roster: organisations and the participants met there (pseudonym, role, consent) from a CSV file.

Read with the note import's reader (csv_notes.decode, read_table), checked row by row into a plan that
says what each row will do or why it cannot; nothing is written until every row can be, then all of it
in one transaction. Columns are found by their header ("Organisation", "Pseudonym", "Role", "Consent",
...), so a roster needs no mapping step. A pseudonym the study has already is left as it is (a second
import of the same roster adds nobody twice); an account's segment, size and region fill what it lacks,
and a value that contradicts what it says is a row problem, never an overwrite.
"""
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.imports.csv_notes import FORBIDDEN, Problem, decode, read_table
from fieldnotes.organisations import service as accounts
from fieldnotes.organisations.models import SIZE_BANDS
from fieldnotes.organisations.names import account_name
from fieldnotes.studies.models import Role, name_key
from fieldnotes.visits.models import CONSENT_USES, Participant

# Field -> (the words a header may use, longest allowed).
COLUMNS = {
    "organisation": (("organisation", "organization", "company", "account", "customer"), 200),
    "segment": (("segment", "industry", "sector"), 80),
    "size_band": (("size", "size band", "employees", "people"), 20),
    "region": (("region", "country", "territory"), 80),
    "pseudonym": (("pseudonym", "participant", "alias"), 80),
    "role": (("role", "job role"), 80),
    "consent": (("consent", "consented to", "consent given"), 200),
    "consent_on": (("consent date", "consent on", "consented on", "date of consent"), 40),
}
YES, NO = {"yes", "y", "true", "1", "all", "everything"}, {"no", "n", "false", "0", "none", ""}
USE_WORDS = {**{use: use for use in CONSENT_USES}, "note": "notes", "quote": "quotes", "photo": "photos",
             "pictures": "photos", "audio recordings": "audio", "recordings": "audio", "recording": "audio"}
ACCOUNT_DETAILS = ("segment", "size_band", "region")


@dataclass
class Person:
    line: int
    pseudonym: str
    role_id: int | None
    role: str
    organisation: str
    uses: set
    consent_on: date | None


@dataclass
class Plan:
    columns: dict  # field -> header index
    ignored: list  # headers not read
    total: int = 0
    accounts: dict = field(default_factory=dict)  # name -> {detail: value} from the file
    new_accounts: list = field(default_factory=list)
    people: list = field(default_factory=list)
    kept: list = field(default_factory=list)  # pseudonyms the study has already: left as they are
    problems: list = field(default_factory=list)


def find_columns(headers):
    """(field -> index, headers not read). :raise Refused: no organisation column."""
    wanted = {word: name for name, (words, _) in COLUMNS.items() for word in words}
    found, ignored = {}, []
    for index, header in enumerate(headers):
        name = wanted.get(" ".join(header.casefold().replace("_", " ").split()))
        if name and name not in found:
            found[name] = index
        else:
            ignored.append(header)
    if "organisation" not in found:
        raise Refused("No organisation column.", errors={"file": [
            "The roster needs an “Organisation” column (its header may also say Company or Account)."]})
    return found, ignored


def plan_roster(study_id, raw):
    """What importing the file would do. :raise Refused: the file cannot be read at all."""
    headers, rows = read_table(decode(raw))
    columns, ignored = find_columns(headers)
    plan = Plan(columns, ignored, total=len(rows))
    roles = {row.name_key: (row.id, row.name) for row in db.session.execute(
        select(Role.name_key, Role.id, Role.name).where(Role.study_id == study_id, Role.retired.is_(False)))}
    taken = {p.casefold() for p in db.session.scalars(select(Participant.pseudonym)
                                                       .where(Participant.study_id == study_id))}
    seen = {}
    for line, cells in rows:
        values = {name: cells[index].strip() for name, index in columns.items()}
        problems = [Problem(line, headers[columns[name]], reason) for name, reason in cell_problems(values)]
        if not problems:
            problems += account_problems(study_id, plan, line, values, headers, columns)
        if not problems and values.get("pseudonym"):
            problems += person_problems(plan, line, values, roles, taken, seen, headers, columns)
        plan.problems += problems
    return plan


def cell_problems(values):
    for name, value in values.items():
        if FORBIDDEN.search(value):
            yield name, "Contains characters that are not allowed (control or direction characters)."
        elif len(value) > COLUMNS[name][1]:
            yield name, f"At most {COLUMNS[name][1]} characters."
    if not values["organisation"]:
        yield "organisation", "Name the organisation."
    if values.get("size_band") and values["size_band"] not in SIZE_BANDS:
        yield "size_band", f"A size is one of: {', '.join(SIZE_BANDS)}."


def account_problems(study_id, plan, line, values, headers, columns):
    """Record the row's account details; a problem where they contradict the file or the account."""
    name = account_name(values["organisation"])
    first = name not in plan.accounts
    known = plan.accounts.setdefault(name, {})
    if first:
        account = accounts.named(study_id, name)
        if account is None:
            plan.new_accounts.append(name)
        else:
            known.update({d: getattr(account, d) for d in ACCOUNT_DETAILS if getattr(account, d)})
    problems = []
    for detail in ACCOUNT_DETAILS:
        value = values.get(detail, "")
        if value and known.get(detail, value) != value:
            problems.append(Problem(line, headers[columns[detail]],
                                    f"{name} is already “{known[detail]}” here; one account has one value."))
        elif value:
            known[detail] = value
    return problems


def person_problems(plan, line, values, roles, taken, seen, headers, columns):
    pseudonym = values["pseudonym"]
    folded = pseudonym.casefold()
    if folded in seen:
        return [Problem(line, headers[columns["pseudonym"]], f"“{pseudonym}” is also on line {seen[folded]}.")]
    seen[folded] = line
    if folded in taken:
        plan.kept.append(pseudonym)
        return []
    problems, role_id, role = [], None, values.get("role", "")
    if role:
        if name_key(role) not in roles:
            problems.append(Problem(line, headers[columns["role"]],
                                    f"“{role}” is not a role of this study; add it under Journey and roles first."))
        else:
            role_id, role = roles[name_key(role)]
    uses, consent_on = consent_of(values, line, headers, columns, problems)
    if not problems:
        plan.people.append(Person(line, pseudonym, role_id, role, account_name(values["organisation"]), uses,
                                  consent_on))
    return problems


def consent_of(values, line, headers, columns, problems):
    """The uses agreed ("yes" is all of them; or a list: "notes; quotes") and the day."""
    raw = values.get("consent", "").casefold()
    uses = set()
    if raw in YES:
        uses = set(CONSENT_USES)
    elif raw not in NO:
        for word in filter(None, (w.strip() for w in re.split(r"[;,/+]|\band\b", raw))):
            if word not in USE_WORDS:
                problems.append(Problem(line, headers[columns["consent"]],
                                        f"“{word}” is not a use: write yes, no, or some of notes, quotes, "
                                        "photos, audio."))
            else:
                uses.add(USE_WORDS[word])
    consent_on = None
    if values.get("consent_on"):
        try:
            consent_on = date.fromisoformat(values["consent_on"])
        except ValueError:
            problems.append(Problem(line, headers[columns["consent_on"]], "A date like 2026-03-12."))
        else:
            if consent_on > date.today() + timedelta(days=1):
                problems.append(Problem(line, headers[columns["consent_on"]], "Consent cannot be dated in the future."))
            elif not uses:
                problems.append(Problem(line, headers[columns["consent_on"]], "A consent date but no consent."))
    return uses, consent_on


def import_roster(study_id, plan):
    """Write the plan: accounts made or filled in, participants added. The caller commits.

    :raise Refused: the plan has problems (nothing is written).
    """
    if plan.problems:
        raise Refused("Some rows cannot be imported.", errors={"file": ["Some rows cannot be imported."]})
    pending = {}
    for name, details in plan.accounts.items():
        account = accounts.account_named(study_id, name, pending)
        for detail, value in details.items():
            if not getattr(account, detail):
                setattr(account, detail, value)
    db.session.flush()
    for person in plan.people:
        db.session.add(Participant(
            study_id=study_id, pseudonym=person.pseudonym, role_id=person.role_id, organisation=person.organisation,
            account=pending[study_id, person.organisation], consent_given=bool(person.uses),
            consent_on=person.consent_on, **{f"consent_{use}": use in person.uses for use in CONSENT_USES}))
    db.session.flush()
    return len(plan.new_accounts), len(plan.people)


"""The account page's story: visits over time by journey stage, people and roles seen, the balance of
pain and delight by stage and how it moved, the gaps still open, and the insights the account supports.

Read from the counts kept on write (observations.JourneyCount: notes, pain, delight per touchpoint,
role, participant and visit), summed in SQL per visit, stage and role, so the page costs the same for
50 notes or 5,000; only the latest notes and the insights read notes themselves, through the visit and
participant indexes. A note belongs to the account through its visit, or, when it has none, its
participant (as browse's organisation filter). Each round trip to the database server costs more than
the reading it carries, so the visits, participants, stages and roles come in one.
"""
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Boolean, Date, Integer, String, and_, cast, func, literal, null, or_, select, union_all

from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight, InsightNote
from fieldnotes.observations.models import NONE_ID, JourneyCount, Kind, Observation
from fieldnotes.studies.models import Role, Touchpoint
from fieldnotes.visits.models import Participant, SiteVisit
from fieldnotes.visits.names import NameGuard

LATEST_NOTES = 12
TOP_INSIGHTS = 20
UNASSIGNED = "No stage"
NO_VISIT = None


@dataclass(frozen=True)
class Visit:
    """What the page shows of a visit: its date and where it links."""

    id: int
    study_id: int
    visited_on: object  # datetime.date


@dataclass(frozen=True)
class Person:
    """What the page shows of a participant: the pseudonym (never the real name) and the role."""

    id: int
    study_id: int
    pseudonym: str
    role_id: int | None


@dataclass
class Tally:
    notes: int = 0
    pain: int = 0
    delight: int = 0

    def add(self, notes, pain, delight):
        self.notes, self.pain, self.delight = self.notes + notes, self.pain + pain, self.delight + delight

    @property
    def balance(self):
        """Delight minus pain: above zero the stage pleased them more than it hurt."""
        return self.delight - self.pain


@dataclass
class Moment:
    """One visit (or the notes on no visit) and its notes by stage: a row of the timeline."""

    visit: Visit | None
    study: object
    stages: dict = field(default_factory=lambda: defaultdict(Tally))
    total: Tally = field(default_factory=Tally)


@dataclass
class Story:
    accounts: list  # [(Organisation, Study)]: this account first
    stages: list = field(default_factory=list)  # stage names in journey order
    roles: list = field(default_factory=list)
    moments: list = field(default_factory=list)
    people: list = field(default_factory=list)  # [(Person, role name, study)]
    role_stages: dict = field(default_factory=lambda: defaultdict(Tally))  # (role, stage) -> Tally
    stage_totals: dict = field(default_factory=lambda: defaultdict(Tally))
    movement: dict = field(default_factory=dict)  # stage -> [(Moment, balance)] in visit order
    gaps: list = field(default_factory=list)  # [(role, [stages never seen])]
    insights: list = field(default_factory=list)  # [(study_id, insight id, statement, notes)]
    visits: int = 0  # visits in the timeline
    latest: list = field(default_factory=list)  # [(row, stage, kind, text as this viewer may read it)]
    account_notes: dict = field(default_factory=dict)  # account id -> its notes as this viewer may read them
    total: Tally = field(default_factory=Tally)


def tell(accounts, see_real_names=()):
    """The story of these accounts (one customer, in one or several studies). Words the team wrote or
    heard (notes, insight statements, the account's notes) show real names only in the studies listed in
    `see_real_names` (where the viewer is an owner); elsewhere each is masked as its role, as notes are."""
    story = Story(accounts)
    studies = {s.id: s for _, s in accounts}
    visits, people, stage_of, role_of, grouped = account_rows(story, [a.id for a, _ in accounts], list(studies))
    story.people = sorted(((p, role_of.get(p.role_id, ""), studies[p.study_id]) for p in people),
                          key=lambda row: (row[1] == "", row[1], row[0].pseudonym))
    moments = {v.id: Moment(v, studies[v.study_id]) for v in visits}
    visit_ids, person_ids = [v.id for v in visits], [p.id for p in people]
    count_notes(story, moments, visit_ids, person_ids, stage_of, role_of, studies)
    story.moments = [m for m in moments.values() if m.visit is not None or m.total.notes]
    story.visits = len(visits)
    story.movement = movement(story)
    story.gaps = gaps(story)
    condition = note_condition(list(studies), visit_ids, person_ids)
    story.insights = supported_insights(list(studies), condition, from_insights=grouped < story.total.notes)
    story.latest = latest_notes(list(studies), visits, person_ids, stage_of)
    mask_real_names(story, studies, see_real_names)
    return story


def mask_real_names(story, studies, see_real_names):
    guards = {sid: NameGuard.of_study(sid) for sid in studies if sid not in see_real_names}
    shown = {sid: guards[sid].mask if sid in guards else str for sid in studies}
    story.latest = [(row, stage, kind, shown[row.study_id](row.text)) for row, stage, kind in story.latest]
    story.insights = [(row.study_id, row.id, shown[row.study_id](row.statement), row.notes) for row in story.insights]
    story.account_notes = {account.id: shown[account.study_id](account.notes) for account, _ in story.accounts}


def account_rows(story, account_ids, study_ids):
    """The account's visits (oldest first) and participants, the stage and role names of every study
    joined (in the first study's order, then any others'), and how many notes those studies' insights
    group, in one round trip."""
    visit, person, stage, role = SiteVisit, Participant, Touchpoint, Role
    no_day, no_name, no_id, no_flag = (cast(null(), kind) for kind in (Date, String, Integer, Boolean))
    rows = db.session.execute(union_all(  # typed NULLs: PostgreSQL matches a union's column types pairwise
        select(literal("visit").label("what"), visit.id, visit.study_id, visit.visited_on.label("day"),
               no_name.label("name"), no_id.label("role_id"), no_flag.label("retired"), no_id.label("position"))
        .where(visit.organisation_id.in_(account_ids)),
        select(literal("person"), person.id, person.study_id, no_day, person.pseudonym, person.role_id,
               no_flag, no_id).where(person.organisation_id.in_(account_ids)),
        *(select(literal(what), model.id, model.study_id, no_day, model.name, no_id, model.retired,
                 model.position).where(model.study_id.in_(study_ids))
          for what, model in (("stage", stage), ("role", role))),
        select(literal("grouped"), func.count(InsightNote.observation_id), no_id, no_day, no_name, no_id, no_flag,
               no_id).join(Insight, Insight.id == InsightNote.insight_id).where(Insight.study_id.in_(study_ids))))
    found = {"visit": [], "person": [], "stage": [], "role": [], "grouped": []}
    for row in rows:
        found[row.what].append(row)
    visits = sorted(found["visit"], key=lambda v: (v.day, v.id))
    people = [Person(p.id, p.study_id, p.name, p.role_id) for p in found["person"]]
    first = story.accounts[0][1].id
    stage_of, role_of = {}, {}
    for what, names, into in (("stage", story.stages, stage_of), ("role", story.roles, role_of)):
        for row in sorted(found[what], key=lambda r: (r.study_id != first, r.position, r.id)):
            into[row.id] = row.name
            if row.name not in names and not row.retired:
                names.append(row.name)
    grouped = found["grouped"][0].id
    return [Visit(v.id, v.study_id, v.day) for v in visits], people, stage_of, role_of, grouped


def count_notes(story, moments, visit_ids, person_ids, stage_of, role_of, studies):
    """Add the kept counts, summed in SQL per visit, stage and role, to the timeline and the totals."""
    counts = JourneyCount
    rows = db.session.execute(
        select(counts.study_id, counts.visit_id, counts.touchpoint_id, counts.role_id,
               func.sum(counts.notes).label("notes"), func.sum(counts.pain).label("pain"),
               func.sum(counts.delight).label("delight"))
        .where(counts.study_id.in_(list(studies)), counts.notes > 0, or_(
            counts.visit_id.in_(visit_ids), and_(counts.visit_id == NONE_ID, counts.participant_id.in_(person_ids))))
        .group_by(counts.study_id, counts.visit_id, counts.touchpoint_id, counts.role_id)).all()
    for row in rows:
        stage = stage_of.get(row.touchpoint_id, UNASSIGNED)
        visit = row.visit_id if row.visit_id != NONE_ID else (NO_VISIT, row.study_id)
        moment = moments.setdefault(visit, Moment(None, studies[row.study_id]))
        notes, pain, delight = int(row.notes), int(row.pain), int(row.delight)
        for tally in (moment.stages[stage], moment.total, story.stage_totals[stage], story.total,
                      story.role_stages[role_of.get(row.role_id), stage]):
            tally.add(notes, pain, delight)
    if any(stage == UNASSIGNED for stage in story.stage_totals):
        story.stages.append(UNASSIGNED)


def movement(story):
    """Per stage, the balance at each visit that saw it, oldest first: how it moved between visits."""
    moved = {}
    for stage in story.stages:
        seen = [(m, m.stages[stage].balance) for m in story.moments
                if m.visit is not None and m.stages.get(stage) and m.stages[stage].notes]
        if seen:
            moved[stage] = seen
    return moved


def gaps(story):
    """[(role, stages where no note of theirs was ever taken)], roles never seen at all included."""
    stages = [s for s in story.stages if s != UNASSIGNED]
    open_gaps = []
    for role in story.roles:
        unseen = [s for s in stages if not story.role_stages.get((role, s))]
        if unseen:
            open_gaps.append((role, unseen))
    return open_gaps


def note_condition(study_ids, visit_ids, person_ids):
    note = Observation
    return and_(note.study_id.in_(study_ids), note.deleted_at.is_(None), or_(
        note.visit_id.in_(visit_ids), and_(note.visit_id.is_(None), note.participant_id.in_(person_ids))))


def supported_insights(study_ids, condition, from_insights):
    """The insights grouping this account's notes, the most supported first.

    Read from whichever side is smaller. From the notes: the account's notes (through the visit index)
    joined to the insights grouping them. From the insights, when their studies group fewer notes than
    the account holds: each grouped note looked up by its key and kept if it is the account's. The
    OFFSET 0 keeps PostgreSQL from turning that look-up back into a read of all the account's notes
    (it plans by the account's size, not by how few notes are grouped); SQLite reads it as written."""
    notes = func.count(InsightNote.observation_id)
    query = select(Insight.study_id, Insight.id, Insight.statement, notes.label("notes")).join(
        InsightNote, InsightNote.insight_id == Insight.id)
    if from_insights:
        mine = select(Observation.id).where(Observation.id == InsightNote.observation_id, condition)
        query = query.where(Insight.study_id.in_(study_ids), mine.limit(1).offset(0).exists())
    else:
        query = query.join(Observation, Observation.id == InsightNote.observation_id).where(condition)
    return db.session.execute(query.group_by(Insight.study_id, Insight.id, Insight.statement)
                              .order_by(notes.desc(), Insight.id).limit(TOP_INSIGHTS)).all()


def latest_notes(study_ids, visits, person_ids, stage_of):
    """The account's latest notes: from its newest visits first (each visit's notes through the visit
    index, sorted there, never the account's thousands at once), and its notes on no visit; the first
    two visits and the notes on no visit in one round trip."""
    note = Observation
    columns = (note.id, note.study_id, note.kind, note.text, note.captured_at, note.touchpoint_id)
    live = and_(note.study_id.in_(study_ids), note.deleted_at.is_(None))
    newest = sorted(visits, key=lambda v: (v.visited_on, v.id), reverse=True)

    def latest(*where):
        return select(*columns).where(live, *where).order_by(note.captured_at.desc(), note.id).limit(LATEST_NOTES)

    on_no_visit = latest(note.visit_id.is_(None), note.participant_id.in_(person_ids)).subquery()
    rows = []
    for start in range(0, max(len(newest), 1), 2):
        batch = latest(note.visit_id.in_([v.id for v in newest[start:start + 2]])).subquery()
        query = union_all(select(on_no_visit), select(batch)) if start == 0 else select(batch)
        rows += db.session.execute(query).all()
        if len(rows) >= LATEST_NOTES:
            break
    rows = sorted(rows, key=lambda row: (row.captured_at, row.id), reverse=True)[:LATEST_NOTES]
    return [(row, stage_of.get(row.touchpoint_id, UNASSIGNED), Kind(row.kind)) for row in rows]

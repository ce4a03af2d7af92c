"""Counts kept on write (observations/summaries.py) never drift: every kind of write, then a recount.

After each write the kept counts of every study must equal a direct recount of its notes, and the
browse page and the journey matrix, which read them, must say what the notes say.
"""
import hashlib
import re
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict

from fieldnotes.auth.models import User
from fieldnotes.explore import facets as facets_module
from fieldnotes.explore.facets import counts, journey_filtered, matched_counts, organisations
from fieldnotes.explore.filters import Filters, attention_condition, conditions, parse_filters
from fieldnotes.extensions import db
from fieldnotes.observations import summaries, tags_on_row
from fieldnotes.observations.models import FacetCount, JourneyCount, Observation
from fieldnotes.studies.models import Role, Study, Tag, Touchpoint
from fieldnotes.visits.models import SiteVisit
from tests.factories import make_participant, make_study, make_user, make_visit, note_mutation
from tests.test_archive_roundtrip import export
from tests.test_import_csv import GOOD, import_file

DEVICE = "9b2f0f6e-4a53-4c52-9d0e-1f6a4f3d2c11"


def assert_no_drift(app, after):
    """Every study's kept counts are what a recount of its notes finds, and its filtered counts kept a while
    (explore/facet_cache.py: brought up to date with the notes written since, where no note counted before has
    changed) are what counting the notes finds; `after` names the write."""
    with app.app_context():
        dialect = db.engine.dialect.name
        if dialect == "postgresql":  # each note's tags kept on its row are its links' (observations/tags_on_row.py)
            assert db.session.scalars(text(tags_on_row.DIFFERING)).all() == [], f"tags on rows drift after {after}"
        for study_id in db.session.scalars(select(Study.id)):
            assert summaries.stored(study_id) == summaries.recount(study_id), f"drift after {after}"
            for filters in kept_a_while(study_id):
                assert plain(facets_module.counted(filters, dialect)) == plain(matched_counts(
                    filters, dialect, organisations(study_id))), f"filtered counts wrong after {after}: {filters}"
        db.session.rollback()


def kept_a_while(study_id):
    """Filters whose counts the browse page counts over the notes and keeps a while (not from the kept counts)."""
    tags = [str(t) for t in db.session.scalars(select(Tag.id).where(Tag.study_id == study_id).order_by(Tag.id))]
    queries = [{"q": ["invoice"]}, {"q": ['"invoice queue"'], "kind": ["quote", "idea"]},
               {"kind": ["quote", "breakdown"], "from": ["2026-03-01"]}, {"attention": ["1"], "q": ["note"]},
               {"tag": tags[:2]} if len(tags) > 1 else {"q": ["paper"]}]
    return [parse_filters(study_id, MultiDict([(k, v) for k, vs in q.items() for v in vs])) for q in queries]


def plain(tallies):
    """(found, total, attention) with each facet's values that have no note left out."""
    found, total, attention = tallies
    return {name: {v: n for v, n in values.items() if n} for name, values in found.items()}, total, attention


@pytest.fixture
def world(app, auth):
    """Ana owns a study (Rui researcher, Dee designer) with two visits and three participants."""
    with app.app_context():
        ana, rui, dee = (make_user(f"{n.lower()}@example.org", n) for n in ("Ana", "Rui", "Dee"))
        study = make_study(ana, researcher=rui, designer=dee)
        first = make_visit(study, organisation="Halloran Regional Logistics")
        second = make_visit(study, organisation="Meridian Dental Supply")
        people = [make_participant(study, [first]), make_participant(study, [second], organisation="Meridian"),
                  make_participant(study, [], organisation="Brightwater Marinas")]
        terms = {t.name: t.id for t in db.session.scalars(select(Touchpoint).where(Touchpoint.study_id == study.id))}
        roles = db.session.scalars(select(Role.id).where(Role.study_id == study.id).order_by(Role.id)).all()
        world = {"study": study.id, "touchpoints": list(terms.values()), "roles": roles,
                 "visits": [first.id, second.id], "people": [p.id for p in people]}
    auth.login("ana@example.org")
    return world


def push(client, *mutations):
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": list(mutations)})
    assert response.status_code == 200, response.json
    return response.json["results"]


def photo(slot="photo"):
    content = uuid.uuid4().bytes
    return {"id": str(uuid.uuid4()), "slot": slot, "sha256": hashlib.sha256(content).hexdigest(),
            "size": len(content), "mime": "image/jpeg" if slot == "photo" else "audio/webm"}


# Capture times over four UTC days, two of them given in other zones across midnight: the 11th at 23:30 in UTC-2
# is the 12th in UTC, the 12th at 00:10 in UTC+1 is the 11th (the days kept per journey cell are UTC days).
CAPTURED = ["2026-03-10T09:00:00+00:00", "2026-03-11T23:30:00-02:00", "2026-03-12T00:10:00+01:00",
            "2026-03-13T16:45:00+00:00", "2026-03-12T10:15:00+00:00"]


def varied_notes(world, count):
    """Notes spread over touchpoints, roles, kinds, visits, people, tags, media (some with none) and days."""
    kinds = ["observation", "quote", "breakdown", "workaround", "delight", "artifact", "idea"]
    notes = []
    for i in range(count):
        person = i % 4
        notes.append(note_mutation(
            world["study"], kind=kinds[i % len(kinds)], text=f"Note {i} about the invoice queue",
            captured_at=CAPTURED[(i // 2) % len(CAPTURED)],
            touchpoint_id=None if i % 5 == 0 else world["touchpoints"][i % len(world["touchpoints"])],
            role_id=None if i % 6 == 0 else world["roles"][i % len(world["roles"])],
            participant_id=None if person == 3 else world["people"][person],
            visit_id=world["visits"][0] if person == 0 else world["visits"][1] if person == 1 else None,
            tags=[["paper", "invoices"], ["paper"], [], ["month-end"]][i % 4],
            media=[photo()] if i % 3 == 0 else [photo(), photo("audio")] if i % 7 == 0 else []))
    return notes


def attention_count(filters, dialect_name):
    """The notes needing attention under every filter but needs-attention's own, counted note by note."""
    where = conditions(filters, dialect_name, skip="attention")
    return db.session.scalar(select(func.count()).select_from(Observation).where(*where, attention_condition()))


def two_authors_notes(client, auth, world, count, conflicts):
    """Ana's `count` varied notes, the first `conflicts` of them with a conflict kept (the attention count and filter
    have something to count), then nine of Rui's; Ana's pushed mutations."""
    pushed = varied_notes(world, count)
    push(client, *pushed)
    for mutation in pushed[:conflicts]:
        push(client, note_mutation(world["study"], op="update", entity_id=mutation["entity_id"], base_version=0,
                                   text="An older edit"))
    auth.login("rui@example.org")
    push(client, *varied_notes(world, 9))
    return pushed


def note_ids(app, study_id, **where):
    with app.app_context():
        query = select(Observation.id).where(Observation.study_id == study_id, Observation.deleted_at.is_(None))
        for name, value in where.items():
            query = query.where(getattr(Observation, name) == value)
        return [str(i) for i in db.session.scalars(query.order_by(Observation.seq))]


def version_of(app, note_id):
    with app.app_context():
        return db.session.get(Observation, uuid.UUID(note_id)).version


def tag_id(app, study_id, name):
    with app.app_context():
        return db.session.scalar(select(Tag.id).where(Tag.study_id == study_id, Tag.name == name))


def browse_numbers(client, study_id, query=""):
    """What the browse page says: (notes shown as matching, notes needing attention)."""
    page = client.get(f"/studies/{study_id}/notes{query}").get_data(as_text=True)
    total = re.search(r'<h2 id="results-heading">(\d+) note', page)
    attention = re.search(r'Needs attention <span class="count">\((\d+)\)', page)
    return int(total.group(1)), int(attention.group(1))


def live_count(app, study_id, **where):
    return len(note_ids(app, study_id, **where))


def test_every_kind_of_write_keeps_the_counts_a_recount_finds(app, client, auth, world, tmp_path):
    study, step = world["study"], "nothing"
    assert_no_drift(app, step)

    pushed = varied_notes(world, 40)
    assert {r["status"] for r in push(client, *pushed[:25])} == {"applied"}
    assert {r["status"] for r in push(client, *pushed[25:])} == {"applied"}
    assert_no_drift(app, "a push of new notes")

    first, second, third = (m["entity_id"] for m in pushed[:3])
    moved = note_mutation(study, op="update", entity_id=first, base_version=1, kind="delight",
                          touchpoint_id=world["touchpoints"][-1], role_id=None, participant_id=world["people"][2],
                          visit_id=None, tags=["month-end", "new tag"], media=[])
    assert [r["status"] for r in push(client, moved)] == ["applied"]
    assert_no_drift(app, "a push that updates a note (every field, its tags and media)")

    lost = note_mutation(study, op="update", entity_id=second, base_version=0, text="An older edit")
    assert [r["status"] for r in push(client, lost)] == ["conflict"]
    assert_no_drift(app, "a conflict kept")
    with app.app_context():
        assert summaries.facet_counts(study)["attention"] == {"": 1}

    assert [r["status"] for r in push(client, note_mutation(study, op="delete", entity_id=third,
                                                             base_version=1))] == ["applied"]
    assert_no_drift(app, "a push that deletes a note")
    recreated = note_mutation(study, op="update", entity_id=third, base_version=2, kind="quote", tags=["paper"])
    push(client, recreated)
    assert_no_drift(app, "a push that brings a deleted note back")

    auth.login("dee@example.org")
    edit = client.post(f"/studies/{study}/notes/{second}/edit",
                       data={"kind": "breakdown", "touchpoint_id": str(world["touchpoints"][0]), "role_id": "",
                             "base_version": str(version_of(app, second))})
    assert edit.status_code == 303, edit.get_data(as_text=True)
    assert_no_drift(app, "a web edit (which also settles the conflict)")
    with app.app_context():
        assert summaries.facet_counts(study).get("attention", {}) == {}

    some = note_ids(app, study)[5:20]
    for action, fields in (("add-tag", {"tag": "bulk tag"}), ("remove-tag", {"tag": "paper"}),
                           ("set-kind", {"value": "idea"}), ("set-touchpoint", {"value": "none"}),
                           ("set-role", {"value": str(world["roles"][0])})):
        response = client.post(f"/studies/{study}/notes/bulk", data={"note_ids": some, "action": action, **fields})
        assert response.status_code in (200, 303), response.get_data(as_text=True)
        assert_no_drift(app, f"bulk {action}")

    rename = client.post(f"/studies/{study}/tags/{tag_id(app, study, 'invoices')}/rename", data={"name": "Invoices"})
    assert rename.status_code == 303
    assert_no_drift(app, "a tag renamed")
    merge = client.post(f"/studies/{study}/tags/merge", data={"source_id": tag_id(app, study, "bulk tag"),
                                                              "target_id": tag_id(app, study, "month-end")})
    assert merge.status_code == 303
    assert_no_drift(app, "a tag merged into another")

    auth.login("ana@example.org")
    api = f"/api/v1/studies/{study}/notes"
    created = client.post(api, json={"kind": "quote", "text": "I retype it.", "tags": ["retyping"],
                                     "touchpoint_id": world["touchpoints"][1], "participant_id": world["people"][0],
                                     "visit_id": world["visits"][0]})
    assert created.status_code == 201, created.json
    assert_no_drift(app, "an API create")
    note = created.json
    assert client.patch(f"{api}/{note['id']}", json={"version": 1, "kind": "breakdown", "tags": []}).status_code == 200
    assert_no_drift(app, "an API update")
    assert client.delete(f"{api}/{note['id']}", query_string={"version": 2}).status_code == 204
    assert_no_drift(app, "an API delete")

    for notes, person in (("keep", world["people"][0]), ("delete", world["people"][1])):
        response = client.post(f"/studies/{study}/participants/{person}/erase", data={"confirm": "erase",
                                                                                     "notes": notes})
        assert response.status_code == 303, response.get_data(as_text=True)
        assert_no_drift(app, f"a participant erased ({notes} their notes)")

    app.config["CSV_IMPORT_DIR"] = str(tmp_path / "uploads")
    assert import_file(client, study, GOOD).status_code == 303
    assert_no_drift(app, "a CSV import")

    export(app, study, tmp_path / "study.zip")
    with app.app_context():
        make_user("rosa@example.org", name="Rosa")
    result = app.test_cli_runner().invoke(args=["import", "archive", str(tmp_path / "study.zip"),
                                                "--owner", "rosa@example.org"])
    assert result.exit_code == 0, result.output
    assert_no_drift(app, "an archive import")

    with app.app_context():
        imported = db.session.scalars(select(Study.id).order_by(Study.id.desc())).first()
        assert summaries.recount(imported)[0] and imported != study  # the imported study has notes to count
    live = live_count(app, study)
    assert browse_numbers(client, study) == (live, 0)
    matrix = " ".join(client.get(f"/studies/{study}/journey-matrix").get_data(as_text=True).split())
    assert f"{live} notes in all" in matrix


def test_rebuild_mends_counts_and_the_command_says_which_were_wrong(app, world, client):
    push(client, *varied_notes(world, 12))
    with app.app_context():
        right = summaries.stored(world["study"])
        db.session.execute(JourneyCount.__table__.update().values(notes=JourneyCount.notes + 5))
        db.session.execute(FacetCount.__table__.delete().where(FacetCount.facet == "tag"))
        db.session.commit()
        assert summaries.stored(world["study"]) != right
    result = app.test_cli_runner().invoke(args=["rebuild-summaries"])
    assert result.exit_code == 0 and f"counts were wrong in 1 (ids {world['study']})" in result.output
    with app.app_context():
        assert summaries.stored(world["study"]) == right == summaries.recount(world["study"])
    result = app.test_cli_runner().invoke(args=["rebuild-summaries"])
    assert "every count was already right" in result.output


def test_demo_seeds_keep_their_counts(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--notes", "300"])
    assert result.exit_code == 0, result.output
    assert_no_drift(app, "the demo seeds (the demo study, and a large one written as rows)")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Study)) == 2
        assert all(summaries.stored(s)[0] for s in db.session.scalars(select(Study.id)))


def test_a_filtered_browse_never_shows_counts_from_before_a_write(app, client, world):
    """Filtered counts are kept a while: a note written, a conflict kept or a visit renamed shows at once."""
    push(client, *varied_notes(world, 14))
    visit = world["visits"][1]
    query = f"?kind=quote&kind=breakdown&visit={visit}"

    def matching():
        return live_count(app, world["study"], visit_id=visit, kind="quote") + live_count(
            app, world["study"], visit_id=visit, kind="breakdown")
    before = matching()
    assert before and browse_numbers(client, world["study"], query) == (before, 0)
    push(client, note_mutation(world["study"], kind="quote", visit_id=visit, participant_id=world["people"][1]))
    assert browse_numbers(client, world["study"], query) == (before + 1, 0)

    note = note_ids(app, world["study"], visit_id=visit, kind="quote")[0]
    assert [r["status"] for r in push(client, note_mutation(world["study"], op="update", entity_id=note,
                                                             base_version=0, text="Lost"))] == ["conflict"]
    assert browse_numbers(client, world["study"], query) == (before + 1, 1)
    assert browse_numbers(client, world["study"], query + "&attention=1") == (1, 1)

    renamed = "?organisation=Renamed+Dental"
    assert browse_numbers(client, world["study"], renamed) == (0, 0)
    with app.app_context():
        db.session.get(SiteVisit, visit).organisation = "Renamed Dental"
        db.session.commit()
    assert browse_numbers(client, world["study"], renamed)[0] == live_count(app, world["study"], visit_id=visit)


def test_one_push_that_changes_the_same_notes_several_ways_keeps_the_counts(app, client, world):
    """A push's edits are counted from the notes it loaded with their row locks, gathered part by part
    (observations/summaries.py, Partial): the same note edited twice in one push, a refused edit between
    (its savepoint undone), a deletion of a note that needs attention, media dropped and added."""
    study = world["study"]
    pushed = varied_notes(world, 12)
    assert {r["status"] for r in push(client, *pushed)} == {"applied"}
    first, second, third, fourth, fifth = (m["entity_id"] for m in pushed[:5])
    assert [r["status"] for r in push(client, *(note_mutation(study, op="update", entity_id=note, base_version=0,
                                                              text="An older edit") for note in (third, fifth)))
            ] == ["conflict", "conflict"]
    assert_no_drift(app, "conflicts kept")

    twice = [note_mutation(study, op="update", entity_id=first, base_version=1, kind="delight", tags=["fresh"],
                           touchpoint_id=world["touchpoints"][1], media=[photo("audio")]),
             note_mutation(study, op="update", entity_id=second, base_version=1, touchpoint_id=10**6),
             note_mutation(study, op="update", entity_id=first, base_version=2, kind="breakdown", tags=[],
                           role_id=world["roles"][0], media=[]),
             note_mutation(study, op="update", entity_id=second, base_version=1, kind="idea", tags=["paper", "fresh"]),
             note_mutation(study, op="delete", entity_id=third, base_version=1),
             note_mutation(study, op="update", entity_id=fourth, base_version=0, text="Lost race"),
             note_mutation(study, op="update", entity_id=fifth, base_version=1, text="Settled", kind="quote")]
    assert [r["status"] for r in push(client, *twice)] == ["applied", "rejected", "applied", "applied", "applied",
                                                           "conflict", "applied"]
    assert_no_drift(app, "one push editing the same note twice, a refused edit, a deletion, a conflict kept "
                         "and a conflict settled")
    with app.app_context():
        assert summaries.facet_counts(study)["attention"] == {"": 1}  # the fourth: the third deleted, the fifth edited
        kinds = summaries.facet_counts(study)["kind"]
    assert sum(kinds.values()) == live_count(app, study) == 11


@pytest.mark.parametrize("facet", ["touchpoint", "role", "kind", "tag", "visit", "organisation", "participant",
                                   "author", "media"])
def test_a_facet_filtered_alone_counts_its_own_options_from_the_kept_counts_as_a_recount_does(app, client, world,
                                                                                            facet):
    """With one filter on, its own facet's options count under no filter: the kept counts, which must say what
    counting the notes says, value for value (touchpoint=none and the like included). With a touchpoint, role,
    visit or participant, the other facets of a journey cell and the total come from the kept cells as well."""
    push(client, *varied_notes(world, 30), *varied_notes(world, 30))  # twice: a cell holds several notes
    with app.app_context():
        dialect = db.engine.dialect.name
        everything = Filters(world["study"])
        options = [v for v, n in counts(everything, facet, dialect).items() if n]
        assert options
        for value in [getattr(v, "value", v) for v in options if v is not None or facet in ("touchpoint", "role")]:
            filters = Filters(world["study"], values={facet: [value]})
            found, total, _ = matched_counts(filters, dialect, organisations(world["study"]))
            for name in found:
                assert {v: n for v, n in found[name].items() if n} == counts(filters, name, dialect), (value, name)
            one_each = "touchpoint" if facet == "kind" else "kind"  # a facet every note has one value of
            assert total == sum(counts(filters, one_each, dialect).values()) > 0


def test_filters_on_the_journeys_facets_count_every_facet_from_kept_counts_as_counting_the_notes_does(
        app, client, world):
    """Touchpoint, role, visit, participant and organisation filters, alone and together (a matrix cell's
    touchpoint and role, "none" values, several values of one): every facet's options, the total and the
    attention count from the kept counts, value for value as counting the matching notes says."""
    pushed = [*varied_notes(world, 30), *varied_notes(world, 30)]
    push(client, *pushed)
    for mutation in pushed[:4]:  # conflicts kept: the attention count has something to count
        push(client, note_mutation(world["study"], op="update", entity_id=mutation["entity_id"], base_version=0,
                                   text="An older edit"))
    tp, roles, visits, people = world["touchpoints"], world["roles"], world["visits"], world["people"]
    combinations = [{"touchpoint": [tp[1]], "role": [roles[1]]}, {"touchpoint": [None], "role": [None]},
                    {"touchpoint": [tp[1], tp[2], None]}, {"role": [roles[2]], "participant": [people[1]]},
                    {"visit": [visits[0]], "organisation": ["Halloran Regional Logistics"]},
                    {"organisation": ["Meridian", "Brightwater Marinas"]},
                    {"touchpoint": [tp[3]], "visit": [visits[1]], "organisation": ["Meridian Dental Supply"]},
                    {"participant": [people[2]], "role": [roles[1], roles[3]]}]
    with app.app_context():
        dialect, orgs = db.engine.dialect.name, organisations(world["study"])
        assert attention_count(Filters(world["study"]), dialect) == 4
        for values in combinations:
            filters = Filters(world["study"], values=values)
            assert journey_filtered(filters)
            found, total, attention = matched_counts(filters, dialect, orgs)
            for name in found:
                assert {v: n for v, n in found[name].items() if n} == counts(filters, name, dialect), (values, name)
            assert total == sum(counts(filters, "kind", dialect).values()), values
            assert attention == attention_count(filters, dialect), values
        assert any(matched_counts(Filters(world["study"], values=v), dialect, orgs)[1] for v in combinations)


def test_date_filters_alone_or_with_the_journeys_facets_count_from_kept_counts_as_counting_the_notes_does(
        app, client, world):
    """A date filter (UTC days, as the browse page reads them), alone or beside touchpoint, role, visit,
    participant and organisation filters: every facet's options, the total and the attention count from the
    counts kept per cell and day, value for value as counting the matching notes says. Then edits move notes
    to other days and the counts follow."""
    pushed = varied_notes(world, 40)
    push(client, *pushed)
    for mutation in pushed[:3]:  # conflicts kept: the attention count has something to count
        push(client, note_mutation(world["study"], op="update", entity_id=mutation["entity_id"], base_version=0,
                                   text="An older edit"))
    tp, roles, visits = world["touchpoints"], world["roles"], world["visits"]
    days = [{"date_from": date(2026, 3, 12), "date_to": date(2026, 3, 12)},
            {"date_from": date(2026, 3, 11)}, {"date_to": date(2026, 3, 11)},
            {"date_from": date(2026, 3, 11), "date_to": date(2026, 3, 12)}]
    facets = [{}, {"touchpoint": [tp[1], None]}, {"role": [roles[2]], "visit": [visits[1]]},
              {"organisation": ["Meridian", "Brightwater Marinas"]}]

    def check():
        with app.app_context():
            dialect, orgs = db.engine.dialect.name, organisations(world["study"])
            seen = 0
            for when in days:
                for values in facets:
                    filters = Filters(world["study"], values=values, **when)
                    assert journey_filtered(filters)
                    found, total, attention = matched_counts(filters, dialect, orgs)
                    for name in found:
                        assert ({v: n for v, n in found[name].items() if n} == counts(filters, name, dialect)), (
                            when, values, name)
                    assert total == sum(counts(filters, "kind", dialect).values()), (when, values)
                    assert attention == attention_count(filters, dialect), (when, values)
                    seen += total
            return seen
    assert check()
    # What the researcher reads on the browse page for two days: the notes counted, and those needing attention.
    with app.app_context():
        filters = Filters(world["study"], date_from=date(2026, 3, 11), date_to=date(2026, 3, 12))
        dialect = db.engine.dialect.name
        counted = sum(counts(filters, "kind", dialect).values()), attention_count(filters, dialect)
    assert browse_numbers(client, world["study"], "?from=2026-03-11&to=2026-03-12") == counted
    moved = [note_mutation(world["study"], op="update", entity_id=m["entity_id"], base_version=1,
                           **{**m["data"], "captured_at": "2026-03-12T23:59:00-05:00"}) for m in pushed[10:16]]
    push(client, *moved)  # to the 13th in UTC: out of three of the date filters, into one
    with app.app_context():
        assert {str(n.captured_at.date()) for n in db.session.scalars(select(Observation).where(
            Observation.id.in_([uuid.UUID(m["entity_id"]) for m in moved])))} == {"2026-03-13"}
    assert check()


def test_one_value_of_another_facet_or_needs_attention_alone_counts_every_facet_from_kept_counts(app, client, auth,
                                                                                              world):
    """One kind, author, tag or media value alone (two kinds or two authors too: a note has one), or needs-attention
    alone, as a click on the browse page filters: every facet's options, the total and the attention count from
    the counts kept per pair of facet values, value for value as counting the matching notes says, with two
    authors' notes; again after a tag is merged into another (dropped) and notes are retagged and deleted."""
    pushed = two_authors_notes(client, auth, world, 30, conflicts=4)

    def check():
        with app.app_context():
            dialect, orgs, study = db.engine.dialect.name, organisations(world["study"]), world["study"]
            whole = summaries.facet_counts(study)
            tags, authors = sorted(whole["tag"]), sorted(whole["author"])
            cases = [{"kind": ["quote"]}, {"kind": ["breakdown", "workaround"]}, {"author": [authors[0]]},
                     {"author": authors}, *({"tag": [t]} for t in tags), {"media": ["photo"]}, {"media": ["audio"]}]
            filters_of = [Filters(study, values=v) for v in cases] + [Filters(study, attention=True)]
            for filters in filters_of:
                assert facets_module.one_value_filtered(filters), filters
                found, total, attention = matched_counts(filters, dialect, orgs)
                for name in found:
                    assert {v: n for v, n in found[name].items() if n} == counts(filters, name, dialect), (
                        filters, name)
                assert total == sum(counts(filters, "touchpoint", dialect).values()), filters
                assert attention == attention_count(filters, dialect), filters
            return sorted(db.session.get(Tag, t).name for t in tags), total
    assert check() == (["invoices", "month-end", "paper"], 4)  # four notes need attention
    # What the designer reads on the browse page with a tag clicked, and with needs-attention: notes and attention.
    paper = tag_id(app, world["study"], "paper")
    with app.app_context():
        dialect = db.engine.dialect.name
        shown = [(sum(counts(f, "kind", dialect).values()), attention_count(f, dialect))
                 for f in (Filters(world["study"], values={"tag": [paper]}), Filters(world["study"], attention=True))]
    assert [browse_numbers(client, world["study"], q) for q in (f"?tag={paper}", "?attention=1")] == shown
    assert shown[1] == (4, 4) and shown[0][0] > 0
    auth.login("ana@example.org")
    study = world["study"]
    merge = client.post(f"/studies/{study}/tags/merge", data={"source_id": tag_id(app, study, "paper"),
                                                              "target_id": tag_id(app, study, "invoices")})
    assert merge.status_code == 303  # "paper" dropped, its notes now "invoices"
    push(client, *(note_mutation(world["study"], op="update", entity_id=m["entity_id"], base_version=1,
                                 **{**m["data"], "tags": ["month-end", "late"], "kind": "idea"}) for m in pushed[4:8]),
         *(note_mutation(world["study"], op="delete", entity_id=m["entity_id"], base_version=1) for m in pushed[8:11]))
    assert check()[0] == ["invoices", "late", "month-end"]
    assert_no_drift(app, "a tag merged, notes retagged and deleted")


def test_a_filtered_browses_counts_stay_kept_through_writes_in_other_studies_only(app, client, world, monkeypatch):
    """Counted once, then kept: a push to another study leaves them kept (100 teams share one database); a push of
    new notes to this one has only those notes counted and added; an edit of a note counted before has them all
    counted again."""
    with app.app_context():
        ana = db.session.scalar(select(User).where(User.email == "ana@example.org"))
        other = make_study(ana, name="Renewals at small accounts").id
    notes = varied_notes(world, 14)
    push(client, *notes)
    windows = []
    counted_for_real = facets_module.matched_tallies
    monkeypatch.setattr(facets_module, "matched_tallies",
                        lambda filters, *a: windows.append(filters.changed) or counted_for_real(filters, *a))
    query = "?kind=quote&kind=breakdown&from=2026-03-01"  # counted: two kinds alone would be kept counts
    first = browse_numbers(client, world["study"], query)
    push(client, note_mutation(other, kind="quote"))
    assert browse_numbers(client, world["study"], query) == first and len(windows) == 1
    push(client, note_mutation(world["study"], kind="quote"))
    assert browse_numbers(client, world["study"], query) == (first[0] + 1, first[1]) and len(windows) == 2
    assert windows[0][0] is None and windows[1][0] == windows[0][1]  # all, then the notes written since only
    quote = next(m for m in notes if m["data"]["kind"] == "quote")  # all the notes are in March
    push(client, note_mutation(world["study"], op="update", entity_id=quote["entity_id"], base_version=1,
                               **{**quote["data"], "kind": "idea"}))
    assert browse_numbers(client, world["study"], query) == (first[0], first[1]) and windows[2][0] is None

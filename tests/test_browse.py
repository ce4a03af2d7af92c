"""The browse page: filters combined, order, facet counts, keyset pages across ties, safety, permissions."""
import re
import uuid
from dataclasses import replace
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from werkzeug.datastructures import MultiDict

from fieldnotes.explore import facets, listing
from fieldnotes.explore.filters import parse_filters
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Role, Touchpoint
from fieldnotes.visits.models import Participant, SiteVisit
from tests.factories import (add_member, make_conflict, make_observation, make_observations, make_participant,
                             make_study, make_user, make_visit, note_mutation)
from tests.statements import statements_during
from tests.test_summaries import attention_count

SHA = "ab" * 32


def media(slot):
    return {"id": str(uuid.uuid4()), "slot": slot, "sha256": SHA, "size": 1000,
            "mime": "image/jpeg" if slot == "photo" else "audio/mp4"}


@pytest.fixture
def field(app):
    """Study A with seven live notes and one deleted; study B with a note and a visit of its own."""
    with app.app_context():
        users = {r: make_user(f"{r}@example.org", name=f"{r.title()} Person")
                 for r in ("owner", "researcher", "designer", "viewer", "outsider")}
        study = make_study(users["owner"], researcher=users["researcher"], designer=users["designer"],
                           viewer=users["viewer"])
        other = make_study(users["outsider"], name="Renewals")
        add_member(other, users["designer"], "designer")  # a designer of both: B must not leak into A
        tp = [t.id for t in study.touchpoints]
        ro = [r.id for r in study.roles]
        v1 = make_visit(study, organisation="Halloran Logistics")
        v2 = make_visit(study, organisation="Meridian Dental")
        p1 = make_participant(study, visits=[v1], organisation="Halloran Logistics")
        p2 = make_participant(study, visits=[v2], organisation="Meridian Dental")
        p3 = make_participant(study, organisation="Castle Foods")
        r, o = users["researcher"], users["owner"]

        def note(author, text, day, hour, kind, touchpoint, role, participant, visit, tags=(), slots=()):
            return make_observation(study, author, text=text, kind=kind, touchpoint_id=touchpoint, role_id=role,
                                    participant_id=participant and participant.id, visit_id=visit and visit.id,
                                    tags=list(tags), media=[media(s) for s in slots],
                                    captured_at=f"2026-03-{day}T{hour:02d}:00:00+00:00").id
        ids = {
            "n1": note(r, "Invoice approval waits for the finance lead", 10, 9, "breakdown", tp[0], ro[0], p1, v1,
                       ["billing"], ["photo"]),
            "n2": note(o, "Keeps a paper list of overdue invoices", 10, 10, "workaround", tp[1], ro[0], p1, v1,
                       ["billing", "paper"]),
            "n3": note(r, "Loves the new dashboard", 11, 11, "delight", tp[1], ro[1], p2, v2, (), ["audio"]),
            "n4": note(r, "Printing every invoice twice", 11, 12, "breakdown", tp[2], ro[1], p2, v2, ["paper"]),
            "n5": note(o, "“We never trust the export”", 12, 8, "quote", None, None, p3, None, ["billing"],
                       ["photo", "audio"]),
            "n6": note(r, "Uses a spreadsheet for approvals", 12, 9, "observation", tp[0], ro[1], None, v1),
            "n7": note(o, "Export to CSV breaks accents", 13, 7, "breakdown", tp[4], ro[0], p1, v1),
        }
        make_conflict(db.session.get(Observation, ids["n6"]), r)
        gone = make_observation(study, r, text="Invoice note that was deleted", kind="breakdown",
                                touchpoint_id=tp[0])
        from fieldnotes.sync.push import push_batch
        [deleted] = push_batch(r, uuid.uuid4(), [note_mutation(study, op="delete", entity_id=gone.id,
                                                               base_version=gone.version)])
        assert deleted["status"] == "applied"
        other_visit = make_visit(other, organisation="Elsewhere Ltd")
        other_note = make_observation(other, users["outsider"], text="Invoice from study B", kind="breakdown",
                                      tags=["billing"], visit_id=other_visit.id)
        return SimpleNamespace(
            study=study.id, other=other.id, tp=tp, ro=ro, v1=v1.id, v2=v2.id, p1=p1.id,
            other_visit=other_visit.id, other_note=str(other_note.id), other_tp=other.touchpoints[0].id,
            billing=next(t.id for t in study.tags if t.name == "billing"), gone=str(gone.id),
            ids={k: str(v) for k, v in ids.items()}, users={k: u.id for k, u in users.items()})


def sign_in(auth, role):
    assert auth.login(f"{role}@example.org").status_code == 303


def listed(response, field):
    """The note names on a page, in order."""
    assert response.status_code == 200, response.get_data(as_text=True)[-600:]
    names = {v: k for k, v in field.ids.items()}
    found = re.findall(r'name="note_ids" value="([0-9a-f-]+)"', response.get_data(as_text=True))
    return [names.get(i, i) for i in found]


def notes_url(field, query=""):
    return f"/studies/{field.study}/notes{query}"


def test_newest_first_without_deleted_notes(client, auth, field):
    sign_in(auth, "designer")
    assert listed(client.get(notes_url(field)), field) == ["n7", "n6", "n5", "n4", "n3", "n2", "n1"]


def test_journey_order_is_touchpoint_then_time_with_unfiled_last(client, auth, field):
    sign_in(auth, "designer")
    assert listed(client.get(notes_url(field, "?order=journey")), field) == ["n1", "n6", "n2", "n3", "n4", "n7", "n5"]


@pytest.mark.parametrize("query, expected", [
    ("?kind=breakdown&touchpoint={tp0}&touchpoint={tp2}", ["n4", "n1"]),   # OR within, AND across
    ("?kind=breakdown&touchpoint={tp0}&touchpoint={tp2}&visit={v1}", ["n1"]),
    ("?organisation=Castle+Foods", ["n5"]),                           # a participant's organisation
    ("?organisation=Meridian+Dental&organisation=Castle+Foods", ["n5", "n4", "n3"]),
    ("?tag={billing}&media=photo", ["n5", "n1"]),
    ("?media=audio&media=photo&kind=delight", ["n3"]),
    ("?from=2026-03-11&to=2026-03-12", ["n6", "n5", "n4", "n3"]),
    ("?attention=1", ["n6"]),
    ("?author={owner}&role={ro0}", ["n7", "n2"]),
    ("?touchpoint=none&role=none", ["n5"]),
    ("?participant={p1}&q=invoice*", ["n2", "n1"]),
    ("?q=invoice&kind=breakdown", ["n4", "n1"]),
    ("?organisation=Nobody+Ltd", []),
])
def test_filters_combine(client, auth, field, query, expected):
    sign_in(auth, "designer")
    url = notes_url(field, query.format(tp0=field.tp[0], tp2=field.tp[2], v1=field.v1, billing=field.billing,
                                        owner=field.users["owner"], ro0=field.ro[0], p1=field.p1))
    assert listed(client.get(url), field) == expected


def direct_counts(sql, **params):
    return {row[0]: row[1] for row in db.session.execute(text(sql), params)}


def test_facet_counts_match_direct_queries(app, field):
    """Each facet counts under the other filters only; checked against hand-written SQL."""
    with app.app_context():
        dialect = db.engine.dialect.name
        args = MultiDict([("kind", "breakdown"), ("touchpoint", str(field.tp[0])), ("touchpoint", str(field.tp[2]))])
        by_name = {f.name: {o.value: o.count for o in f.options}
                   for f in facets.facets(parse_filters(field.study, args), dialect, listing.lookups(field.study))[0]}
        live = "study_id = :s AND deleted_at IS NULL"
        assert by_name["touchpoint"] == direct_counts(
            f"SELECT touchpoint_id, count(*) FROM observation WHERE {live} AND kind = 'breakdown' "
            "GROUP BY touchpoint_id", s=field.study)
        assert by_name["kind"] == direct_counts(
            f"SELECT kind, count(*) FROM observation WHERE {live} AND touchpoint_id IN (:a, :b) GROUP BY kind",
            s=field.study, a=field.tp[0], b=field.tp[2])
        assert by_name["kind"] == {"breakdown": 2, "observation": 1}
        assert by_name["tag"] == direct_counts(
            f"SELECT t.tag_id, count(*) FROM observation o JOIN observation_tag t ON t.observation_id = o.id "
            f"WHERE o.{live.replace('AND ', 'AND o.')} AND o.kind = 'breakdown' AND o.touchpoint_id IN (:a, :b) "
            "GROUP BY t.tag_id", s=field.study, a=field.tp[0], b=field.tp[2])
        assert by_name["organisation"] == {"Halloran Logistics": 1, "Meridian Dental": 1}
        assert by_name["media"] == {"photo": 1}
        everything = {f.name: {o.value: o.count for o in f.options}
                      for f in facets.facets(parse_filters(field.study, MultiDict()), dialect,
                                             listing.lookups(field.study))[0]}
        assert everything["organisation"] == {"Halloran Logistics": 4, "Meridian Dental": 2, "Castle Foods": 1}
        assert everything["media"] == {"photo": 2, "audio": 2}
        assert everything["author"] == {field.users["owner"]: 3, field.users["researcher"]: 4}
        for name in ("touchpoint", "role", "visit", "participant"):  # summed from the kept journey rows
            direct = direct_counts(f"SELECT {name}_id, count(*) FROM observation WHERE {live} GROUP BY {name}_id",
                                   s=field.study)
            shown_none = name in ("touchpoint", "role")  # "No touchpoint"; no visit is not a visit to choose
            assert everything[name] == {v: n for v, n in direct.items() if v is not None or shown_none}, name
        assert attention_count(parse_filters(field.study, MultiDict()), dialect) == 1


def test_counts_show_beside_each_value(client, auth, field):
    sign_in(auth, "designer")
    page = client.get(notes_url(field, f"?touchpoint={field.tp[0]}")).get_data(as_text=True)
    assert re.search(r"Breakdown <span class=\"count\">\(1\)</span>", page)
    assert re.search(r"Observation <span class=\"count\">\(1\)</span>", page)
    # The touchpoint facet ignores its own filter: other touchpoints are still offered with counts.
    assert re.search(r"Purchase <span class=\"count\">\(2\)</span>", page)
    assert "2 notes match" in page


@pytest.mark.parametrize("order", ["newest", "journey"])
def test_keyset_pages_cover_ties_exactly_once(app, client, auth, field, monkeypatch, order):
    """Fifty notes captured at the same second, twenty a page: each appears once, in a stable order."""
    monkeypatch.setattr(listing, "PAGE_SIZE", 20)
    with app.app_context():
        from fieldnotes.studies.models import Study
        study = db.session.get(Study, field.study)
        made = make_observations(study, db.session.get(type(study.memberships[0].user), field.users["researcher"]),
                                 [{"text": f"Tied note {i}", "captured_at": "2026-04-01T09:00:00+00:00",
                                   "touchpoint_id": field.tp[3]} for i in range(50)])
        tied = {str(n.id) for n in made}
    sign_in(auth, "designer")
    seen, url, pages = [], notes_url(field, f"?order={order}"), 0
    while url:
        page = client.get(url)
        seen += listed(page, field)
        pages += 1
        found = re.search(r'rel="next" href="([^"]+)"', page.get_data(as_text=True))
        url = found and found.group(1).replace("&amp;", "&")
    assert pages == 3  # 57 notes: 20 + 20 + 17
    assert len(seen) == len(set(seen)) == 57
    assert tied <= set(seen)
    in_tie = [i for i in seen if i in tied]
    assert in_tie == sorted(tied, reverse=(order == "newest"))


def test_next_page_keeps_the_filters(client, auth, field, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 1)
    sign_in(auth, "designer")
    first = client.get(notes_url(field, "?kind=breakdown&q=invoice"))
    assert listed(first, field) == ["n4"]
    link = re.search(r'rel="next" href="([^"]+)"', first.get_data(as_text=True)).group(1).replace("&amp;", "&")
    assert "kind=breakdown" in link and "q=invoice" in link
    second = client.get(link)
    assert listed(second, field) == ["n1"]
    assert 'rel="next"' not in second.get_data(as_text=True)


def test_few_matching_notes_are_judged_beside_the_study_s_notes(app):
    """A filter's notes are found and sorted when they are few beside the study's (10 x the square root of its notes:
    245 of 600), and walked to newest first when many: two tags on 8 % of 100k notes were found and sorted in 54 ms
    where the walk meets 50 in 5. Either way, the same notes in the same order, page for page."""
    with app.app_context():
        user = make_user()
        study = make_study(user)
        for start in range(0, 600, 200):
            make_observations(study, user, [
                {"text": f"Note {i}", "tags": ["busy"] + (["rare"] if i % 60 == 1 else []) if i % 2 else [],
                 "captured_at": f"2026-03-{1 + i % 28:02}T{i % 24:02}:00:00+00:00"} for i in range(start, start + 200)])
        tags = {t.name: t.id for t in study.tags}
        dialect = db.engine.dialect.name
        assert facets.summaries.live_notes(study.id) == 600
        for name, matching in (("busy", 300), ("rare", 10)):
            filters = parse_filters(study.id, MultiDict({"tag": str(tags[name])}))
            assert facets.counted(filters, dialect)[1] == matching
            sql = str(listing.page_query(filters, dialect, matching).compile(dialect=db.engine.dialect))
            sorted_first = "coalesce(observation.captured_at, observation.captured_at)" in sql
            assert sorted_first == (name == "rare"), (name, sql)
            pages = {}
            for told in (None, matching, 10**9, 0):
                seen, after = [], None
                while True:
                    notes, after = listing.browse_page(replace(filters, after=after), dialect, told)
                    seen += [n.id for n in notes]
                    if not after:
                        break
                pages[told] = seen
            assert len(pages[None]) == len(set(pages[None])) == matching
            assert pages[None] == pages[matching] == pages[10**9] == pages[0], name


def test_search_highlights_words_and_escapes_the_note(app, client, auth, field):
    with app.app_context():
        from fieldnotes.studies.models import Study
        study = db.session.get(Study, field.study)
        make_observation(study, db.session.get(type(study.memberships[0].user), field.users["researcher"]),
                         text='<script>alert("x")</script> invoice & <mark>fake</mark> <b>bold</b>')
    sign_in(auth, "designer")
    page = client.get(notes_url(field, "?q=invoice+%3Cb%3E")).get_data(as_text=True)
    assert "<script>alert" not in page and "<b>bold" not in page and "<mark>fake" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; <mark>invoice</mark> &amp; &lt;mark&gt;fake" in page
    assert "&lt;<mark>b</mark>&gt;<mark>bold</mark>" not in page  # only searched words are marked
    assert "&lt;<mark>b</mark>&gt;" in page  # "b" was searched: marked inside the escaped tag text, safely
    assert 'value="invoice &lt;b&gt;"' in page


def note_rows(page):
    """{note id: the HTML of its row}, as the page lists them."""
    return dict(re.findall(r'name="note_ids" value="([0-9a-f-]+)"(.*?)(?=name="note_ids"|</ol>)', page, re.S))


def shown_parts(row):
    """What a note's row shows of its note: its author, its chips (attention, media, tags) and its terms."""
    chips = [re.sub(r"\s+", " ", chip) for chip in re.findall(r'<li class="chip[^"]*">([^<]*)</li>', row)]
    meta = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", re.search(r'<p class="meta">(.*?)</p>', row, re.S)[1]))
    return chips, meta


@pytest.mark.parametrize("query", ["", "?q=invoice", "?order=journey"])
def test_each_note_s_row_shows_its_own_author_terms_tags_and_media(app, client, auth, field, query):
    """Each row names its note's author, touchpoint, role, participant and visit, then its chips: needs attention,
    its media oldest first, its tags by name. Checked against the notes as the model has them."""
    sign_in(auth, "designer")
    rows = note_rows(client.get(notes_url(field, query)).get_data(as_text=True))
    assert rows, "no notes listed"
    with app.app_context():
        for note_id, row in rows.items():
            note = db.session.get(Observation, uuid.UUID(note_id))
            chips, meta = shown_parts(row)
            expected = (["Needs attention"] if note_id == field.ids["n6"] else []) + [
                "Photo" if m.slot == "photo" else "Audio" for m in note.media] + [t.name for t in note.tags]
            assert chips == expected, (note.text, chips)
            terms = [note.touchpoint_id and db.session.get(Touchpoint, note.touchpoint_id).name,
                     note.role_id and db.session.get(Role, note.role_id).name,
                     note.participant_id and db.session.get(Participant, note.participant_id).pseudonym,
                     note.visit_id and db.session.get(SiteVisit, note.visit_id).organisation]
            assert meta.count(" · ") == sum(map(bool, terms)) + 2, meta  # the kind, the terms, author, time
            assert all(term in meta for term in terms if term) and f"· {note.author.name} ·" in meta, meta


def test_a_page_s_notes_tags_media_and_authors_are_read_in_one_statement(app, client, auth, field):
    """Beside the notes' own statement, one more reads what their rows show of other tables: the ORM's eager loads
    sent three (tags, media, authors)."""
    sign_in(auth, "designer")
    parts = ("JOIN tag ON", "FROM attachment", "user.name")
    sent = statements_during(app, lambda: client.get(notes_url(field)),
                             lambda statement: "observation_tag" in statement or "FROM attachment" in statement)
    assert len(sent) == 1 and all(part in sent[0].replace('"', "") for part in parts), sent  # PostgreSQL: "user"


def test_a_page_with_no_highlight_asks_for_no_highlight_s_source(app, client, auth, field):
    """The notes' one statement of their parts says which are highlights (none of this study's): their sources and
    spans are read only for those (tests/test_highlights.py shows them on a page that has one)."""
    sign_in(auth, "designer")
    sources = statements_during(app, lambda: client.get(notes_url(field)),
                                lambda statement: statement.startswith("SELECT highlight.observation_id"))
    assert sources == []


def test_no_note_needs_attention_then_none_is_looked_for(app, client, auth, field):
    """The page knows how many of the notes found need attention (n6 has a conflict): when none does, it sends no
    statement to find which of its notes do, and shows no such chip."""
    sign_in(auth, "designer")
    looking = lambda statement: statement.startswith("SELECT revision.observation_id")  # noqa: E731
    pages = []
    for query in ("", "?kind=breakdown"):
        sent = statements_during(app, lambda: pages.append(client.get(notes_url(field, query)).get_data(as_text=True)),
                                 looking)
        assert len(sent) == (0 if query else 1), (query, sent)
    with_n6, without = ({note_id for note_id, row in note_rows(page).items() if "Needs attention</li>" in row}
                        for page in pages)
    assert with_n6 == {field.ids["n6"]} and without == set()


def test_a_designer_of_two_studies_sees_only_the_one_asked_for(client, auth, field):
    sign_in(auth, "designer")
    page = client.get(notes_url(field, "?q=invoice")).get_data(as_text=True)
    assert field.other_note not in page and "study B" not in page and "Elsewhere" not in page
    assert re.search(r"billing <span class=\"count\">\(1\)</span>", page)  # n1; "invoices" is another word
    # The tag "billing" exists in both studies: its count is study A's only.
    everything = client.get(notes_url(field)).get_data(as_text=True)
    assert re.search(r"billing <span class=\"count\">\(3\)</span>", everything)
    other = client.get(f"/studies/{field.other}/notes?q=invoice")
    assert listed(other, field) == [field.other_note]


@pytest.mark.parametrize("query, message", [
    ("?visit={other_visit}", "The visit filter names a visit that is not in this study."),
    ("?touchpoint={other_tp}", "The touchpoint filter names a touchpoint that is not in this study."),
    ("?author={outsider}", "The author filter names an author that is not in this study."),
    ("?visit=abc", "The visit filter needs a number; “abc” is not one."),
    ("?visit=99999999999", "The visit filter needs a number; “99999999999” is not one."),
    ("?participant=-1", "The participant filter needs a number"),
    ("?kind=bogus", "The kind filter must be one of: observation, quote"),
    ("?media=video", "The media filter must be one of: photo, audio"),
    ("?order=random", "The order filter must be one of: newest, journey"),
    ("?attention=yes", "The attention filter must be one of: 0, 1"),
    ("?from=2026-13-01", "The “From” date must look like 2026-03-12"),
    ("?to=12/03/2026", "The “To” date must look like 2026-03-12"),
    ("?from=2026-03-12&to=2026-03-01", "The “From” date is after the “To” date."),
    ("?after=not-a-cursor", "This page link is not valid"),
    ("?q=" + "a" * 201, "The search is too long (at most 200 characters)."),
    ("?organisation=Acme%00", "The organisation filter contains characters that are not allowed."),
])
def test_bad_filters_are_refused_with_a_reason(client, auth, field, query, message):
    sign_in(auth, "designer")
    response = client.get(notes_url(field, query.format(other_visit=field.other_visit, other_tp=field.other_tp,
                                                        outsider=field.users["outsider"])))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_cursor_from_the_other_order_is_refused(client, auth, field, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    sign_in(auth, "designer")
    page = client.get(notes_url(field)).get_data(as_text=True)
    cursor = re.search(r'rel="next" href="[^"]*after=([^"&]+)', page).group(1)
    assert client.get(notes_url(field, f"?order=journey&after={cursor}")).status_code == 400


def test_harmless_oddities_are_ignored(client, auth, field):
    sign_in(auth, "designer")
    assert len(listed(client.get(notes_url(field, "?visit=&from=&unknown=1&q=%22")), field)) == 7
    assert listed(client.get(notes_url(field, "?q=%2A")), field)  # only '*': no words, no search
    assert len(listed(client.get(notes_url(field, "?q=%00%22AND%28")), field)) == 0  # the word "and": none here


@pytest.mark.parametrize("role, status", [("owner", 200), ("researcher", 200), ("designer", 200),
                                          ("viewer", 403), ("outsider", 404)])
def test_who_may_browse(client, auth, field, role, status):
    sign_in(auth, role)
    assert client.get(notes_url(field)).status_code == status


def test_signed_out_people_are_sent_to_sign_in(client, field):
    assert client.get(notes_url(field)).status_code in (302, 303)


def test_the_study_page_links_to_browse_for_note_readers(client, auth, field):
    sign_in(auth, "designer")
    assert f'href="/studies/{field.study}/notes"' in client.get(f"/studies/{field.study}").get_data(as_text=True)
    auth.logout()
    sign_in(auth, "viewer")
    assert f'href="/studies/{field.study}/notes"' not in client.get(f"/studies/{field.study}").get_data(as_text=True)

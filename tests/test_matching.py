"""Under a search or filters no kept count answers, the browse page counts every facet over the matching notes,
found once and grouped in one statement (explore/matching.py). Each facet, the total and the attention count must
be what counting facet by facet says, on both databases."""
import re
from urllib.parse import parse_qsl

import pytest
from werkzeug.datastructures import MultiDict

from fieldnotes.explore import facets
from fieldnotes.explore.facets import counts, matched_counts, organisations
from fieldnotes.explore.filters import parse_filters
from fieldnotes.extensions import db
from tests.factories import note_mutation
from tests.statements import statements_during
from tests.test_summaries import (attention_count, browse_numbers, photo, push, tag_id,  # noqa: F401
                                  two_authors_notes, varied_notes, world)  # the fixture


def counted_cases(app, world):  # noqa: F811
    """The browse page's query strings that are counted over their notes: searches (a word, a tag's name, a phrase,
    a phrase that is a tag's name, a prefix), beside facets, two tags, both media, dates, needs-attention."""
    study = world["study"]
    paper, month_end = tag_id(app, study, "paper"), tag_id(app, study, "month-end")
    touchpoint, role = world["touchpoints"][1], world["roles"][2]
    return ["q=queue", "q=paper", 'q="invoice queue"', 'q="month end"', "q=Note+1*", "q=invoice&kind=quote",
            f"q=queue&tag={paper}&touchpoint={touchpoint}", f"tag={paper}&tag={month_end}", "media=photo&media=audio",
            f"kind=quote&touchpoint={touchpoint}", f"tag={paper}&role={role}", f"tag={month_end}&from=2026-03-12",
            "attention=1&kind=observation", "attention=1&q=queue", f"attention=1&tag={paper}",
            f"organisation=Halloran+Regional+Logistics&tag={paper}"]


def test_every_facet_of_the_notes_a_counted_filter_keeps_is_what_counting_facet_by_facet_says(app, client, auth,
                                                                                             world):  # noqa: F811
    two_authors_notes(client, auth, world, 40, conflicts=5)
    cases = counted_cases(app, world)
    with app.app_context():
        dialect, orgs = db.engine.dialect.name, organisations(world["study"])
        totals = []
        for query in cases:
            filters = parse_filters(world["study"], MultiDict(parse_qsl(query)))
            assert not (facets.journey_filtered(filters) or facets.one_value_filtered(filters)), query  # counted
            found, total, attention = matched_counts(filters, dialect, orgs)
            for name in found:
                assert {v: n for v, n in found[name].items() if n} == counts(filters, name, dialect), (query, name)
            assert total == sum(counts(filters, "author", dialect).values()), query  # one author each, unfiltered
            assert attention == attention_count(filters, dialect), query
            totals.append((total, attention))
    assert all(total for total, _ in totals), dict(zip(cases, totals))  # each case has notes to count
    assert any(attention for _, attention in totals) and any(not attention for _, attention in totals)
    # What the designer reads on the page: the same numbers.
    assert browse_numbers(client, world["study"], f"?{cases[6]}") == totals[6]
    assert browse_numbers(client, world["study"], f"?{cases[13]}") == totals[13]


def counting_the_notes(app, client, study_id, query):
    """(what the browse page says, the statements it sent that count notes: not the kept counts' tables, not the
    study's state)."""
    def counting(statement):
        return "count(" in statement and "FROM observation" in statement and "sync_state" not in statement
    numbers = []
    sent = statements_during(app, lambda: numbers.append(browse_numbers(client, study_id, f"?{query}")), counting)
    return numbers[0], [" ".join(statement.split()) for statement in sent]


def test_a_search_s_notes_are_found_once_and_every_facet_counted_in_one_statement(app, client, world):  # noqa: F811
    """What the README promises of a search's first view, kept a while, and brought up to date after a push."""
    push(client, *varied_notes(world, 24))
    study = world["study"]
    paper = tag_id(app, study, "paper")
    with app.app_context():  # a note's tags: from its links, or on PostgreSQL from its row (tags_on_row.py)
        postgresql = db.engine.dialect.name == "postgresql"
        tags = "matched.tag_ids" if postgresql else "observation_tag"
        tags_of_notes = "GROUP BY observation.tag_ids" if postgresql else "observation_tag"
    shown, sent = counting_the_notes(app, client, study, "q=queue")
    assert shown == (24, 0) and len(sent) == 1, sent
    assert sent[0].startswith("WITH matched") and tags in sent[0] and "attachment" in sent[0]
    # The journey's facets, the people's, tags, media: one statement. On PostgreSQL the notes are grouped in one
    # pass (matching.grouped_once) and read again only for their media; on SQLite each facet is an arm of a UNION.
    assert sent[0].count("FROM matched") == (2 if postgresql else 4), sent[0]
    assert ("GROUPING SETS" in sent[0]) == postgresql
    assert counting_the_notes(app, client, study, "q=queue") == ((24, 0), [])  # kept a while

    # A facet whose filter is on is counted under the other filters: a second statement, for the tags.
    shown, sent = counting_the_notes(app, client, study, f"q=queue&tag={paper}")
    assert shown == (12, 0) and len(sent) == 2 and tags_of_notes in sent[1], sent
    # Beside a touchpoint, the kind's own counts are read from the counts kept on write: only the shared statement.
    shown, sent = counting_the_notes(app, client, study, f"kind=quote&touchpoint={world['touchpoints'][1]}")
    assert len(sent) == 1 and sent[0].startswith("WITH matched"), sent

    # A phone pushes a new note: the next view counts it alone, by its change number, and adds it.
    push(client, note_mutation(study, kind="quote", text="The invoice queue again"))
    shown, sent = counting_the_notes(app, client, study, "q=queue")
    assert shown == (25, 0) and len(sent) == 1 and "observation.seq >" in sent[0], sent


def test_several_tags_alone_are_counted_with_the_study_s_kept_counts_read_once(app, client, world):  # noqa: F811
    """Two tags, the only filter on: the tag facet's own counts are the study's (what each tag would add), read with
    the kept counts the counting statement needed already. Not read again beside the journey's sums, which the tag
    facet does not show. The tags' counts on the page are their notes', as their links give them."""
    push(client, *varied_notes(world, 24))
    study = world["study"]
    paper, month_end = tag_id(app, study, "paper"), tag_id(app, study, "month-end")
    pages = []
    kept = statements_during(app, lambda: pages.append(client.get(
        f"/studies/{study}/notes?tag={paper}&tag={month_end}").get_data(as_text=True)),
        lambda statement: statement.startswith("SELECT facet_count.facet,") or "FROM journey_count" in statement)
    assert len(kept) == 1 and kept[0].startswith("SELECT facet_count.facet,"), kept  # the study's, by facet
    shown = dict(re.findall(r'name="tag" value="(\d+)".*?<span class="count">\((\d+)\)', pages[0], re.S))
    assert shown == {str(paper): "12", str(month_end): "6", str(tag_id(app, study, "invoices")): "6"}, shown


def test_in_a_study_with_no_photo_or_audio_a_search_looks_for_none(app, client, world):  # noqa: F811
    """The study's kept counts say no note has media: the counting statement leaves them out, and the page offers
    no media filter. Once one note has a photo, the search counts it."""
    study = world["study"]
    push(client, *(note_mutation(study, kind="quote", text=f"The invoice queue, {i}") for i in range(6)))
    shown, sent = counting_the_notes(app, client, study, "q=queue")
    page = client.get(f"/studies/{study}/notes?q=queue").get_data(as_text=True)
    assert shown == (6, 0) and len(sent) == 1 and "attachment" not in sent[0], sent
    assert 'name="media"' not in page

    push(client, note_mutation(study, kind="quote", text="The invoice queue, photographed", media=[photo()]))
    shown, sent = counting_the_notes(app, client, study, "q=queue")
    page = client.get(f"/studies/{study}/notes?q=queue").get_data(as_text=True)
    assert shown == (7, 0) and len(sent) == 1 and "attachment" in sent[0], sent
    assert re.search(r'value="photo">\s*<label[^>]*>Has a photo <span class="count">\(1\)', page), page


def test_a_search_that_finds_no_note_asks_the_database_for_no_names(app, client, world):  # noqa: F811
    """With no note found there is no tag or author to name, so no statement goes to look them up by no ids (SQL
    that SQLAlchemy writes as `IN (NULL) AND (1 != 1)`, a round trip that can find nothing)."""
    push(client, *varied_notes(world, 6))
    numbers = []
    empty = statements_during(app, lambda: numbers.append(browse_numbers(client, world["study"], "?q=zebra")),
                              lambda statement: "1 != 1" in statement or "1!=1" in statement)
    assert numbers == [(0, 0)]
    assert empty == []


@pytest.mark.parametrize("query", ["", "?q=queue", "?q=zebra"])
def test_the_browse_page_reads_the_study_s_terms_and_fieldwork_once(app, client, world, query):  # noqa: F811
    """The names of the study's touchpoints, roles, participants and visits label the notes, and the visits' and
    participants' organisations say each note's: one statement reads them all, for both."""
    push(client, *varied_notes(world, 6))
    tables = ("FROM touchpoint", "FROM role", "FROM participant", "FROM site_visit")
    reads = statements_during(app, lambda: client.get(f"/studies/{world['study']}/notes{query}"),
                              lambda statement: any(table in statement for table in tables))
    assert len(reads) == 1 and all(table in reads[0] for table in tables), reads

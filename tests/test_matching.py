"""Under a search or filters no kept count answers, the browse page counts every facet over the matching notes,
found once and grouped in one statement (explore/matching.py). Each facet, the total and the attention count must
be what counting facet by facet says, on both databases."""
from urllib.parse import parse_qsl

from werkzeug.datastructures import MultiDict

from fieldnotes.explore import facets
from fieldnotes.explore.facets import counts, matched_counts, organisations
from fieldnotes.explore.filters import parse_filters
from fieldnotes.extensions import db
from tests.test_summaries import (attention_count, browse_numbers, tag_id, two_authors_notes,  # noqa: F401
                                  world)  # the fixture


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

"""A first view of filters that keep many notes lists them at once and counts them after (explore/browse.py).

In time order, when a walk through the newest notes fills the page: the page comes without its counts, and its
script asks browse_counts for them. Few notes, journey order, or "Show the counts" (counts=now): counted while the
page waits, as before. The browser's side is in tests/browser/test_browse.py.
"""
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from tests.factories import PASSWORD, make_observations, make_study, make_user

KINDS = ("breakdown", "workaround", "quote")
START = datetime(2026, 3, 1, tzinfo=UTC)


def drawn(i):
    """Note i of the study: most say "invoice", every seventh does not; kinds, touchpoints and a tag in turn."""
    return {"text": f"Courier {i} came late" if i % 7 == 0 else f"Invoice {i} keyed twice", "kind": KINDS[i % 3],
            "captured_at": (START + timedelta(minutes=i)).isoformat(), "tags": ["paper"] if i % 5 == 0 else []}


@pytest.fixture
def many(app, auth):
    """Ana's study of 300 notes, 257 of them about invoices; Ana signed in."""
    with app.app_context():
        ana = make_user("ana@example.org", name="Ana")
        study = make_study(ana)
        touchpoints = [t.id for t in study.touchpoints][:4]
        make_observations(study, ana, [{**drawn(i), "touchpoint_id": touchpoints[i % 4]} for i in range(300)])
        study_id = study.id
    assert auth.login().status_code == 303
    invoices = [i for i in range(300) if i % 7]
    return {"study": study_id, "invoices": invoices, "touchpoints": touchpoints,
            "kinds": Counter(KINDS[i % 3] for i in invoices)}


def page(client, many, query):
    response = client.get(f"/studies/{many['study']}/notes?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[-500:]
    return response.get_data(as_text=True)


def listed_texts(html):
    return re.findall(r'<p class="note-text" id="text-[^"]+"><a [^>]+>([^<]*(?:<mark>[^<]*</mark>[^<]*)*)</a>', html)


def counts_url(html):
    found = re.search(r'data-counts="([^"]+)"', html)
    return found and unescape(found.group(1))


def option_counts(html):
    """{label: count} of the filters' options as shown."""
    return {label.strip(): int(n) for label, n in
            re.findall(r'<label for="f-[^"]+">([^<]+) <span class="count">\((\d+)\)</span>', html)}


def heading(html):
    return re.sub(r"<[^>]+>", "", re.search(r'<h2 id="results-heading"[^>]*>(.*?)</h2>', html, re.S).group(1)).strip()


def test_many_notes_found_are_listed_at_once_and_counted_after(client, many):
    first = page(client, many, "q=invoice")
    assert heading(first) == "Notes that match (counting…)"
    assert '<h2 id="results-heading" aria-live="polite">' in first  # the number is said when it comes
    assert option_counts(first) == {}  # no number on the page that is not yet counted
    assert "Show the counts" in first and 'aria-busy="true"' in first
    assert len(listed_texts(first)) == 50

    answer = client.get(counts_url(first), headers={"Accept": "application/json"})
    assert answer.status_code == 200
    counts = answer.get_json()
    assert counts["total"] == len(many["invoices"]) == 257
    assert counts["heading"] == "257 notes match"
    shown = option_counts(counts["options"])
    assert {kind.title(): shown[kind.title()] for kind in KINDS} == {k.title(): n for k, n in many["kinds"].items()}
    assert shown["paper"] == sum(1 for i in many["invoices"] if i % 5 == 0)

    again = page(client, many, "q=invoice")  # the counts are kept now: the page has them while it is made
    assert heading(again) == "257 notes match" and counts_url(again) is None
    assert option_counts(again) == shown
    assert listed_texts(again) == listed_texts(first)


def test_the_list_before_its_counts_is_the_list_counted_pages_give_page_after_page(client, many):
    """The same notes in the same order, and the same next page, as when counted first ("Show the counts")."""
    seen, url = [], "q=invoice&kind=breakdown"
    while url:
        html = page(client, many, url)
        counted = page(client, many, f"{url}&counts=now")
        assert listed_texts(html) == listed_texts(counted)
        assert re.findall(r'rel="next" href="([^"]+)"', html) == re.findall(r'rel="next" href="([^"]+)"', counted)
        seen += listed_texts(html)
        found = re.search(r'rel="next" href="[^"?]+\?([^"]+)"', html)
        url = found and unescape(found.group(1))
    assert len(seen) == len(set(seen)) == many["kinds"]["breakdown"] == 85


def test_chosen_filters_are_kept_by_a_search_sent_before_the_counts_come(client, many):
    """The options are not on the page yet: what was chosen goes with the form as it is, so searching again from
    the page keeps the kinds and the touchpoints chosen."""
    chosen = [*(("kind", kind) for kind in KINDS), *(("touchpoint", t) for t in many["touchpoints"][:3])]
    html = page(client, many, "q=invoice&" + "&".join(f"{name}={value}" for name, value in chosen))
    assert counts_url(html)
    form = html.split('class="browse-filters"', 1)[1].split("</form>", 1)[0]
    kept = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]+)">', form)
    assert sorted(kept) == sorted((name, str(value)) for name, value in chosen)
    assert 'name="q" type="search" value="invoice"' in form


def test_few_notes_found_are_counted_while_the_page_waits(client, many):
    html = page(client, many, "q=courier")
    assert heading(html) == "43 notes match"
    assert counts_url(html) is None and "Show the counts" not in html
    assert option_counts(html)["Breakdown"] == sum(1 for i in range(0, 300, 7) if i % 3 == 0)


@pytest.mark.parametrize("query", ["q=invoice&order=journey", "q=invoice&counts=now"])
def test_journey_order_and_show_the_counts_are_counted_while_the_page_waits(client, many, query):
    html = page(client, many, query)
    assert heading(html) == "257 notes match" and counts_url(html) is None


def test_the_counts_refuse_bad_filters_with_a_reason_and_strangers(app, client, many):
    bad = client.get(f"/studies/{many['study']}/notes/counts?from=2026-05-01&to=2026-04-01")
    assert bad.status_code == 400
    assert "The “From” date is after the “To” date." in unescape(bad.get_data(as_text=True))
    client.post("/logout")
    signed_out = client.get(f"/studies/{many['study']}/notes/counts?q=invoice")
    assert signed_out.status_code in (302, 303, 401) and "257" not in signed_out.get_data(as_text=True)
    with app.app_context():
        make_user("bo@example.org", name="Bo")
    assert client.post("/login", data={"email": "bo@example.org", "password": PASSWORD}).status_code == 303
    stranger = client.get(f"/studies/{many['study']}/notes/counts?q=invoice")
    assert stranger.status_code == 404


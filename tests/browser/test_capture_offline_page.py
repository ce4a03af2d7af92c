"""The offline page (issue 9, item 6): every page reachable from it opens with no network, so it
never loops back to itself, and it shows nothing of whoever used the phone before."""
from playwright.sync_api import expect

from tests.browser.capture_support import capture_url, field, open_capture
from tests.browser.conftest import assert_accessible

__all__ = ["field"]


def links(page):
    """Every link on the page, as the addresses they open (skip links to the page itself left out)."""
    return page.eval_on_selector_all(
        "a[href]", "els => els.filter(a => a.offsetParent !== null && !a.getAttribute('href').startsWith('#'))"
                   ".map(a => a.href)")


def test_every_page_reachable_from_the_offline_page_opens_offline(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    context.set_offline(True)
    response = page.goto(f"{live_server.url}/studies")  # never kept on the phone
    assert response.from_service_worker
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(page.get_by_role("link", name="Go to capture")).to_be_visible()
    assert_accessible(page)

    reachable = links(page)
    assert reachable
    for address in reachable:
        page.goto(address)
        expect(page.get_by_role("heading", name="You are offline")).to_have_count(0)
        page.go_back()
    assert "Rosa" not in page.content()  # precached once, for everyone who uses this phone

    page.get_by_role("link", name="Go to capture").click()
    page.wait_for_url(capture_url(live_server, field))
    page.get_by_role("radio", name=field["touchpoints"][0], exact=True, include_hidden=True).wait_for(state="attached")
    expect(page.get_by_role("button", name="Save note")).to_be_enabled()


def test_with_no_capture_screen_kept_the_offline_page_says_how_to_keep_one(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    page.evaluate("async () => caches.delete('fieldnotes-pages')")  # as after a sign-out
    context.set_offline(True)
    page.goto(f"{live_server.url}/studies")
    expect(page.get_by_text("No capture screen is kept on this phone yet")).to_be_visible()
    expect(page.get_by_role("link", name="Go to capture")).to_be_hidden()
    assert links(page) == []

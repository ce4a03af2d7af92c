"""Access tokens on the account page, in a real browser: made, seen once, copied, revoked; axe-clean,
fitting a phone, 44 px tap targets."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import assert_fits_width, assert_tap_targets
from tests.factories import PASSWORD, make_user


def check(page):
    assert_accessible(page)
    assert_fits_width(page)
    assert_tap_targets(page)


def test_a_researcher_makes_a_token_copies_it_once_and_revokes_it(page, live_server, app):
    with app.app_context():
        make_user("ana@example.org", name="Ana")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, live_server, "ana@example.org", PASSWORD)
    page.goto(f"{live_server.url}/account")
    tokens = page.get_by_role("region", name="Access tokens")
    expect(tokens).to_contain_text("No tokens yet.")
    check(page)

    tokens.get_by_label("Name").fill("weekly export")
    tokens.get_by_label("Access").select_option(label="Read and write")
    tokens.get_by_label("Expires after").select_option(label="30 days")
    tokens.get_by_role("button", name="Create token").click()
    shown = page.get_by_label("Your new token")
    expect(shown).to_have_value(re.compile(r"^fn_pat_[A-Za-z0-9_-]{43}$"))
    token = shown.input_value()
    check(page)

    page.get_by_role("button", name="Copy token").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == token
    script = app.test_client()  # a script: the token and no cookie
    assert script.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["email"] == "ana@example.org"

    page.goto(f"{live_server.url}/account")  # shown once: never again
    expect(page.get_by_label("Your new token")).to_have_count(0)
    assert token not in page.content()
    listed = re.compile(r"weekly export\s*· Read and write\s*· expires .*\s*· last used")
    expect(tokens.get_by_role("listitem")).to_contain_text(listed)

    tokens.get_by_role("button", name="Revoke “weekly export”").click()
    expect(page.get_by_role("status")).to_contain_text("Token “weekly export” revoked")
    expect(tokens.get_by_role("listitem")).to_contain_text("revoked")
    expect(tokens.get_by_role("button", name=re.compile("Revoke"))).to_have_count(0)
    check(page)
    assert script.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401

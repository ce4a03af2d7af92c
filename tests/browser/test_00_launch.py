"""First: does the browser start at all? A broken Chromium shows up here as one clear failure."""


def test_chromium_opens_the_sign_in_page(page, live_server):
    response = page.goto(f"{live_server.url}/login")
    assert response.status == 200
    assert page.get_by_role("heading", name="Sign in").is_visible()

"""`make screenshots` shoots what it claims: each page it lists answers its demo account with the demo on it."""
import pytest

from fieldnotes.demo import data
from scripts import screenshots


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        return screenshots.demo_addresses()


def test_every_screenshot_page_answers_its_account_with_the_demo_on_it(app, demo):
    assert set(demo) == {"capture", "browse", "matrix", "affinity", "board"}
    for name, _, role, proof in screenshots.PAGES:
        client = app.test_client()
        signed_in = client.post("/login", data={"email": data.ACCOUNTS[role]["email"], "password": data.PASSWORD})
        assert signed_in.status_code in (302, 303), role
        page = client.get(demo[name])
        assert page.status_code == 200, (name, demo[name])
        assert proof in page.get_data(as_text=True), name

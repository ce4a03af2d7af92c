"""The capture scenarios on the other two engines: Firefox ESR (WebDriver BiDi) and WebKit (WebKitGTK
through Selenium), against the real app on a real port and the same databases as every test."""
import pytest

from tests.browser.conftest import LiveServer
from tests.engines.bidi import FIREFOX, Firefox, FirefoxTab
from tests.engines.webkit import DRIVER, MINIBROWSER, WebKitTab, Xvfb
from tests.engines.wire import Wire

ENGINES = ["firefox", "webkit"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/engines/" in str(item.fspath):
            item.add_marker(pytest.mark.engines)


def missing(engine):
    """What is not installed for an engine (scripts/ensure-engines installs it), or None."""
    if engine == "firefox":
        return None if FIREFOX else "firefox-esr"
    return None if DRIVER and MINIBROWSER else "webkit2gtk-driver"


@pytest.fixture(scope="session")
def firefox():
    if missing("firefox"):
        pytest.fail("Firefox ESR is not installed: run scripts/ensure-engines (make test does)")
    browser = Firefox()
    yield browser
    browser.quit()


@pytest.fixture(scope="session")
def display():
    screen = Xvfb()
    yield screen.display
    screen.stop()


@pytest.fixture(params=ENGINES)
def phone(request):
    """A fresh phone on one engine: Firefox's own user context (cookies, storage, workers) or a new WebKit."""
    if request.param == "firefox":
        tab = FirefoxTab(request.getfixturevalue("firefox"))
    else:
        if missing("webkit"):
            pytest.fail("WebKitWebDriver is not installed: run scripts/ensure-engines (make test does)")
        tab = WebKitTab(request.getfixturevalue("display"))
    yield tab
    tab.close()


@pytest.fixture
def wire(app):
    """The app behind a wire a test can cut or make refuse (the same for every engine: no browser hooks)."""
    return Wire(app)


@pytest.fixture
def live_server(wire):
    server = LiveServer(wire).start()
    yield server
    server.stop()


"""The capture screen downloads only the styles it can use: app.css. Every other page adds desk.css.

desk.css holds each rule that can match nothing on the capture screen or the offline page: each of its
selectors needs a class that neither page's templates nor any module of the worker's shell ever names.
Half the stylesheet's bytes (the browse page, the matrix, boards, the affinity workspace, forms the phone
never shows) stay off a phone's first load; a rule that the capture screen could use cannot move there
unseen, because this test would name it.
"""
import re
from pathlib import Path

from fieldnotes.pwa import recorder_modules, shell_files

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
CAPTURE_TEMPLATES = ["base.html", "capture/capture.html", "capture/offline.html"]


def capture_words():
    """Every word the capture screen's templates and modules contain: a superset of the classes it can have."""
    files = [ROOT / "templates" / name for name in CAPTURE_TEMPLATES]
    files += [STATIC / name for name in shell_files(STATIC) if name.endswith(".js")]
    files += [STATIC / "js" / name for name in recorder_modules(STATIC)]
    return {word for path in files for word in re.findall(r"[A-Za-z][\w-]*", path.read_text())}


def selectors(stylesheet):
    text = re.sub(r"/\*.*?\*/", "", stylesheet, flags=re.S)
    return [head.strip() for head in re.findall(r"([^{};]+)\{", text) if not head.strip().startswith("@")]


def required_classes(selector):
    """The classes an element (or its ancestors) must have to match; those inside :not() and the like need not."""
    selector = re.sub(r":(?:not|is|where|has)\((?:[^()]|\([^()]*\))*\)", "", selector)
    return set(re.findall(r"\.([A-Za-z][\w-]*)", selector))


def test_every_rule_of_desk_css_needs_a_class_the_capture_screen_never_has():
    words = capture_words()
    rules = selectors((STATIC / "css/desk.css").read_text())
    assert len(rules) > 100
    could_match = [alternative for rule in rules for alternative in rule.split(",")
                   if not required_classes(alternative) - words]
    assert could_match == []


def test_the_capture_screen_links_app_css_alone_and_other_pages_both(client, study_id):
    def stylesheets(path):
        html = client.get(path).get_data(as_text=True)
        return [re.sub(r"\.[0-9a-f]{12}\.css$", ".css", href)
                for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)]

    assert stylesheets(f"/studies/{study_id}/capture") == ["/static/css/app.css"]
    assert stylesheets("/offline") == ["/static/css/app.css"]
    for page in (f"/studies/{study_id}", f"/studies/{study_id}/notes", f"/studies/{study_id}/journey-matrix", "/account"):
        assert stylesheets(page)[:2] == ["/static/css/app.css", "/static/css/desk.css"], page


def test_the_worker_keeps_app_css_for_offline_and_not_desk_css(app):
    shell = shell_files(app.static_folder)
    assert "css/app.css" in shell and "css/desk.css" not in shell

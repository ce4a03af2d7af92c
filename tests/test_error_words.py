"""Error messages name fields in the user's words: every form the app shows, sent back with each field
emptied or spoiled, answers without a raw field name (participant_id, base_version, note_ids).

The forms are the ones the fuzzer crawls (tests/test_fuzz.py: every page the owner can open in a
study with visits, participants, notes, insights and a shared board); what is read is what a person
reads of the answer: the error summary, the messages beside fields, and an error page's text.
"""
import re
from html.parser import HTMLParser

from tests.test_fuzz import World

BAD_VALUES = ("", "x:²")
# Forms whose sending ends the session or the world the others need; their errors are plain pages anyway.
SKIPPED = ("auth.logout", "auth.sign_out_everywhere", "studies.delete")


class ErrorText(HTMLParser):
    """The text of the error summary, field errors and (on an error page) the main content."""

    def __init__(self, error_page):
        super().__init__()
        self.depth, self.chunks, self.error_page = 0, [], error_page

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.depth or {"error-summary", "field-error"} & set(classes) or (self.error_page and tag == "main"):
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.chunks.append(data)


def raw_names(html, names, error_page):
    parser = ErrorText(error_page)
    parser.feed(html)
    text = " ".join(parser.chunks)
    # participant_id as written, or as a template's fallback would spell an id ("Participant id")
    return sorted(n for n in names for spelled in {n, n.replace("_", " ") if n.endswith(("_id", "_ids")) else n}
                  if re.search(rf"(?<![\w-]){re.escape(spelled)}(?![\w-])", text, re.IGNORECASE))


def test_no_form_error_names_a_raw_field(app):
    world = World(app)
    problems, sent = [], 0
    for (endpoint, method), forms in world.forms.items():
        if method != "POST" or endpoint in SKIPPED:
            continue
        for action, fields, choices, submits in forms:
            base = dict(fields) | {name: values[-1] for name, values in choices.items() if values}
            if submits and submits[0][0]:
                base[submits[0][0]] = submits[0][1]
            snake = {name for name in base if "_" in name}
            for name in dict.fromkeys([*(f for f, _ in fields), *choices]):
                for bad in BAD_VALUES:
                    response = world.client.post(action, data={**base, name: bad})
                    sent += 1
                    if response.status_code == 401 or "/login" in response.headers.get("Location", ""):
                        world.sign_in()
                    if response.status_code < 400 or response.mimetype != "text/html":
                        continue
                    found = raw_names(response.get_data(as_text=True), snake | {"participant_id", "visit_id"},
                                      error_page="error-summary" not in response.get_data(as_text=True))
                    if found:
                        problems.append(f"{endpoint} {name}={bad!r} -> {response.status_code} names {found}")
            world.keep_owner()
    assert sent > 100  # the crawl found the app's forms
    assert problems == [], "\n".join(problems)


def test_a_field_without_a_label_is_named_in_words_not_as_its_column(app):
    from flask import render_template_string
    with app.test_request_context():
        html = render_template_string('{% from "_forms.html" import form_errors %}{{ form_errors(errors) }}',
                                      errors={"participant_id": ["Not found in this study."],
                                              "note_ids": ["Select at least one note."], "real_name": ["Too long."]})
    assert "Participant: Not found" in html and "Note: Select" in html and "Real name: Too long." in html
    assert "_id" not in html

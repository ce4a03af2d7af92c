"""A fuzzer: thousands of generated requests to every route, signed in as a study's owner: never a 500.

Every rule in app.url_map (but static files and the TESTING-only hooks) is called with
generated input: JSON bodies (the real shapes with nasty values put in, hypothesis' own
JSON, deep nesting, broken bytes), form posts (the forms the app's own pages show, crawled
once, with nasty values put in), query strings and path ids. Nasty means what broke us
before: lone surrogates, NUL, non-ASCII digits ("²"), integers past the columns' range,
dates at the edge of the calendar with an offset, wrong types.

The world is one study with a visit, participants, notes with photos, insights, a board with
a share link; it changes as the fuzzer goes (that reaches more code), so a failure is
reported with the exact request rather than shrunk. `make fuzz` runs a longer campaign
(FUZZ_EXAMPLES per database).
"""
import copy
import json
import os
import re
import traceback
import uuid
from collections import defaultdict
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode

from flask import Request, got_request_exception, has_request_context, request
from hypothesis import HealthCheck, given, settings, strategies as st
from marshmallow import Schema
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from fieldnotes.auth.models import User
from fieldnotes.boards.models import Board, BoardItem, ShareLink
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Membership, Study, Tag, Touchpoint
from fieldnotes.studies.permissions import StudyRole
from fieldnotes.visits.models import SiteVisit
from tests.boards_world import build
from tests.conftest import AuthActions
from tests.factories import make_user, note_data
from tests.permission_matrix import EXCLUDED_PREFIXES
from tests.transcripts_world import interview_recording

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3000"))
FUZZ_ADDRESS = "203.0.113.9"  # fuzzed sign-ins fail from here, not from the owner's own address
DB_INT = 2**31 - 1

# Values that broke something before, or might: digits that are not ASCII, numbers past every
# column, dates at the calendar's edges, NUL, lone surrogates (JSON only: forms and URLs are
# UTF-8 bytes), bidi overrides, paths, markup, length. DANGER is drawn from most often.
DANGER = ["²", "x:²", str(DB_INT + 1), "9" * 30, "a\x00b", "9999-12-31", "0001-01-01", "-1"]
NASTY_TEXT = DANGER + ["", "0", "x" * 3000, "١٢", " ", "1", "٣", "1.5", "1e309", "NaN", "Infinity", str(DB_INT),
                       "-" + "9" * 30, "\x00", "\u202eevil", "none", "null", "true", "yes", "on", "0000-00-00",
                       "2026-02-30", "10000-01-01", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00",
                       "2026-03-12T10:15:00", "../../etc/passwd", "<script>alert(1)</script>", "%00", "Ｏｎｅ", "😀" * 3]
SURROGATES = ["\ud800", "a\udfffb", "\udbff\udc00", "tag\ud83d"]
BY_KIND = {
    "date": ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:30:00-00:45",
             "0001-01-01T00:00:00+14:00", "2026-03-12T10:15:00", "2026-02-30T10:00:00+00:00",
             "²⁰²⁶-03-12T10:15:00+00:00", 0],
    "number": ["²", "١٢", DB_INT + 1, 2**63, 10**40, -(10**40), -1, 0, 1.5, 1e308, True, "1", None],
    "text": SURROGATES + ["a\x00b", "\u202e", "x" * 5000, "", "²", 5, None, ["x"]],
}
NASTY_JSON = [0, -1, DB_INT + 1, 2**63, 10**40, 1.5, True, False, None, [], {}] + SURROGATES
RAW_BODIES = [b"", b"{", b"nul", b"\xff\xfe\xfa", b"[" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
              b"[" * 5_000 + b"]" * 5_000, b"Infinity", b"1e999", b"-0", b'"\\ud800"', b'{"a": NaN}',
              b'{"offset": Infinity}', b'{"mutations": "' + b"x" * 100_000 + b'"}', b"\x00" * 10]
CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded", None]
QUERY_NAMES = ["visit", "participant", "role", "touchpoint", "tag", "author", "organisation", "kind", "media",
               "from", "to", "attention", "q", "order", "after", "since", "cursor", "study_id", "limit", "note",
               "fragment", "sort", "next", "start", "visit_id", "page"]


def json_values(world_values):
    """Anything a JSON document can hold, with the nasty values and the world's real ids mixed in."""
    leaves = st.one_of(st.sampled_from(NASTY_JSON + NASTY_TEXT), st.sampled_from(world_values), st.integers(),
                       st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=8)


def pick(draw, choices):
    """One of `choices`, by an index drawn from a fixed range: the draw looks the same to hypothesis
    however long the list is (lists grow as the world changes, and it refuses data that moves)."""
    return choices[draw(st.integers(0, 2**16)) % len(choices)]


def deep(depth, kind):
    """Lists (or objects) nested `depth` deep: within the parser's recursion limit, past ours."""
    value = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def paths(value, here=()):
    """Every place in a JSON value down to 8 levels: the value itself, each branch and each leaf."""
    yield here
    if len(here) >= 8:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*here, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*here, index))


def put(value, path, new):
    if not path:
        return new
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return value


def spoiled(draw, base, draws):
    """`base` (a real request body) with one to three of its places replaced, removed or added to.

    Mostly a leaf, replaced by what its key suggests (a date by the calendar's edges, an id by
    numbers past the column, a text by lone surrogates), so the body gets past the first check.
    """
    value = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        places = list(paths(value))
        leaves = [p for p in places if p and not isinstance(get(value, p), dict | list)]
        where = pick(draw, leaves if leaves and draw(st.integers(0, 4)) else places)
        action = pick(draw, ["replace", "replace", "replace", "remove", "add"])
        container = get(value, where[:-1])
        if action == "remove" and where and isinstance(container, dict):
            container.pop(where[-1], None)
        elif action == "add" and isinstance(container, dict):
            key = pick(draw, ["study_id", "author_id", "status", "id", "x", "versions"])
            container[key] = draws.nasty(draw, key)
        else:
            value = put(value, where, draws.nasty(draw, where[-1] if where else ""))
    return value


def get(value, path):
    for step in path:
        value = value[step]
    return value


class FormCrawler(HTMLParser):
    """The forms on a page: (method, action, fields, choices, submits).

    Fields are (name, value) pairs sent as they are; choices map a select's or radio group's
    name to the values offered (one is sent); a form with several submit buttons is sent
    with one of them.
    """

    def __init__(self):
        super().__init__()
        self.forms, self.current, self.select = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.current = ((attrs.get("method") or "get").upper(), attrs.get("action") or "", [], {}, [])
            self.forms.append(self.current)
            return
        if self.current is None:
            return
        _, _, fields, choices, submits = self.current
        name, value = attrs.get("name"), attrs.get("value") or ""
        if tag == "option" and self.select:
            choices.setdefault(self.select, []).append(attrs.get("value", ""))
        elif name is None:
            return
        elif tag == "select":
            self.select = name
        elif tag == "button" or attrs.get("type") == "submit":
            submits.append((name, value))
        elif attrs.get("type") == "radio":
            choices.setdefault(name, []).append(value)
        elif tag in ("input", "textarea"):
            fields.append((name, value or ("x" if tag == "textarea" else "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


class ReadNames(ImmutableMultiDict):
    """Query and form values that note which names the app asks for, per endpoint: the fuzzer then
    sends those names (a view's filters, a form's hidden fields) rather than guessing among all."""

    asked = defaultdict(set)

    def _note(self, key):
        if has_request_context() and request.endpoint:
            ReadNames.asked[request.endpoint].add(key)

    def get(self, key, default=None, type=None):
        self._note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self._note(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)


class NotingRequest(Request):
    parameter_storage_class = ReadNames


class World:
    """The study the fuzzer works in, its ids, the real request bodies to spoil, and the owner's session."""

    def __init__(self, app):
        self.app = app
        app.request_class = NotingRequest
        self.asked = ReadNames.asked = defaultdict(set)
        ids = build(app)
        self.client = app.test_client()
        self.sign_in()
        self.ids = ids
        self.study = ids["study"]
        self.add_board_and_share()
        with app.app_context():
            make_user("outsider2@example.org")
            self.notes = [str(n) for n in db.session.scalars(select(Observation.id).where(
                Observation.study_id == self.study))]
            self.tag = db.session.scalar(select(Tag.id).where(Tag.study_id == self.study)) or 1
            self.membership = db.session.scalar(select(Membership.id).where(  # not the owner's own
                Membership.study_id == self.study, Membership.role != StudyRole.OWNER))
            self.board = db.session.scalar(select(Board.id))
            self.item = db.session.scalar(select(BoardItem.id))
            self.share = db.session.scalar(select(ShareLink.id))
            owner = db.session.scalar(select(User).where(User.email == "owner@example.org"))
            visit = db.session.scalar(select(SiteVisit).where(SiteVisit.study_id == self.study))
            self.recording = interview_recording(db.session.get(Study, self.study), visit, owner)
            self.workshop = self.add_workshop()
        self.url_values = {
            "study_id": [self.study, ids["other_study"], DB_INT], "insight_id": [ids["first"], ids["second"],
                                                                             ids["stray"], DB_INT],
            "note_id": [uuid.UUID(n) for n in self.notes] + [uuid.uuid4()], "media_id": [ids["ok_media"],
                                                                                         ids["refused_media"]],
            "tag_id": [self.tag, DB_INT], "board_id": [self.board, DB_INT], "item_id": [self.item, DB_INT],
            "share_id": [self.share, DB_INT], "membership_id": [self.membership, DB_INT],
            "participant_id": [ids["canary"], DB_INT], "visit_id": [self.visit_id(), DB_INT],
            "term_id": [self.term_id(), DB_INT], "kind": ["touchpoints", "roles"],
            "token": [self.token, "no-such-token", "x" * 300, "%00"], "filename": ["app.css"],
            "token_id": [1, DB_INT], "recording_id": [self.recording, uuid.uuid4()],
            "transcript_id": [1, DB_INT],  # highlights of a transcript: the interview recording's, and none
            "account_id": [self.account_id(), DB_INT], "merge_id": [1, DB_INT],  # issue 15: the visit's account; merges
            "workshop_id": [self.workshop, DB_INT]}
        self.values = [self.study, ids["first"], ids["second"], ids["stray"], self.tag, self.board, self.item,
                       *self.notes, str(ids["ok_media"]), str(uuid.uuid4())]
        self.forms = self.crawl()
        self.field_names = field_names()
        self.sent, self.crashes = 0, []
        self.draws = Strategies(self)
        got_request_exception.connect(self.crashed, app)

    def add_workshop(self):
        """A workshop on the study's notes, the owner seated and dealt a hand: its moves reach real cards."""
        from fieldnotes.auth.models import User
        from fieldnotes.workshops import service as workshops
        owner = db.session.scalar(select(User.id).where(User.email == "owner@example.org"))
        workshop = workshops.start(self.study, owner, "Fuzzed wall", "evenly", [uuid.UUID(n) for n in self.notes], {})
        workshops.join(workshop, owner)
        workshops.deal(workshop, owner)
        db.session.commit()
        return workshop.id

    def crashed(self, sender, exception, **extra):
        self.crashes.append("".join(traceback.format_exception(exception, limit=-4)))

    def sign_in(self):
        assert AuthActions(self.client).login("owner@example.org").status_code == 303

    def keep_owner(self):
        """The fuzzer may step the owner down or remove them (another owner permitting): put them back,
        or every later request would stop at the permission check."""
        with self.app.app_context():
            owner = db.session.scalar(select(User).where(User.email == "owner@example.org"))
            membership = db.session.scalar(select(Membership).where(
                Membership.study_id == self.study, Membership.user_id == owner.id))
            if membership is None:
                db.session.add(Membership(study_id=self.study, user_id=owner.id, role=StudyRole.OWNER))
            elif membership.role != StudyRole.OWNER:
                membership.role = StudyRole.OWNER
            db.session.commit()

    def add_board_and_share(self):
        made = self.client.post(f"/studies/{self.study}/boards", data={"title": "Fuzz board"})
        board = int(re.search(r"/boards/(\d+)", made.location).group(1))
        self.client.post(f"/studies/{self.study}/boards/{board}/items", data={"insight_id": self.ids["first"]})
        expires = (date.today() + timedelta(days=7)).isoformat()
        page = self.client.post(f"/studies/{self.study}/boards/{board}/shares", data={"expires_on": expires})
        self.token = re.search(r"/share/([A-Za-z0-9_-]{20,})", page.get_data(as_text=True)).group(1)

    def visit_id(self):
        with self.app.app_context():
            return db.session.scalar(select(SiteVisit.id).where(SiteVisit.study_id == self.study))

    def account_id(self):
        with self.app.app_context():
            return db.session.scalar(select(SiteVisit.organisation_id).where(SiteVisit.study_id == self.study))

    def term_id(self):
        with self.app.app_context():
            return db.session.scalar(select(Touchpoint.id).where(Touchpoint.study_id == self.study))

    def crawl(self):
        """Every form on every page the owner can open in this world, by the endpoint it posts to."""
        adapter = self.app.url_map.bind("localhost")
        forms = {}
        for rule in self.app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.rule.startswith(EXCLUDED_PREFIXES):
                continue  # JSON GETs are opened too: the names of the query they read are noted
            url = adapter.build(rule.endpoint, {a: self.url_values[a][0] for a in rule.arguments})
            if rule.endpoint == "insights.move_page":
                url += f"?note={self.notes[0]}"
            page = self.client.get(url)
            html = page.get_data(as_text=True) if page.mimetype == "text/html" else ""
            page.close()
            parser = FormCrawler()
            parser.feed(html)
            for method, action, *form in parser.forms:
                try:
                    endpoint = adapter.match(action.split("?")[0] or url, method=method)[0]
                except Exception:  # a form to somewhere else, or a method the route lacks
                    continue
                forms.setdefault((endpoint, method), []).append((action or url, *form))
        return forms

    def json_bases(self):
        """The real JSON bodies of the other JSON endpoints, for spoiling."""
        notes, insight = self.notes[:2], self.ids["first"]
        media = {"id": str(uuid.uuid4()), "observation_id": self.notes[0], "slot": "photo", "sha256": "a" * 64,
                 "size": 100, "mime": "image/jpeg"}
        insights = {"statement": "Fuzzed insight", "note_ids": notes, "parent_id": None, "target_id": insight,
                    "before_id": self.ids["second"], "offset": 1, "version": 1, "ungroup": True,
                    "versions": {str(insight): 1}, "sources": {notes[0]: insight}}
        note = {"kind": "quote", "text": "Fuzzed by the API", "tags": ["paper"], "expected": "A list",
                "visit_id": self.url_values["visit_id"][0], "captured_at": "2026-03-12T10:15:00+00:00"}
        return {"sync.declare": [media], "insights": [insights], "api.add_note": [note],
                "api.change_note": [{**note, "version": 1}]}

    def mutation(self, op):
        """A phone's mutation of a new note (create), or of one the world has (update, delete)."""
        entity = str(uuid.uuid4()) if op == "create" else self.notes[len(self.notes) // 2]
        # No participant: the fuzzer erases the world's participants early on.
        data = note_data(self.study, tags=["paper", "Invoices"], visit_id=self.url_values["visit_id"][0],
                         expected="A list that updates itself")
        return {"mutation_id": str(uuid.uuid4()), "entity": "observation", "entity_id": entity, "op": op,
                "base_version": None if op == "create" else 1, "client_time": "2026-03-12T10:15:05+00:00",
                "data": {} if op == "delete" else data}


class Strategies:
    """What the fuzzer draws from, built once (building hypothesis strategies is not free)."""

    def __init__(self, world):
        self.json = json_values(world.values)
        known = [str(v) for v in world.values]
        danger = st.sampled_from(DANGER)
        self.form_value = st.one_of(danger, danger, st.sampled_from(NASTY_TEXT + known), st.text(max_size=30))

    def nasty(self, draw, key=""):
        """A value to put where `key` was: usually one its kind makes dangerous, else any JSON at all."""
        kind, roll = key_kind(key), draw(st.integers(0, 9))
        if kind and roll < 6:
            return pick(draw, BY_KIND[kind])
        if roll < 8:
            return pick(draw, NASTY_JSON + NASTY_TEXT)
        if roll < 9:
            return deep(pick(draw, [40, 200, 500]), pick(draw, ["list", "dict"]))
        return draw(self.json)


def key_kind(key):
    """What a body's key holds, judged by its name: a date, a number, a text (a list's item: text), or None."""
    if isinstance(key, int):
        return "text"
    if key.endswith(("_at", "_on", "time")):
        return "date"
    if key.endswith(("id", "version", "offset", "size")) or key.isdigit():
        return "number"
    return "text" if key in ("text", "expected", "statement", "mime", "entity", "op", "kind") else None


def build_request(world, draw, endpoint, method, rule):
    """One generated request for this route: (method, url, keyword arguments for the test client)."""
    url_args = {a: pick(draw, world.url_values[a]) for a in rule.arguments}
    url = world.app.url_map.bind("localhost").build(endpoint, url_args)
    kwargs = {"environ_base": {"REMOTE_ADDR": FUZZ_ADDRESS}}
    if method == "GET":
        query = [(name_for(world, draw, endpoint, QUERY_NAMES), draw(world.draws.form_value))
                 for _ in range(draw(st.integers(0, 4)))]
        return method, f"{url}?{urlencode(query)}" if query else url, kwargs
    if rule.rule.startswith("/api/"):
        kwargs.update(json_request(world, draw, endpoint))
        return method, url, kwargs
    crawled = world.forms.get((endpoint, method), [])
    fields = []
    if crawled and draw(st.integers(0, 3)):
        action, fields, choices, submits = pick(draw, crawled)
        url = action if "?" not in action and draw(st.booleans()) else url
        fields = fields + [(name, pick(draw, offered)) for name, offered in choices.items()]
        fields += [pick(draw, submits)] if submits else []
        fields = [(k, draw(world.draws.form_value)) if draw(st.integers(0, 3)) == 0 else (k, v) for k, v in fields]
    fields += [(name_for(world, draw, endpoint, world.field_names), draw(world.draws.form_value))
               for _ in range(draw(st.integers(0, 3)))]
    kwargs["data"] = MultiDict(fields)
    return method, url, kwargs


def name_for(world, draw, endpoint, others):
    """A query or form name: mostly one this endpoint was seen to read, else any the app knows."""
    asked, roll = sorted(world.asked[endpoint]), draw(st.integers(0, 4))
    return pick(draw, asked if asked and roll else others)


def json_request(world, draw, endpoint):
    """A JSON endpoint's body: a real one spoiled, raw nasty bytes, or any JSON at all."""
    if endpoint == "sync.append":
        offset = pick(draw, ["0", "²", "-1", "9" * 20, "", "1" * 12])
        return {"data": draw(st.binary(max_size=64)), "headers": {"Upload-Offset": offset},
                "content_type": pick(draw, ["application/offset+octet-stream", "text/plain"])}
    if endpoint == "sync.push":
        return {"data": dumps(push_body(world, draw)), "content_type": "application/json"}
    bases = world.json_bases()
    base = bases["insights"] if endpoint.startswith("insights.") else bases.get(endpoint)
    choice = draw(st.integers(0, 9))
    if base and choice < 7:
        return {"data": dumps(spoiled(draw, pick(draw, base), world.draws)),
                "content_type": "application/json"}
    if choice < 9:
        return {"data": pick(draw, RAW_BODIES), "content_type": pick(draw, CONTENT_TYPES)}
    return {"data": dumps(draw(world.draws.json)), "content_type": "application/json"}


def push_body(world, draw):
    """A batch as a phone sends it, some of its mutations spoiled: each must get its own answer."""
    ops = [pick(draw, ["create", "create", "create", "update", "delete"]) for _ in range(draw(st.integers(1, 6)))]
    mutations = [world.mutation(op) for op in ops]
    mutations = [spoiled(draw, m, world.draws) if draw(st.booleans()) else m for m in mutations]
    body = {"device_id": str(uuid.uuid4()), "mutations": mutations}
    return spoiled(draw, body, world.draws) if draw(st.integers(0, 5)) == 0 else body


def dumps(value):
    # ensure_ascii writes lone surrogates as \\ud800 escapes, as a buggy phone would send them.
    return json.dumps(value, ensure_ascii=True)


def field_names():
    """Every field any schema declares, and the names views read by hand: what forms may carry."""
    names, stack = set(QUERY_NAMES) | {"action", "confirm", "from", "note_ids", "next", "insight_id"}, [Schema]
    while stack:
        schema = stack.pop()
        stack.extend(schema.__subclasses__())
        names.update(getattr(schema, "_declared_fields", {}))
    return sorted(names)


def weight(target):
    """A route's share of the requests: what takes input gets more, the phone's push most."""
    endpoint, method, rule = target
    if endpoint == "sync.push":
        return 12
    if method == "GET":
        return 2
    return 4 if rule.rule.startswith("/api/") else 3


def routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(EXCLUDED_PREFIXES):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, rule


def send(world, method, url, kwargs):
    """The status, and for a 5xx the end of the traceback the app logged."""
    world.crashes.clear()
    response = world.client.open(url, method=method, **kwargs)
    status, location = response.status_code, response.headers.get("Location", "")
    body = response.get_data()[:300].decode(errors="replace") if status >= 500 else ""
    response.close()
    if status == 401 or "/login" in location:  # the fuzzer signed the owner out: sign in again
        world.sign_in()
    return status, "".join(world.crashes) or body


def fuzz_route(world, target, examples, failures):
    """`examples` generated requests to one route; each 5xx is kept with the request that caused it."""
    @st.composite
    def generated(draw):
        return build_request(world, draw, *target)

    # The requests are not printed while generating (a 100 KB body is slow to format), and a failure is
    # recorded rather than raised: the world has changed since, so shrinking would chase a moving target.
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(generated())
    def fuzz(request):
        method, url, kwargs = request
        status, problem = send(world, method, url, kwargs)
        world.sent += 1
        if target[0] in ("studies.change_member", "studies.remove"):
            world.keep_owner()
        if status >= 500:
            failures.append(f"{method} {url[:200]} {str(kwargs.get('data'))[:300]} -> {status}\n{problem}")

    fuzz()


def test_no_generated_request_answers_500(app):
    """FUZZ_EXAMPLES requests (3,000 by default) on each database, shared fairly by every route: no 5xx."""
    # Crashes answer 500 as in production (the signal keeps their tracebacks); the fuzzed sign-ins
    # must not lock the owner out.
    app.config.update(PROPAGATE_EXCEPTIONS=False, LOGIN_LIMIT_PER_ACCOUNT=10**6, LOGIN_LIMIT_PER_ADDRESS=10**6)
    world = World(app)
    targets = list(routes(app))
    total, failures = sum(map(weight, targets)), []
    for target in targets:
        fuzz_route(world, target, -(-EXAMPLES * weight(target) // total), failures)
    assert world.sent >= EXAMPLES
    assert not failures, f"{len(failures)} answers of 5xx:\n\n" + "\n\n".join(failures[:30])

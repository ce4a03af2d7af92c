"""Who may call each route, and what they get: the table tests/test_permissions.py checks.

Every rule in app.url_map (but static files and the TESTING-only /api/_test/
hooks) must have an entry here, or test_permissions fails: adding a route means
adding its row. One entry per endpoint: a list with one request per HTTP method.

A request is {"method", "url", "expect"[, "data" | "json", "headers"]}. The url
fills placeholders from the world test_permissions builds: {study}, {touchpoint},
{membership} (another researcher's), {invite}, {tag}, {visit}, {participant}, {note},
{media} (a pending upload of a note by the researcher), {verified} (a stored photo),
{recording} (an interview recording the researcher added to {visit}, transcribed).
"expect" maps each actor to a status. Empty forms are posted on purpose: a 422
proves the role got past the permission check to validation.
"""

ACTORS = ("anonymous", "non_member", "viewer", "designer", "researcher", "owner")
LOGIN = "302 to /login"  # anonymous on a page; /api/ answers 401 instead


def roles(*, owner, researcher, designer, viewer, non_member=404, anonymous=LOGIN):
    """Statuses for a study-scoped route."""
    return {"anonymous": anonymous, "non_member": non_member, "viewer": viewer,
            "designer": designer, "researcher": researcher, "owner": owner}


def only(status, allowed, denied=403, **kw):
    """`status` for the roles in `allowed`, `denied` for the other members."""
    return roles(**{r: status if r in allowed else denied for r in ("owner", "researcher", "designer", "viewer")},
                 **kw)


def signed_in(status, anonymous=LOGIN):
    """Routes outside any study: every signed-in person gets the same."""
    return {actor: anonymous if actor == "anonymous" else status for actor in ACTORS}


ALL = {"owner", "researcher", "designer", "viewer"}
OWNER = {"owner"}
FIELD = {"owner", "researcher"}                   # capture, manage_fieldwork
NOTES = {"owner", "researcher", "designer"}       # view_notes, view_fieldwork, manage_tags
BUILD = {"owner", "designer"}                     # build_boards
EMPTY_JSON = {"json": {}}


def get(url, expect, **kw):
    return {"method": "GET", "url": url, "expect": expect, **kw}


def post(url, expect, **kw):
    return {"method": "POST", "url": url, "expect": expect, "data": {}, **kw}


def api(method, url, expect, **kw):
    return {"method": method, "url": url, "expect": expect, **kw}


MATRIX = {
    # Accounts
    "auth.login": [get("/login", signed_in(302, anonymous=200)),
                   post("/login", signed_in(302, anonymous=422))],
    "auth.logout": [post("/logout", signed_in(303))],
    "auth.account": [get("/account", signed_in(200)), post("/account", signed_in(422))],
    "auth.sign_out_others": [post("/account/sign-out-others", signed_in(303))],
    "auth.create_token": [post("/account/tokens", signed_in(422))],
    "auth.revoke_token": [post("/account/tokens/999999/revoke", signed_in(404))],   # only one's own tokens
    "api.me": [api("GET", "/api/v1/me", signed_in(200, anonymous=401))],
    "auth.accept_invite": [get("/invite/{invite}", signed_in(200, anonymous=200)),
                           post("/invite/{invite}", signed_in(422, anonymous=422))],

    # Studies
    "studies.index": [get("/", signed_in(200))],
    "studies.create": [get("/studies/new", signed_in(200)), post("/studies/new", signed_in(422))],
    "studies.show": [get("/studies/{study}", only(200, ALL))],
    "studies.edit": [get("/studies/{study}/edit", only(200, OWNER)),
                     post("/studies/{study}/edit", only(422, OWNER))],
    "studies.journey": [get("/studies/{study}/journey", only(200, OWNER))],
    "studies.add_journey_term": [post("/studies/{study}/touchpoints", only(422, OWNER))],
    "studies.change_journey_term": [post("/studies/{study}/touchpoints/{touchpoint}", only(422, OWNER))],
    "studies.tags": [get("/studies/{study}/tags", only(200, NOTES)),
                     post("/studies/{study}/tags", only(422, NOTES))],
    # REFI-QDA (issue 10, helper "qda"): the project for outside the team as the tabular exports are;
    # a codebook (no participant's words) for whoever may browse; a codebook into tags, as tags are added.
    "exports.qdpx": [get("/studies/{study}/export/project.qdpx?audience=outside", only(200, FIELD))],
    "exports.qdc": [get("/studies/{study}/export/codebook.qdc", only(200, NOTES))],
    "imports.codebook": [get("/studies/{study}/import/codebook", only(200, NOTES))],
    "imports.preview_codebook": [post("/studies/{study}/import/codebook", only(422, NOTES))],
    "imports.confirm_codebook": [post("/studies/{study}/import/codebook/confirm", only(422, NOTES))],
    "studies.members": [get("/studies/{study}/members", only(200, OWNER)),
                        post("/studies/{study}/members", only(422, OWNER))],
    "studies.change_member": [post("/studies/{study}/members/{membership}", only(422, OWNER))],
    "studies.remove": [post("/studies/{study}/members/{membership}/remove", only(303, OWNER))],

    # Site visits and participants
    "visits.index": [get("/studies/{study}/visits", only(200, NOTES))],
    "visits.create": [get("/studies/{study}/visits/new", only(200, FIELD)),
                      post("/studies/{study}/visits/new", only(422, FIELD))],
    "visits.show": [get("/studies/{study}/visits/{visit}", only(200, NOTES))],
    "visits.edit": [get("/studies/{study}/visits/{visit}/edit", only(200, FIELD)),
                    post("/studies/{study}/visits/{visit}/edit", only(422, FIELD))],
    "visits.participants": [get("/studies/{study}/participants", only(200, NOTES))],
    "visits.create_participant_page": [get("/studies/{study}/participants/new", only(200, FIELD)),
                                       post("/studies/{study}/participants/new", only(422, FIELD))],
    "visits.participant": [get("/studies/{study}/participants/{participant}", only(200, NOTES))],
    "visits.edit_participant": [
        get("/studies/{study}/participants/{participant}/edit", only(200, FIELD)),
        post("/studies/{study}/participants/{participant}/edit", only(422, FIELD))],
    # Erasing a person is the owner's call; without the confirming button nothing happens (422).
    "visits.erase": [get("/studies/{study}/participants/{participant}/erase", only(200, OWNER)),
                     post("/studies/{study}/participants/{participant}/erase", only(422, OWNER))],

    # The installable capture app
    "pwa.service_worker": [get("/sw.js", signed_in(200, anonymous=200))],
    "pwa.sync_worker": [get("/sw-sync.js", signed_in(200, anonymous=200))],
    "pwa.manifest": [get("/manifest.webmanifest", signed_in(200, anonymous=200))],
    "pwa.offline": [get("/offline", signed_in(200, anonymous=200))],
    "pwa.start": [get("/capture", signed_in(302))],
    "pwa.capture": [get("/studies/{study}/capture", only(200, FIELD))],

    # Exploring notes (rows written from the explore code at d18006a; viewers see boards, not raw notes)
    "explore.browse": [get("/studies/{study}/notes", only(200, NOTES))],
    "explore.browse_counts": [get("/studies/{study}/notes/counts?q=invoice", only(200, NOTES))],
    "explore.journey_matrix": [get("/studies/{study}/journey-matrix", only(200, NOTES))],
    "explore.note_page": [get("/studies/{study}/notes/{note}", only(200, NOTES))],
    "explore.edit_note": [post("/studies/{study}/notes/{note}/edit", only(422, NOTES))],  # the researcher wrote it
    "explore.bulk": [post("/studies/{study}/notes/bulk", only(422, NOTES))],
    "explore.manage_tags": [get("/studies/{study}/tags/manage", only(200, NOTES))],
    "explore.rename": [post("/studies/{study}/tags/{tag}/rename", only(422, NOTES))],
    "explore.merge": [post("/studies/{study}/tags/merge", only(422, NOTES))],

    # Boards (issue 5, helper "boards"). The world has no board: board 1 is "not found" once past the
    # role check, so builders' routes answer 404 to owners and designers and 403 to the other members.
    "boards.index": [get("/studies/{study}/boards", only(200, ALL))],
    "boards.create": [post("/studies/{study}/boards", only(422, BUILD))],
    "boards.show": [get("/studies/{study}/boards/1", only(404, ALL))],
    "boards.present": [get("/studies/{study}/boards/1/present", only(404, ALL))],
    "boards.react": [post("/studies/{study}/boards/1/reactions", only(404, ALL))],
    "boards.media": [get("/studies/{study}/boards/1/media/{verified}", only(404, ALL))],
    "boards.edit": [get("/studies/{study}/boards/1/edit", only(404, BUILD)),
                    post("/studies/{study}/boards/1/edit", only(404, BUILD))],
    "boards.add_item": [post("/studies/{study}/boards/1/items", only(404, BUILD))],
    "boards.move_item": [post("/studies/{study}/boards/1/items/1/move", only(404, BUILD))],
    "boards.remove_item": [post("/studies/{study}/boards/1/items/1/remove", only(404, BUILD))],
    "boards.pick_evidence": [get("/studies/{study}/boards/1/items/1/evidence", only(404, BUILD)),
                             post("/studies/{study}/boards/1/items/1/evidence", only(404, BUILD))],
    "boards.create_share": [post("/studies/{study}/boards/1/shares", only(404, BUILD))],
    "boards.revoke_share": [post("/studies/{study}/boards/1/shares/1/revoke", only(404, BUILD))],
    "boards.delete": [post("/studies/{study}/boards/1/delete", only(404, BUILD))],
    # Share links need no account: an unknown token is "not found" for everyone, signed in or not.
    "boards.shared": [get("/share/no-such-token", signed_in(404, anonymous=404))],
    "boards.shared_present": [get("/share/no-such-token/present", signed_in(404, anonymous=404))],
    "boards.shared_media": [get("/share/no-such-token/media/{verified}", signed_in(404, anonymous=404))],
    "boards.shared_react": [post("/share/no-such-token/reactions", signed_in(404, anonymous=404))],

    # Affinity workspace (issue 5, helper "insights"): researchers may look; owners and designers move.
    # The world has no insight: insight 1 is "not found" once past the role check.
    "insights.affinity": [get("/studies/{study}/affinity", only(200, NOTES))],
    "insights.affinity_post": [post("/studies/{study}/affinity", only(400, BUILD))],  # no action named
    "insights.move_page": [get("/studies/{study}/affinity/move?note={note}", only(200, BUILD))],
    "insights.nest_page": [get("/studies/{study}/affinity/1/nest", only(404, BUILD))],
    "insights.suggestions_page": [get("/studies/{study}/affinity/suggestions", only(200, BUILD))],
    "insights.api_state": [api("GET", "/api/studies/{study}/insights", only(200, NOTES, anonymous=401))],
    "insights.api_changes": [api("GET", "/api/studies/{study}/insights/changes?since=0",
                                 only(200, NOTES, anonymous=401))],
    "insights.api_live": [api("GET", "/api/studies/{study}/insights/live?since=0",
                              only(200, NOTES, anonymous=401))],
    "insights.api_create": [api("POST", "/api/studies/{study}/insights", only(422, BUILD, anonymous=401),
                                **EMPTY_JSON)],
    "insights.api_statement": [api("POST", "/api/studies/{study}/insights/1/statement",
                                   only(422, BUILD, anonymous=401), **EMPTY_JSON)],
    "insights.api_move": [api("POST", "/api/studies/{study}/insights/move-notes",
                              only(422, BUILD, anonymous=401), **EMPTY_JSON)],
    "insights.api_nest": [api("POST", "/api/studies/{study}/insights/1/nest", only(404, BUILD, anonymous=401),
                              **EMPTY_JSON)],
    "insights.api_place": [api("POST", "/api/studies/{study}/insights/1/place", only(404, BUILD, anonymous=401),
                               **EMPTY_JSON)],
    "insights.api_reorder": [api("POST", "/api/studies/{study}/insights/1/reorder",
                                 only(422, BUILD, anonymous=401), **EMPTY_JSON)],
    "insights.api_delete": [api("POST", "/api/studies/{study}/insights/1/delete",
                                only(404, BUILD, anonymous=401), **EMPTY_JSON)],
    "insights.api_undo": [api("POST", "/api/studies/{study}/insights/undo", only(422, BUILD, anonymous=401),
                              **EMPTY_JSON)],  # nothing to undo
    "insights.api_redo": [api("POST", "/api/studies/{study}/insights/redo", only(422, BUILD, anonymous=401),
                              **EMPTY_JSON)],
    "insights.api_suggestions": [api("GET", "/api/studies/{study}/insights/suggestions",
                                     only(200, BUILD, anonymous=401))],
    "insights.api_accept": [api("POST", "/api/studies/{study}/insights/suggestions/accept",
                                only(422, BUILD, anonymous=401), **EMPTY_JSON)],
    "insights.api_dismiss": [api("POST", "/api/studies/{study}/insights/suggestions/dismiss",
                                 only(422, BUILD, anonymous=401), **EMPTY_JSON)],

    # Notes and sync (JSON: 401 when signed out). Media a member may not see is "not found".
    "sync.push": [api("POST", "/api/sync/push", signed_in(422, anonymous=401), **EMPTY_JSON)],
    "sync.pull": [api("GET", "/api/sync/pull?study_id={study}", only(200, NOTES, anonymous=401))],
    "sync.study_context": [api("GET", "/api/studies/{study}/context", only(200, NOTES, anonymous=401))],
    "sync.declare": [api("POST", "/api/media", signed_in(422, anonymous=401), **EMPTY_JSON)],
    "sync.show": [api("GET", "/api/media/{media}", only(200, NOTES, denied=404, anonymous=401))],
    # An empty chunk at 0 is not a photo: 422 once past the permission check.
    "sync.append": [api("PATCH", "/api/media/{media}", only(422, NOTES, denied=404, anonymous=401),
                        data=b"", headers={"Content-Type": "application/offset+octet-stream",
                                           "Upload-Offset": "0"})],
    "observations.show": [api("GET", "/api/studies/{study}/observations/{note}",
                              only(200, NOTES, anonymous=401))],
    "observations.media_file": [get("/media/{verified}", only(200, NOTES, denied=404))],

    # The study archive: the whole study leaves, so owners only; anyone may import one as a new study.
    "exports.archive_page": [get("/studies/{study}/export/archive", only(200, OWNER))],
    "exports.archive": [get("/studies/{study}/export/archive.zip", only(200, OWNER))],
    "imports.archive": [get("/import/archive", signed_in(200)), post("/import/archive", signed_in(422))],
    # Exports: for the team, whoever may browse; for outside the team,
    # consent-filtered, those who gather consent (owners and researchers).
    "exports.export_page": [get("/studies/{study}/export", only(200, NOTES))],
    "exports.download": [get("/studies/{study}/export/download?format=csv&audience=outside", only(200, FIELD))],

    # CSV import: owners only. An upload belongs to its uploader, so a
    # token nobody holds is "not found" once past the role check; an empty upload is a 422.
    "imports.upload_notes": [get("/studies/{study}/import/notes", only(200, OWNER)),
                             post("/studies/{study}/import/notes", only(422, OWNER))],
    "imports.preview_notes": [get("/studies/{study}/import/notes/AAAAAAAAAAAAAAAAAAAAAAAA", only(404, OWNER))],
    "imports.import_notes": [post("/studies/{study}/import/notes/AAAAAAAAAAAAAAAAAAAAAAAA", only(404, OWNER))],
    # The versioned API for scripts: the same permission table as the pages.
    # Empty bodies are sent on purpose: a 422 proves the role got past the permission check.
    "api.list_studies": [api("GET", "/api/v1/studies", signed_in(200, anonymous=401))],
    "api.show_study": [api("GET", "/api/v1/studies/{study}", only(200, ALL, anonymous=401))],
    "api.journey": [api("GET", "/api/v1/studies/{study}/journey", only(200, ALL, anonymous=401))],
    "api.tags": [api("GET", "/api/v1/studies/{study}/tags", only(200, NOTES, anonymous=401))],
    "api.list_notes": [api("GET", "/api/v1/studies/{study}/notes", only(200, NOTES, anonymous=401))],
    "api.add_note": [api("POST", "/api/v1/studies/{study}/notes", only(422, FIELD, anonymous=401), **EMPTY_JSON)],
    "api.show_note": [api("GET", "/api/v1/studies/{study}/notes/{note}", only(200, NOTES, anonymous=401))],
    "api.change_note": [api("PATCH", "/api/v1/studies/{study}/notes/{note}", only(422, NOTES, anonymous=401),
                            **EMPTY_JSON)],  # the researcher wrote it; no version: 422
    "api.remove_note": [api("DELETE", "/api/v1/studies/{study}/notes/{note}", only(422, NOTES, anonymous=401))],
    "api.visits": [api("GET", "/api/v1/studies/{study}/visits", only(200, NOTES, anonymous=401))],
    "api.participants": [api("GET", "/api/v1/studies/{study}/participants", only(200, NOTES, anonymous=401))],
    "api.insights": [api("GET", "/api/v1/studies/{study}/insights", only(200, NOTES, anonymous=401))],
    "api.boards": [api("GET", "/api/v1/studies/{study}/boards", only(200, ALL, anonymous=401))],
    "api.board": [api("GET", "/api/v1/studies/{study}/boards/1", only(404, ALL, anonymous=401))],
    # Exports by the API: as the page's download; for outside the team, owners and researchers only.
    "api.notes_csv": [api("GET", "/api/v1/studies/{study}/exports/notes.csv?audience=outside",
                          only(200, FIELD, anonymous=401))],
    "api.notes_json": [api("GET", "/api/v1/studies/{study}/exports/notes.json", only(200, NOTES, anonymous=401))],
    "api.openapi": [api("GET", "/api/v1/openapi.json", signed_in(200, anonymous=200))],
    "api.docs": [api("GET", "/api/v1/docs", signed_in(200, anonymous=200))],
    # Transcripts: read as notes are; changed by those who may edit the note, or for an interview recording,
    # who run fieldwork (a researcher: the recordings they added); added to a visit by those who run fieldwork.
    "transcripts.recording_page": [get("/studies/{study}/recordings/{recording}", only(200, NOTES))],
    "transcripts.recording_state": [get("/studies/{study}/recordings/{recording}/state", only(200, NOTES))],
    "transcripts.recording_audio": [get("/studies/{study}/recordings/{recording}/audio", only(200, NOTES))],
    "transcripts.transcript_versions": [get("/studies/{study}/recordings/{recording}/transcript/versions",
                                            only(200, NOTES))],
    "transcripts.edit_transcript": [get("/studies/{study}/recordings/{recording}/transcript/edit", only(200, FIELD)),
                                    post("/studies/{study}/recordings/{recording}/transcript/edit",
                                         only(400, FIELD))],  # no base version: 400
    "transcripts.retry": [post("/studies/{study}/recordings/{recording}/retry", only(422, FIELD))],  # done: 422
    "transcripts.delete_recording": [post("/studies/{study}/recordings/{recording}/delete", only(303, FIELD))],
    "transcripts.add_recording_page": [get("/studies/{study}/visits/{visit}/recordings/new", only(200, FIELD))],
    "transcripts.declare_recording": [api("POST", "/api/studies/{study}/visits/{visit}/recordings",
                                          only(422, FIELD, anonymous=401), **EMPTY_JSON)],
    # Only its uploader sends its bytes (the owner gets 404); this one wants its chunks typed: 415.
    "transcripts.append_recording": [api("PATCH", "/api/studies/{study}/recordings/{recording}",
                                         roles(owner=404, researcher=415, designer=403, viewer=403,
                                               anonymous=401))],

    # The visit kit (issue 15, helper "fieldkit"). An empty brief or plan is a valid one (every field may be
    # blank), so the post saves it: 303. The world's visit has no interpretation session: marking or closing
    # one is "not found" once past the role check, until someone starts it.
    "fieldkit.brief": [get("/studies/{study}/brief", only(200, NOTES))],
    "fieldkit.edit_brief": [get("/studies/{study}/brief/edit", only(200, BUILD)),
                            post("/studies/{study}/brief/edit", only(303, BUILD))],
    "fieldkit.plan": [get("/studies/{study}/visits/{visit}/plan", only(200, FIELD)),
                      post("/studies/{study}/visits/{visit}/plan", only(303, FIELD))],
    "fieldkit.interpretation": [get("/studies/{study}/visits/{visit}/interpretation", only(200, NOTES))],
    "fieldkit.start": [post("/studies/{study}/visits/{visit}/interpretation/start", only(303, NOTES))],
    "fieldkit.mark": [post("/studies/{study}/visits/{visit}/interpretation/marks", only(404, NOTES))],
    "fieldkit.close": [post("/studies/{study}/visits/{visit}/interpretation/close", only(404, NOTES))],
    "fieldkit.brief_file": [get("/studies/{study}/brief.md", only(200, NOTES))],
    "fieldkit.sessions_file": [get("/studies/{study}/interpretation-sessions.csv", only(200, NOTES))],
    # Highlights: whoever may edit notes makes them; an empty form is refused (422) past the check.
    "highlights.new_highlight": [get("/studies/{study}/notes/{note}/highlights/new", only(200, NOTES))],
    "highlights.create_highlight": [post("/studies/{study}/notes/{note}/highlights", only(422, NOTES))],
    # Transcript 1 is the world's interview recording's (transcripts): members who read notes open the form;
    # an empty one is refused (422) past the check.
    "highlights.new_transcript_highlight": [get("/studies/{study}/transcripts/1/highlights/new", only(200, NOTES))],
    "highlights.create_transcript_highlight": [post("/studies/{study}/transcripts/1/highlights", only(422, NOTES))],
    # Accounts (issue 15, helper "accounts"): the world's visit made account 1. The account page shows
    # notes (view_notes); the list what fieldwork shows; editing, merging as fieldwork is managed.
    "accounts.index": [get("/studies/{study}/accounts", only(200, NOTES))],
    "accounts.show": [get("/studies/{study}/accounts/1", only(200, NOTES))],
    "accounts.edit": [get("/studies/{study}/accounts/1/edit", only(200, FIELD)),
                      post("/studies/{study}/accounts/1/edit", only(422, FIELD))],
    "accounts.merge": [get("/studies/{study}/accounts/merge", only(200, FIELD)),
                       post("/studies/{study}/accounts/merge", only(422, FIELD))],
    "accounts.undo_merge": [post("/studies/{study}/accounts/merges/1/undo", only(404, FIELD))],  # no merge yet
    "api.accounts": [api("GET", "/api/v1/studies/{study}/accounts", only(200, NOTES, anonymous=401))],
    # The roster import: owners, as the note import.
    "imports.upload_roster": [get("/studies/{study}/import/roster", only(200, OWNER)),
                              post("/studies/{study}/import/roster", only(422, OWNER))],
    "imports.preview_roster": [get("/studies/{study}/import/roster/AAAAAAAAAAAAAAAAAAAAAAAA", only(404, OWNER))],
    "imports.import_roster_page": [post("/studies/{study}/import/roster/AAAAAAAAAAAAAAAAAAAAAAAA",
                                        only(404, OWNER))],
    # Workshops (issue 16, helper "workshops"): designers and owners run them (they group notes); whoever may
    # read the notes joins from a phone. {workshop} is the owner's, on the study; nobody has joined it.
    "workshops.index": [get("/studies/{study}/workshops", only(200, BUILD))],
    "workshops.start": [post("/studies/{study}/workshops", only(422, BUILD))],
    "workshops.join_page": [get("/join", signed_in(200))],
    "workshops.join_by_code": [post("/join", signed_in(422))],   # no code: a wrong one, counted as a guess
    "workshops.phone": [get("/studies/{study}/workshops/{workshop}", only(200, NOTES))],
    "workshops.join": [post("/studies/{study}/workshops/{workshop}/join", only(303, NOTES))],
    "workshops.move_card": [post("/studies/{study}/workshops/{workshop}/cards", only(400, NOTES))],
    # What the phone's and the wall's scripts read: JSON (and events) under /api/, as the workspace's are.
    "workshops.feed_json": [api("GET", "/api/studies/{study}/workshops/{workshop}/feed",
                                only(200, NOTES, anonymous=401))],
    "workshops.live_feed": [api("GET", "/api/studies/{study}/workshops/{workshop}/live?since=999",
                                only(200, NOTES, anonymous=401))],
    # The world's photo is a note with no participant and no "no person" mark: no consent, so never shown.
    "workshops.photo": [get("/studies/{study}/workshops/{workshop}/photos/{verified}", only(404, NOTES))],
    "workshops.wall": [get("/studies/{study}/workshops/{workshop}/wall", only(200, BUILD))],
    "workshops.facilitate": [post("/studies/{study}/workshops/{workshop}/wall", only(400, BUILD))],
}

# Test-only hooks (fault injection, simulated restore) take no session: they are
# registered only when TESTING is set, which test_permissions also checks, so
# they are left out of the matrix rather than given rows that would not apply.
EXCLUDED_PREFIXES = ("/static/", "/api/_test/")

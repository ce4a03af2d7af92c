"""One bad note never stalls a phone (issue 9, item 8, the phone's defence): when the server refuses
a whole batch, the phone splits it until the note it refuses is alone, sends the rest, and parks
that note with the server's reason instead of sending it forever."""
from playwright.sync_api import expect

from tests.browser.capture_support import field, local, open_capture, settle, unsent_badge, wait_for_server

__all__ = ["field"]

GOOD = [f"Good note {i:02d}: the invoice waits for a second signature" for i in range(30)]
BAD = "Poisoned note the server cannot take"

SAVE_ALL = """async ([study, texts]) => {
  const { saveNote } = await import('/static/js/outbox.js');
  for (const text of texts) {
    await saveNote({ study_id: study, kind: 'observation', text, expected: null, touchpoint_id: null,
      role_id: null, participant_id: null, visit_id: null, tags: [] });
  }
}"""


def test_a_batch_refused_whole_is_split_until_the_bad_note_is_parked(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    pushes = []

    def server_that_chokes_on_one_note(route):
        texts = [m["data"].get("text") for m in route.request.post_data_json["mutations"]]
        pushes.append(texts)
        if BAD in texts:  # as the server did for a lone surrogate: 500 for the whole batch, nothing stored
            return route.fulfill(status=500, content_type="application/json", body='{"code": 500, '
                                 '"message": "Internal Server Error", "description": "The server met an error."}')
        return route.continue_()
    context.route("**/api/sync/push", server_that_chokes_on_one_note)

    context.set_offline(True)
    page.evaluate(SAVE_ALL, [field["study_id"], GOOD[:15] + [BAD] + GOOD[15:]])
    expect(unsent_badge(page)).to_have_text("31 not sent")
    context.set_offline(False)

    held = wait_for_server(page, app, field["study_id"], GOOD)  # the good ones do not wait for the bad
    assert sorted(held) == sorted(GOOD) and all(len(notes) == 1 for notes in held.values())
    page.locator("[data-badge-attention]").filter(has_text="1 needs attention").wait_for(timeout=45000)
    settle(page)
    assert local(page, "outbox") == []
    [parked] = local(page, "attention")
    assert parked["data"]["text"] == BAD and parked["status"] == "rejected"
    assert "answered 500" in parked["errors"]["note"][0]

    tries = sum(BAD in texts for texts in pushes)
    assert tries == 3 + len(pushes_that_were_split(pushes))
    page.get_by_role("button", name="Sync now").click()  # parked: not sent again
    settle(page)
    assert sum(BAD in texts for texts in pushes) == tries
    expect(page.get_by_text("All notes sent")).to_have_count(0)


def pushes_that_were_split(pushes):
    """The refused batches that held the bad note among others (each one split, not retried)."""
    return [texts for texts in pushes if BAD in texts and len(texts) > 1]

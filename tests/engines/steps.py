"""The capture steps, written once for every engine: each runs in the page as JavaScript through the
engine's own driver (tests/engines/bidi.py, webkit.py), so Firefox and WebKit do exactly the same."""
import base64
import time

from tests.browser.capture_support import READ_STORE, capture_url, server_notes
from tests.factories import PASSWORD

TEXT_OF = "(selector) => document.querySelector(selector)?.textContent ?? null"


def wait(phone, function, *args, timeout=30, what=None):
    """Poll `function` in the page until it returns something truthy; a navigation in between is retried."""
    deadline = time.monotonic() + timeout
    error = None
    while time.monotonic() < deadline:
        try:
            value = phone.call(function, *args)
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - mid-navigation: the page is being replaced
            error = exc
        time.sleep(0.1)
    raise AssertionError(f"{phone.name}: timed out waiting for {what or function} (last error: {error})")


def sign_in(phone, live_server, email, password=PASSWORD):
    phone.goto(f"{live_server.url}/login")
    phone.call("""(email, password) => {
        document.querySelector('#email').value = email;
        document.querySelector('#password').value = password;
        document.querySelector('form button[type=submit]').click(); }""", email, password)
    wait(phone, "() => document.readyState === 'complete' && !location.pathname.startsWith('/login')",
         what="the sign-in to finish")


def open_capture(phone, live_server, field):
    """Sign in, open the capture screen, wait until the worker controls it and the page is kept offline."""
    sign_in(phone, live_server, field["email"])
    phone.goto(capture_url(live_server, field))
    ready(phone, field)
    # The first visit is not controlled: a reload puts the page under its worker, as a second visit would.
    wait(phone, "async () => !!(await navigator.serviceWorker.ready).active", what="the worker")
    wait(phone, "async () => !!(await caches.match(location.pathname))", what="the page kept offline")
    phone.reload()
    ready(phone, field)
    assert phone.call("() => navigator.serviceWorker.controller !== null")
    settle(phone)


def ready(phone, field):
    """The study context is loaded: its first touchpoint is on the screen and Save is enabled."""
    wait(phone, """(name) => [...document.querySelectorAll('label.chip-label')].some(l => l.textContent.trim() === name)
        && !document.querySelector('button.save').disabled""", field["touchpoints"][0], what="the study context")


def settle(phone):
    wait(phone, "() => !document.querySelector('[data-badge-net]').textContent.includes('Sending')",
         what="the flush to end")


def choose(phone, name):
    phone.call("""(name) => [...document.querySelectorAll('label.chip-label')]
        .find(l => l.textContent.trim() === name).click()""", name)


def attach_photo(phone, data, name="photo.png", mime="image/png"):
    """Put a file into the Photo input as a picker would (a DataTransfer: both engines take it)."""
    phone.call("""(b64, name, mime) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: mime }));
        const input = document.querySelector('#photo');
        input.files = transfer.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
        input.dispatchEvent(new Event('input', { bubbles: true })); }""",
               base64.b64encode(data).decode(), name, mime)


def save_note(phone, text, kind=None):
    """Type and save a note; seconds from the tap on Save to "Saved on this phone." (a durable write)."""
    if kind:
        choose(phone, kind)
    return phone.call("""async (text) => {
        const area = document.querySelector('#note-text');
        area.value = text;
        area.dispatchEvent(new Event('input', { bubbles: true }));
        const status = document.querySelector('[data-form-status]');
        status.textContent = '';
        const start = performance.now();
        document.querySelector('button.save').click();
        while (!status.textContent.includes('Saved on this phone.')) {
          if (performance.now() - start > 20000) throw new Error(`not saved: "${status.textContent}"; Save ${
            document.querySelector('button.save').disabled ? 'disabled' : 'enabled'}, storage ${
            document.querySelector('[data-no-storage]')?.hidden === false ? 'refused' : 'fine'}, consent warning ${
            document.querySelector('[data-consent-warning]')?.hidden === false ? 'shown' : 'hidden'}`);
          await new Promise(r => setTimeout(r, 5));
        }
        return (performance.now() - start) / 1000; }""", text)


def local(phone, store):
    return phone.call(READ_STORE, store)


def text_of(phone, selector):
    return phone.call(TEXT_OF, selector)


def wait_for_text(phone, selector, text, timeout=30):
    return wait(phone, "(s, t) => (document.querySelector(s)?.textContent || '').includes(t)", selector, text,
                timeout=timeout, what=f"{selector} to say {text!r}")


def wait_for_server(phone, app, study_id, texts, timeout=45):
    """Poll the database until every text is there once, or time runs out (the database, not the page)."""
    deadline = time.monotonic() + timeout
    while True:
        held = server_notes(app, study_id)
        if all(len(held.get(t, [])) == 1 for t in texts):
            return held
        assert time.monotonic() < deadline, f"{phone.name}: server holds {held}, wanted {texts}"
        time.sleep(0.25)

from tests.browser.test_capture_type_first import *  # noqa
from tests.browser.test_capture_type_first import busy_visit, Researcher, open_again  # noqa

def test_debug(page, live_server, app, busy_visit):
    field = busy_visit
    open_capture(page, live_server, field)
    page.get_by_label("Visit", exact=True).select_option(str(field["visit_id"]))
    Researcher(page).write_note("Signs for the pallet before counting it", "P3", field["touchpoints"][4])
    open_again(page, live_server, field)
    page.screenshot(path="/tmp/phone-after.png")
    print(page.evaluate("""() => [...document.querySelectorAll('.site-header, .sync-bar, .capture-title, .note-field, .media-inputs, .capture-context, .field.checkbox, .form-actions')].map(e => e.className + ' ' + Math.round(e.getBoundingClientRect().top) + '+' + Math.round(e.getBoundingClientRect().height)).join('\\n')"""))

"""What a phone user and a keyboard user need of every page, measured in the browser."""
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

MIN_TAP = 44  # CSS px: Apple HIG and WCAG 2.5.5 (AAA), the size static/css/app.css promises

# Which elements are tap targets, and which are exempt, decided in the page:
# - every visible button, summary, select, textarea and input (hidden inputs have no box);
# - a checkbox or radio is measured together with its <label for>, because tapping the
#   label toggles it: the box a finger can hit is their union;
# - links inside <nav>, and links that stand alone in their block (a link that is the
#   whole text of its paragraph, heading or list item, such as a breadcrumb or a card
#   title): on a phone these are the page's controls;
# - exempt: links inside running text, whose block holds other words too (WCAG 2.5.8's
#   "inline" exception: enlarging them would break the line spacing of the prose);
# - exempt: anything scrolled off to the left on purpose (the skip link until it is
#   focused) or inside a closed <details> (not rendered until opened).
TAP_TARGETS_JS = """(min) => {
  const box = el => el.getBoundingClientRect();
  // checkVisibility: false inside a closed <details>, whose hidden content still has boxes.
  const shown = el => { const r = box(el);
    return el.checkVisibility({visibilityProperty: true}) && r.width > 0 && r.height > 0 && r.right > 0; };
  const standalone = a => { const block = a.closest('p, li, h1, h2, h3, h4, h5, h6, td, th, dd, dt');
    return !block || block.innerText.trim() === a.innerText.trim(); };
  const union = (a, b) => { const x = Math.min(a.left, b.left), y = Math.min(a.top, b.top);
    return {width: Math.max(a.right, b.right) - x, height: Math.max(a.bottom, b.bottom) - y}; };
  const describe = el => el.outerHTML.slice(0, 120);
  const controls = [...document.querySelectorAll(
    'button, summary, select, textarea, input:not([type=hidden]), a[href]')].filter(shown)
    .filter(el => el.tagName !== 'A' || el.closest('nav') || standalone(el));
  const small = [];
  for (const el of controls) {
    let r = box(el);
    if (['checkbox', 'radio'].includes(el.type) && el.labels.length) r = union(r, box(el.labels[0]));
    if (r.width < min - 0.5 || r.height < min - 0.5)
      small.push(`${Math.round(r.width)}x${Math.round(r.height)} ${describe(el)}`);
  }
  return {count: controls.length, small};
}"""


def assert_tap_targets(page):
    """Every control on the page as it is now is at least 44 x 44 CSS px."""
    result = page.evaluate(TAP_TARGETS_JS, MIN_TAP)
    assert result["count"] > 0, f"no controls found on {page.url}"
    assert result["small"] == [], f"tap targets under {MIN_TAP}px on {page.url}:\n" + "\n".join(result["small"])


def assert_fits_width(page):
    """Nothing sticks out sideways: at 360px a page that scrolls sideways hides its controls.

    Measured against the screen Playwright set, not window.innerWidth: a mobile browser
    zooms out to show an overflowing page, and innerWidth grows with it.
    """
    screen = page.viewport_size["width"]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= screen, f"{page.url} is {width}px wide on a {screen}px screen"


def assert_inside_viewport(locator):
    """Each element the locator finds lies wholly on screen (not cut off at an edge)."""
    width = locator.page.viewport_size["width"]
    for i in range(locator.count()):
        box = locator.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, \
            f"{locator.nth(i).inner_text()!r} is off screen: {box}"


FOCUSED_JS = """() => {
  const el = document.activeElement, s = getComputedStyle(el);
  const name = el.labels && el.labels.length ? el.labels[0].innerText
             : (el.getAttribute('aria-label') || el.innerText || el.value || '');
  return {tag: el.tagName.toLowerCase(), name: name.trim(), id: el.id,
          outline: parseFloat(s.outlineWidth) || 0, outlineStyle: s.outlineStyle};
}"""


def focused(page):
    return page.evaluate(FOCUSED_JS)


def tab_to(page, name, limit=25):
    """Press Tab until the control called `name` has focus; every stop on the way must
    show a focus outline. Returns the names passed, in order."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["outline"] > 0 and now["outlineStyle"] != "none", f"no visible focus on {now}"
        passed.append(now["name"])
        if now["name"] == name:
            return passed
    raise AssertionError(f"Tab never reached {name!r}; it went {passed}")


def check_page(page, heading):
    """What every page owes its user: the heading they expect, no axe violations, and no
    sideways scrolling on a phone."""
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    assert_fits_width(page)


def submit_empty(page, button, heading):
    """Send the form blank: the error summary appears, is announced, and is accessible."""
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("alert")).to_contain_text("Please check the form")
    check_page(page, heading)

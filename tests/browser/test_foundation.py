"""The foundation pages end to end, as people meet them: on a phone, by keyboard, on a laptop."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from fieldnotes.auth.models import Invite, User
from fieldnotes.extensions import db
from fieldnotes.studies.defaults import Audience
from fieldnotes.studies.models import Study, Tag, Touchpoint
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import (assert_fits_width, assert_inside_viewport, assert_tap_targets, check_page,
                                     focused, submit_empty, tab_to)
from tests.factories import PASSWORD, add_member, make_study, make_user

LAPTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1,
          "is_mobile": False, "has_touch": False}
NEW_PASSWORD = "copper kettle meadow 77"


def test_owner_sets_up_a_study_and_a_colleague_joins_on_a_phone(page, live_server, app, new_context):
    with app.app_context():
        make_user("ana@example.org", "Ana Lima")

    page.goto(f"{live_server.url}/login")
    check_page(page, "Sign in")
    submit_empty(page, "Sign in", "Sign in")
    sign_in(page, live_server, "ana@example.org", PASSWORD)
    check_page(page, "Your studies")
    expect(page.get_by_text("You are not in any study yet.")).to_be_visible()

    study_id = create_study_through_form(page)
    edit_the_journey(page, study_id)
    invite_url = invite_a_colleague(page)
    colleague_joins(new_context(), invite_url)

    page.bring_to_front()
    visit_tags_and_account(page, study_id)

    with app.app_context():
        study = db.session.get(Study, study_id)
        assert (study.name, study.goal, study.audience) == (
            "Invoices at Harbour Freight", "How accounts payable handles supplier invoices.", Audience.CUSTOMER)
        touchpoints = db.session.scalars(select(Touchpoint).where(Touchpoint.study_id == study_id)
                                         .order_by(Touchpoint.position)).all()
        assert [t.name for t in touchpoints] == ["Purchase", "Discovery", "Implementation", "Instruction",
                                                 "Use", "Support", "Repurchase"]
        assert {(m.user.email, m.user.name, m.role.value) for m in study.memberships} == {
            ("ana@example.org", "Ana Lima", "owner"), ("bo@example.org", "Bo Chen", "researcher")}
        bo = db.session.scalar(User.by_email("bo@example.org"))
        assert bo.check_password(NEW_PASSWORD)
        assert db.session.scalar(select(Invite).where(Invite.user_id == bo.id)).used_at is not None
        assert [t.name for t in db.session.scalars(select(Tag).where(Tag.study_id == study_id))] == ["re-keying"]


def create_study_through_form(page):
    page.get_by_role("link", name="New study").last.click()
    check_page(page, "New study")
    submit_empty(page, "Create study", "New study")
    expect(page.get_by_text("Name: ")).to_be_visible()
    page.get_by_label("Name").fill("Invoices at Harbour Freight")
    page.get_by_label("Goal").fill("How accounts payable handles supplier invoices.")
    page.get_by_label("Audience").select_option("customer")
    page.get_by_role("button", name="Create study").click()
    page.wait_for_url(re.compile(r"/studies/\d+$"))
    check_page(page, "Invoices at Harbour Freight")
    expect(page.get_by_role("status")).to_contain_text("created with the default journey and roles")
    expect(page.locator(".journey li")).to_have_text(["Research", "Purchase", "Implementation", "Instruction",
                                                      "Use", "Support", "Repurchase"])
    return int(page.url.rsplit("/", 1)[1])


def edit_the_journey(page, study_id):
    page.get_by_role("link", name="Journey and roles").click()
    check_page(page, "Journey and roles")
    touchpoints = page.get_by_role("region", name="Touchpoints")
    first = touchpoints.get_by_role("listitem").first
    first.get_by_label("Name of touchpoint 1").fill("purchase")
    first.get_by_role("button", name="Rename").click()
    name = touchpoints.get_by_role("textbox", name="Name of touchpoint 1")
    expect(name).to_have_accessible_description("There is already one called “purchase”.")
    expect(name).to_have_value("purchase")  # what was typed stays, to be corrected
    check_page(page, "Journey and roles")
    touchpoints.get_by_label("Name of touchpoint 1").fill("Discovery")
    touchpoints.get_by_role("listitem").first.get_by_role("button", name="Rename").click()
    touchpoints.get_by_role("button", name="Move Purchase earlier").click()
    names = touchpoints.get_by_role("textbox", name=re.compile("Name of touchpoint"))
    expect(names.first).to_have_value("Purchase")
    assert [names.nth(i).input_value() for i in range(names.count())] == [
        "Purchase", "Discovery", "Implementation", "Instruction", "Use", "Support", "Repurchase"]
    check_page(page, "Journey and roles")
    page.get_by_role("link", name="Invoices at Harbour Freight").last.click()
    expect(page.locator(".journey li").first).to_have_text("Purchase")


def invite_a_colleague(page):
    page.get_by_role("link", name="Members").click()
    check_page(page, "Members")
    submit_empty(page, "Add member", "Members")
    page.get_by_label("Email").fill("bo@example.org")
    page.get_by_label("Role", exact=True).select_option("researcher")
    page.get_by_role("button", name="Add member").click()
    invite = page.get_by_label("Invite link")
    expect(invite).to_be_visible()
    expect(page.get_by_text("invited, not joined yet")).to_be_visible()
    check_page(page, "Members")
    return invite.input_value()


def colleague_joins(context, invite_url):
    """Another person, on their own phone: nothing of the owner's session carries over."""
    other = context.new_page()
    other.goto(invite_url)
    check_page(other, "Join Fieldnotes")
    expect(other.get_by_text("bo@example.org")).to_be_visible()
    submit_empty(other, "Join", "Join Fieldnotes")
    other.get_by_label("Your name").fill("Bo Chen")
    other.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    other.get_by_label("Password again").fill(NEW_PASSWORD)
    other.get_by_role("button", name="Join").click()
    other.wait_for_url(re.compile(r"/$"))
    check_page(other, "Your studies")
    expect(other.get_by_role("status")).to_contain_text("Welcome to Fieldnotes.")
    expect(other.get_by_role("link", name="Bo Chen")).to_be_visible()  # signed in, as themselves
    card = other.get_by_role("listitem").filter(has_text="Invoices at Harbour Freight")
    expect(card).to_contain_text("researcher")
    context.close()


def visit_tags_and_account(page, study_id):
    page.goto(page.url.split("/studies")[0] + f"/studies/{study_id}")
    page.get_by_role("link", name="Tags").click()
    check_page(page, "Tags")
    submit_empty(page, "Add tag", "Tags")
    page.get_by_label("New tag").fill("re-keying")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator(".chips")).to_contain_text("re-keying")
    page.get_by_role("link", name="Ana Lima").click()
    check_page(page, "Your account")
    submit_empty(page, "Change password", "Your account")


def test_sign_in_and_create_a_study_by_keyboard_alone(page, live_server, app):
    with app.app_context():
        make_user("ana@example.org", "Ana Lima")
    page.goto(f"{live_server.url}/login")
    tab_to(page, "Skip to content")
    assert page.get_by_role("link", name="Skip to content").bounding_box()["x"] >= 0  # shown on focus
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    assert tab_to(page, "Email") == ["Email"]  # straight into the form after skipping
    page.keyboard.type("ana@example.org")
    tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your studies")
    # The sign-in came from /login#main (the skip link), and the redirect keeps the fragment: once the
    # page has loaded, the browser moves focus to #main. Tab from there, not before it happens.
    page.wait_for_load_state("load")
    expect(page.locator("#main")).to_be_focused()

    tab_to(page, "New study")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("New study")
    tab_to(page, "Create study")
    page.keyboard.press("Enter")  # nothing filled in: refused
    expect(page.get_by_role("alert")).to_be_focused()  # the problems are where the user starts
    assert focused(page)["outline"] > 0
    tab_to(page, "Name")
    page.keyboard.type("Checkout on the high street")
    tab_to(page, "Goal")
    page.keyboard.type("Why shoppers abandon the self-checkout.")
    tab_to(page, "Audience")
    page.keyboard.press("ArrowDown")  # Customer -> Consumer
    tab_to(page, "Create study")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout on the high street")
    page.goto(f"{live_server.url}/account")  # and back to it through the Studies menu
    tab_to(page, "Studies")
    page.keyboard.press("Enter")  # opens the <details>
    assert tab_to(page, "Checkout on the high street") == ["Checkout on the high street"]
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout on the high street")
    with app.app_context():
        study = db.session.scalars(select(Study)).one()
        assert (study.name, study.goal, study.audience) == (
            "Checkout on the high street", "Why shoppers abandon the self-checkout.", Audience.CONSUMER)


def test_laptop_study_page_and_studies_menu(browser, live_server, app):
    with app.app_context():
        ana = make_user("ana@example.org", "Ana Lima")
        own = make_study(ana, "Invoices at Harbour Freight")
        other = make_study(make_user("cy@example.org", "Cy Ode"), "Checkout on the high street")
        add_member(other, ana, "researcher")
        own_id, other_id = own.id, other.id
    context = browser.new_context(**LAPTOP)  # not the phone of browser_context_args
    page = context.new_page()
    sign_in(page, live_server, "ana@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{own_id}")
    check_page(page, "Invoices at Harbour Freight")
    header = page.get_by_role("banner")
    assert header.bounding_box()["height"] < 80  # brand and menu share one row on a laptop

    menu = header.get_by_role("navigation")
    expect(menu.get_by_role("link", name="Invoices at Harbour Freight")).to_be_hidden()
    menu.get_by_text("Studies", exact=True).click()
    items = menu.get_by_role("listitem")
    expect(items.filter(has_text="Invoices at Harbour Freight")).to_contain_text("owner")
    expect(items.filter(has_text="Checkout on the high street")).to_contain_text("researcher")
    assert_inside_viewport(menu.get_by_role("link"))
    assert_accessible(page)
    menu.get_by_role("link", name="Checkout on the high street").click()
    page.wait_for_url(f"{live_server.url}/studies/{other_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout on the high street")
    # A researcher sees fieldwork and tags, not the owner's setup pages.
    study_nav = page.get_by_role("navigation", name="Study")
    expect(study_nav.get_by_role("link", name="Site visits")).to_be_visible()
    expect(study_nav.get_by_role("link", name="Members")).to_have_count(0)
    context.close()


def test_tap_targets_on_every_foundation_page_of_a_phone(page, live_server, app):
    # Long unbroken names and emails are what push a phone page sideways.
    long_email = "bartholomew.featherstonehaugh-worthington@harbour-freight-logistics.example.org"
    with app.app_context():
        ana = make_user("ana@example.org", "Ana Lima")
        study_id = make_study(ana, "Invoice_keying_at_Harbour_Freight_Logistics_2026",
                              researcher=make_user(long_email)).id
    page.goto(f"{live_server.url}/login")
    assert_tap_targets(page)
    sign_in(page, live_server, "ana@example.org", PASSWORD)
    base = f"{live_server.url}/studies/{study_id}"
    for path in ["/", "/studies/new", f"/studies/{study_id}", "/account", "/studies/999999"]:
        page.goto(live_server.url + path)
        assert_tap_targets(page)
        assert_fits_width(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Not Found")
    assert_accessible(page)  # the error page too
    for path in ["/journey", "/members", "/tags", "/edit"]:
        page.goto(base + path)
        assert_tap_targets(page)
        assert_fits_width(page)
    assert_accessible(page)  # study settings, the one page the setup flow does not pass
    page.get_by_label("Name").fill("")
    submit_empty(page, "Save", "Study settings")
    page.get_by_role("banner").get_by_text("Studies", exact=True).click()  # the menu, opened
    assert_tap_targets(page)
    assert_inside_viewport(page.get_by_role("banner").get_by_role("link"))
    page.goto(base + "/members")
    page.get_by_label("Email").fill("new.person@example.org")
    page.get_by_role("button", name="Add member").click()
    # The click posts a form: measure the page that answers, not the one unloading.
    expect(page.get_by_label("Invite link")).to_be_visible()
    assert_tap_targets(page)
    assert_fits_width(page)
    page.goto(page.get_by_label("Invite link").input_value())
    assert_tap_targets(page)


def test_foundation_pages_reflow_at_320px(page, live_server, app):
    """WCAG 1.4.10: content fits 320 CSS px without scrolling sideways (small and zoomed phones)."""
    with app.app_context():
        ana = make_user("ana@example.org", "Ana Lima")
        study_id = make_study(ana, "Invoices at Harbour Freight", viewer=make_user("bo@example.org")).id
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server.url}/login")
    assert_fits_width(page)
    sign_in(page, live_server, "ana@example.org", PASSWORD)
    for path in ["", "/studies/new", "/account", f"/studies/{study_id}"] + [
            f"/studies/{study_id}/{each}" for each in ("journey", "members", "tags", "edit")]:
        page.goto(live_server.url + (path or "/"))
        assert_fits_width(page)

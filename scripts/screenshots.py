"""make screenshots: the demo study's main pages at phone and laptop sizes, into docs/screenshots/.

The demo is seeded into a temporary SQLite database, served on a free local port, and shot by
headless Chromium (Debian's when present, as in the browser tests) signed in as the demo account
who uses each page. Run it after changing a page the README shows; tests/test_screenshot_pages.py
checks that every page listed here answers that account.
"""
import io
import logging
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"

# (file name, address, the demo account who uses it, text on it that shows the demo is loaded)
PAGES = [
    ("capture", "/studies/{study}/capture", "researcher", "Onboarding at mid-size accounts"),
    ("browse", "/studies/{study}/notes", "designer", "re-keying"),
    ("matrix", "/studies/{study}/journey-matrix", "designer", "End user"),
    ("affinity", "/studies/{study}/affinity", "designer", "Getting a yes takes longer than doing the work."),
    ("board", "/studies/{study}/boards/{board}", "viewer", "Month end, seen from the finance office"),
]
# What each shot starts at, when the page's top is not what shows the feature.
SCROLL_TO = {"matrix": "table"}
# The researcher's phone (an iPhone 12 to 15's CSS size) and the designer's laptop. Scale 1 keeps the
# files small; the README shows them at about this size anyway.
SIZES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "laptop": {"viewport": {"width": 1366, "height": 768}},
}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", "--lang=en-GB"]
# Screens are flat colours and text: a 256-colour palette keeps them sharp at a third of the size.
PALETTE = 256


def demo_addresses():
    """{file name: address} for the seeded demo (call in an app context)."""
    from sqlalchemy import select

    from fieldnotes.boards.models import Board
    from fieldnotes.demo import boards
    from fieldnotes.demo.cli import find_demo_study
    from fieldnotes.extensions import db

    study = find_demo_study()
    board = db.session.scalar(select(Board.id).where(Board.study_id == study.id, Board.title == boards.TITLE))
    return {name: path.format(study=study.id, board=board) for name, path, _, _ in PAGES}


def seeded_app(folder):
    """The app on a new SQLite database in `folder`, migrated and seeded as `make run` does."""
    from flask_migrate import upgrade

    from fieldnotes import create_app
    app = create_app({"INSTANCE_PATH": str(folder), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite",
                      "MEDIA_ROOT": str(folder / "media")})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    if result.exit_code:
        raise SystemExit(f"seed-demo failed:\n{result.output}")
    return app


def serve(app):
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def sign_in(page, base, email, password):
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def shoot(page, base, name, address, proof):
    page.goto(f"{base}{address}")
    page.wait_for_load_state("networkidle")
    if name == "capture":  # the capture app draws from the phone's store once its worker runs
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_load_state("networkidle")
    page.get_by_text(proof).filter(visible=True).first.wait_for()
    if name in SCROLL_TO:
        page.locator(SCROLL_TO[name]).first.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.evaluate("document.fonts.ready")
    return smaller(page.screenshot(type="png", animations="disabled", caret="hide"))


def smaller(png):
    from PIL import Image
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(PALETTE, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(out, "PNG",
                                                                                           optimize=True)
    return out.getvalue()


def main():
    from playwright.sync_api import sync_playwright

    from fieldnotes.demo import data
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per shot, not per request
    folder = Path(tempfile.mkdtemp(prefix="fieldnotes-screenshots-"))
    try:
        app = seeded_app(folder)
        with app.app_context():
            addresses = demo_addresses()
        server = serve(app)
        base = f"http://127.0.0.1:{server.server_port}"
        OUT.mkdir(parents=True, exist_ok=True)
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(args=CHROMIUM_ARGS, **({"executable_path": chromium}
                                                                       if chromium else {}))
            for size, options in SIZES.items():
                for role in dict.fromkeys(role for _, _, role, _ in PAGES):
                    context = browser.new_context(**options, locale="en-GB", timezone_id="Europe/London",
                                                  color_scheme="light", reduced_motion="reduce")
                    page = context.new_page()
                    sign_in(page, base, data.ACCOUNTS[role]["email"], data.PASSWORD)
                    for name, _, page_role, proof in PAGES:
                        if page_role == role:
                            target = OUT / f"{name}-{size}.png"
                            target.write_bytes(shoot(page, base, name, addresses[name], proof))
                            print(f"{target.relative_to(ROOT)}  {target.stat().st_size // 1024} KB")
                    context.close()
            browser.close()
        server.shutdown()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

"""WebKit through WebKitGTK (Debian's webkit2gtk-driver): Selenium drives WebKitWebDriver, which runs
MiniBrowser. WebKitGTK is not Safari, but it is Safari's engine: its service worker, IndexedDB, storage
and media code. MiniBrowser has no headless mode here, so it draws on an Xvfb display of our own."""
import glob
import json
import os
import shutil
import subprocess
import warnings

from selenium import webdriver
from selenium.webdriver.webkitgtk.options import Options
from selenium.webdriver.webkitgtk.service import Service

DRIVER = shutil.which("WebKitWebDriver")
MINIBROWSER = next(iter(sorted(glob.glob("/usr/lib/*/webkit2gtk-4.*/MiniBrowser"))), None)


class Xvfb:
    """A virtual display, numbered by Xvfb itself (-displayfd), so parallel test processes never meet."""

    def __init__(self):
        read, write = os.pipe()
        self.process = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0",
                                         "1024x768x24"], pass_fds=[write], stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as pipe:
            self.display = ":" + pipe.readline().strip()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


class WebKitTab:
    """One MiniBrowser per test: it starts in about a second, and a fresh one is a fresh phone."""

    name = "webkit"

    def __init__(self, display):
        options = Options()
        options.binary_location = MINIBROWSER
        options.add_argument("--automation")
        env = {**os.environ, "DISPLAY": display}
        with warnings.catch_warnings():
            # Selenium's own WebKitGTK class still sets a RemoteConnection field it deprecated itself.
            warnings.simplefilter("ignore", DeprecationWarning)
            self.driver = webdriver.WebKitGTK(options=options, service=Service(executable_path=DRIVER, env=env))
        self.driver.set_script_timeout(90)
        self.driver.set_window_size(360, 740)
        self.version = self.driver.capabilities.get("browserVersion")

    def goto(self, url):
        self.driver.get(url)

    def reload(self):
        self.driver.refresh()

    def call(self, function, *args):
        """Run `function` (JS source, may be async) in the page with JSON arguments; its JSON result."""
        answer = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"Promise.resolve().then(() => ({function})(...JSON.parse(arguments[0])))"
            ".then((v) => done(JSON.stringify({value: v === undefined ? null : v})),"
            " (e) => done(JSON.stringify({error: String(e) + ' ' + String(e && e.stack)})));",
            json.dumps(list(args)))
        answer = json.loads(answer)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["value"]

    def close(self):
        self.driver.quit()

"""A small WebDriver BiDi client for Debian's Firefox ESR (no geckodriver: Firefox speaks BiDi itself).

Only what the engine tests need: launch, a private user context (its own cookies and storage) per
test, navigate, evaluate a script, and quit. websocket-client comes with Selenium.
"""
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading

import websocket

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
# A closed network: turn off what Firefox would fetch on its own (updates, telemetry, experiments).
PREFS = {
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "app.update.disabledForTesting": True,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.normandy.enabled": False,
    "messaging-system.rsexperimentloader.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/",
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "extensions.update.enabled": False,
    "browser.safebrowsing.update.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "remote.prefs.recommended": True,
    "browser.download.folderList": 2,
    "browser.download.useDownloadDir": True,
    "browser.download.always_ask_before_handling_new_types": False,
    # A phone-sized window (the capture screen's layout for phones).
    "layout.css.devPixelsPerPx": "1.0",
}


class BidiError(RuntimeError):
    pass


class Firefox:
    """One headless Firefox process, driven over its BiDi WebSocket."""

    def __init__(self, download_dir=None):
        self.profile = tempfile.mkdtemp(prefix="fn-firefox-")
        prefs = dict(PREFS, **({"browser.download.dir": str(download_dir)} if download_dir else {}))
        with open(os.path.join(self.profile, "user.js"), "w") as out:
            for key, value in prefs.items():
                out.write(f"user_pref({json.dumps(key)}, {json.dumps(value)});\n")
        self.process = subprocess.Popen(
            [FIREFOX, "--headless", "--no-remote", "--remote-debugging-port=0", "--profile", self.profile,
             "--width=360", "--height=740"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = None
        for line in self.process.stderr:
            found = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
            if found:
                url = found.group(1)
                break
        if not url:
            raise BidiError(f"Firefox did not start (exit {self.process.poll()})")
        # Keep reading its stderr so a chatty Firefox never blocks on a full pipe.
        self.drain = threading.Thread(target=lambda: [None for _ in self.process.stderr], daemon=True)
        self.drain.start()
        # Firefox refuses a handshake that names an Origin.
        self.socket = websocket.create_connection(url + "/session", suppress_origin=True, timeout=120)
        self.ids = itertools.count(1)
        self.version = self.send("session.new", capabilities={})["capabilities"]["browserVersion"]

    def send(self, method, **params):
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            answer = json.loads(self.socket.recv())
            if answer.get("id") != number:
                continue  # an event: none subscribed, but be safe
            if answer.get("type") == "error":
                raise BidiError(f"{method}: {answer.get('error')}: {answer.get('message')}")
            return answer["result"]

    def quit(self):
        try:
            self.send("session.end")
        except Exception:  # noqa: BLE001 - already gone: still end the process
            pass
        self.socket.close()
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.drain.join(10)
        self.process.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)


class FirefoxTab:
    """A tab in a user context of its own: a fresh phone for each test."""

    name = "firefox"

    def __init__(self, firefox):
        self.firefox = firefox
        self.version = firefox.version
        self.user_context = firefox.send("browser.createUserContext")["userContext"]
        self.context = firefox.send("browsingContext.create", type="tab",
                                    userContext=self.user_context)["context"]

    def goto(self, url):
        self.firefox.send("browsingContext.navigate", context=self.context, url=url, wait="complete")

    def reload(self):
        self.firefox.send("browsingContext.reload", context=self.context, wait="complete")

    def call(self, function, *args):
        """Run `function` (JS source, may be async) in the page with JSON arguments; its JSON result."""
        # Arguments go as JSON text and come back as JSON text: no BiDi value mapping to keep.
        result = self.firefox.send(
            "script.callFunction",
            functionDeclaration=f"async (json) => JSON.stringify(await ({function})(...JSON.parse(json)))",
            awaitPromise=True, target={"context": self.context},
            arguments=[{"type": "string", "value": json.dumps(list(args))}])
        if result["type"] == "exception":
            raise BidiError(result["exceptionDetails"]["text"])
        value = result["result"].get("value")
        return None if value is None else json.loads(value)

    def close(self):
        try:
            self.firefox.send("browsingContext.close", context=self.context)
        finally:
            self.firefox.send("browser.removeUserContext", userContext=self.user_context)

// app.js: the capture screen's entry point (templates/capture/capture.html): start each
// behaviour where the template says (data-js), register /sw.js, and flush the outbox on load,
// when the browser comes online and on "Sync now". The screen works for the account signed in
// when it was served (data-account): only that account's notes are sent, shown or exported.
import capabilities, { checkStorage, installHint, longWait } from "./capabilities.js";
import captureForm from "./capture-form.js";
import exportButton from "./export.js";
import legacy from "./legacy.js";
import notesList from "./notes-list.js";
import recorder from "./recorder.js";
import signOut from "./sign-out.js";
import syncBadge, { waitingPanel } from "./sync-badge.js";
import "./unsent-count.js";  // loaded by every page (base.html); imported here so it is kept for offline
import { getMeta, setMeta } from "./db.js";
import { configure, flush } from "./flush.js";
import { useAccount } from "./outbox.js";
import { registerWorker } from "./sw-update.js";

// The interview recorder: on use, at once if interviews wait here, else once idle.
function interview(el) {
  const load = (start) => import("./interview.js").then((m) => m.default(el, start));
  el.querySelector("button").onclick = () => el.ready || load(true);
  indexedDB.databases?.().then((d) => d.some((x) => x.name === "fieldnotes-interviews") && load());
  setTimeout(load, 9000);
}

const behaviours = { interview, "sync-badge": syncBadge, "waiting-panel": waitingPanel, legacy, "sign-out": signOut,
  "notes-list": notesList, recorder, "capture-form": captureForm, export: exportButton,
  capabilities, "long-wait": longWait };

// Who is signed in: the page says. A capture page kept from before pages said (opened offline after
// an update) was served to the account that last opened capture here, or, failing that, to the one
// its kept study context was fetched for.
async function signedIn(root) {
  if (root.dataset.account) return Number(root.dataset.account);
  return (await getMeta("account")) ?? (await getMeta(`context:${root.dataset.studyId}`))?.me?.id ?? null;
}

async function start() {
  const root = document.querySelector('[data-js="capture-app"]');
  if (!root) return;
  registerWorker(root);
  installHint(root);
  if (!(await checkStorage(root))) return;
  const account = await signedIn(root);
  useAccount(account);
  await setMeta("account", account);  // whose notes the Background Sync worker sends
  configure(Number(root.dataset.studyId));
  setMeta("last_study", Number(root.dataset.studyId));  // what the worker pulls for on a Background Sync
  for (const el of root.querySelectorAll("[data-js]")) behaviours[el.dataset.js]?.(el);
  addEventListener("online", () => flush());
  flush();
}

start();

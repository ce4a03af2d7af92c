// app.js: the capture screen's entry point (templates/capture/capture.html): start each
// behaviour where the template says (data-js), register /sw.js, and flush the outbox on load,
// when the browser comes online and on "Sync now".
import captureForm from "./capture-form.js";
import exportButton from "./export.js";
import notesList from "./notes-list.js";
import recorder from "./recorder.js";
import syncBadge from "./sync-badge.js";
import { setMeta } from "./db.js";
import { configure, flush } from "./flush.js";
import { checkStorage, installHint } from "./hygiene.js";
import { registerWorker } from "./sw-update.js";

const behaviours = { "sync-badge": syncBadge, "notes-list": notesList, recorder,
  "capture-form": captureForm, export: exportButton };

async function start() {
  const root = document.querySelector('[data-js="capture-app"]');
  if (!root) return;
  registerWorker(root);
  installHint(root);
  if (!(await checkStorage(root))) return;
  configure(Number(root.dataset.studyId));
  setMeta("last_study", Number(root.dataset.studyId));  // what the worker pulls for on a Background Sync
  for (const el of root.querySelectorAll("[data-js]")) behaviours[el.dataset.js]?.(el);
  addEventListener("online", () => flush());
  flush();
}

start();

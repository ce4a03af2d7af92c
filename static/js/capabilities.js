// capabilities.js: data-js="capabilities" on the capture screen (app.js). Engines differ: Safari and
// Firefox have no Background Sync, older WebKit no Web Locks, some no MediaRecorder type we can use,
// and any may refuse persistent storage. Each fallback is in the module that needs it (flush.js,
// recorder.js, outbox.js); this says plainly, on the phone, what the person must do instead.
const SAY = {
  backgroundSync: "Notes are sent only while Fieldnotes is open in this browser: open it when you have signal.",
  locks: "Keep Fieldnotes open in one tab only while it sends.",
  recorder: "This browser cannot record audio here: record with the phone's own voice memo app.",
  storage: "This browser may clear notes kept here when the phone runs short of space: "
    + "send them when you have signal, or export a copy.",
};

export async function missing() {
  const gaps = [];
  if (!("SyncManager" in self)) gaps.push("backgroundSync");
  if (!navigator.locks) gaps.push("locks");
  if (!("MediaRecorder" in self) || !navigator.mediaDevices?.getUserMedia) gaps.push("recorder");
  if (!(await persisted())) gaps.push("storage");
  return gaps;
}

// persist() may ask the person (Firefox) and never settle: whatever it says within a moment counts.
async function persisted() {
  if (!navigator.storage?.persist) return false;
  try {
    if (await navigator.storage.persisted()) return true;
    const asked = navigator.storage.persist().catch(() => false);
    return await Promise.race([asked, new Promise((resolve) => setTimeout(() => resolve(false), 1500))]);
  } catch {
    return false;
  }
}

export default async function capabilities(el) {
  const gaps = await missing();
  el.querySelector("ul").replaceChildren(...gaps.map((gap) => {
    const item = document.createElement("li");
    item.dataset.gap = gap;
    item.textContent = SAY[gap];
    return item;
  }));
  el.hidden = gaps.length === 0;
}

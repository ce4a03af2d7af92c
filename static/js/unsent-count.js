// unsent-count.js: "2 notes not sent" in the header of every page (templates/base.html, issue 12),
// read from this phone's own store (IndexedDB), so a researcher who leaves capture for another page
// still sees what waits. It counts the signed-in account's notes, photos, recordings and interviews only
// (the header names the account: data-account), links to the capture screen that sends them, and updates
// when a capture tab saves or sends (status.js hears other tabs) and when this page comes back.
import { all, getMeta, hasStore, unsentInterviews } from "./db.js";
import { on } from "./status.js";

const plural = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;

// "2 notes, 1 photo not sent · 1 needs attention": away from capture, each number says what it counts.
async function waitingFor(account) {
  const [outbox, blobs, attention, interviews] = await Promise.all(
    [all("outbox"), all("blobs"), all("attention"), unsentInterviews(account)]);
  const mine = (row) => row.account === account;
  const files = blobs.filter(mine);
  const counts = [[new Set(outbox.filter(mine).map((m) => m.entity_id)).size, "note"],
    [files.filter((b) => b.slot === "photo").length, "photo"], [files.filter((b) => b.slot !== "photo").length, "recording"],
    [interviews.length, "interview"]];
  const unsent = counts.filter(([n]) => n).map(([n, noun]) => plural(n, noun)).join(", ");
  const problems = attention.filter(mine).length;
  return [unsent && `${unsent} not sent`, problems && `${problems} ${problems === 1 ? "needs" : "need"} attention`]
    .filter(Boolean).join(" · ");
}

export default function unsentCount(link) {
  const account = Number(link.dataset.account);
  let reading = false;
  let again = false;

  async function refresh() {
    // A laptop that never captured has no store: do not make an empty one just to count nothing.
    if (!self.indexedDB || !(await hasStore("fieldnotes"))) return;
    const [told, study] = await Promise.all([waitingFor(account), getMeta("last_study")]);
    link.href = study ? `/studies/${Number(study)}/capture` : "/capture";
    link.textContent = told;
    link.hidden = !told;
  }

  // One read at a time, and one more if something changed meanwhile: a burst of changes is a count or two.
  async function update() {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    do {
      again = false;
      try {
        await refresh();
      } catch {
        link.hidden = true;  // the store could not be read: claim nothing
      }
    } while (again);
    reading = false;
  }

  on("changed", update);
  addEventListener("online", update);
  addEventListener("pageshow", update);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) update(); });
  update();
}

const link = document.querySelector("[data-unsent-count]");
if (link && link.dataset.account) unsentCount(link);

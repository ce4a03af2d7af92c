// affinity.js: the affinity workspace (templates/insights/affinity.html). Drag notes onto insights,
// or select them with Space and use "Move selected to"; every move goes through the JSON API with
// the versions this page saw, and the page redraws from the server. Other people's moves arrive
// by polling the change feed. Everything here also works as plain forms without this script.
import { changes, send } from "./affinity-api.js";
import { enableDrag } from "./affinity-drag.js";

const POLL_MS = 3000;
const root = document.getElementById("affinity");
const live = document.getElementById("affinity-live");
const studyId = Number(root.dataset.study);
const canGroup = Boolean(root.dataset.canGroup);  // researchers watch, read-only: no moves offered
let counter = Number(root.dataset.counter);
let selected = new Set();
let busy = false;

function announce(message) {
  if (live.textContent !== message) { live.textContent = message; return; }
  live.textContent = "";
  setTimeout(() => { live.textContent = message; }, 50);  // the same words again: a change, so they are spoken
}

function noteText(id) {
  return document.getElementById(`ntext-${id}`)?.textContent.trim() ?? "note";
}

function statementOf(insightId) {
  if (insightId === null) return "the ungrouped notes";
  return `“${document.getElementById(`stmt-${insightId}`)?.textContent.trim() ?? "the insight"}”`;
}

function noteEl(id) { return document.getElementById(`note-${id}`); }

function versionOf(insightId) {
  return Number(document.getElementById(`insight-${insightId}`)?.dataset.version);
}

async function redraw() {
  const focused = document.activeElement?.id;
  const url = new URL(location.href);
  url.searchParams.set("fragment", "1");
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) return;
  root.innerHTML = await response.text();
  selected = new Set([...selected].filter((id) => noteEl(id)));
  decorate();
  if (focused) document.getElementById(focused)?.focus();
}

function decorate() {
  if (!canGroup) return;
  root.classList.add("js-drag");
  for (const card of root.querySelectorAll(".insight-card")) {
    if (card.querySelector(":scope > .card-handle")) continue;
    const handle = document.createElement("span");
    handle.className = "card-handle";
    handle.setAttribute("aria-hidden", "true");  // keyboard: "Move up", "Move down" and "Nest under…"
    handle.title = "Drag to move this insight";
    handle.textContent = "⠿";
    card.prepend(handle);
  }
  root.querySelector(".keyboard-move")?.removeAttribute("hidden");
  for (const note of root.querySelectorAll(".affinity-note")) {
    if (!note.querySelector(".drag-handle")) {
      const handle = document.createElement("span");
      handle.className = "drag-handle";
      handle.setAttribute("aria-hidden", "true");
      handle.textContent = "⠿";
      note.prepend(handle);
    }
    note.classList.toggle("selected", selected.has(note.dataset.note));
    note.setAttribute("aria-roledescription", "draggable note");
    note.setAttribute("aria-label", `${noteText(note.dataset.note)}${selected.has(note.dataset.note) ? ", selected" : ""}`);
  }
}

async function move(noteIds, targetId) {
  if (!noteIds.length || busy) return;
  busy = true;
  const sources = {};
  const versions = {};
  for (const id of noteIds) {
    const from = noteEl(id)?.dataset.from;
    sources[id] = from ? Number(from) : null;
    if (from) versions[from] = versionOf(from);
  }
  if (targetId !== null) versions[targetId] = versionOf(targetId);
  const answer = await send(studyId, "/move-notes", { note_ids: noteIds, target_id: targetId, versions, sources });
  busy = false;
  if (answer.conflict) announce(answer.conflict);
  else if (answer.error) announce(answer.error);
  else {
    const what = noteIds.length === 1 ? `“${noteText(noteIds[0])}”` : `${noteIds.length} notes`;
    announce(`Moved ${what} to ${statementOf(targetId)}.`);
    selected.clear();
  }
  if (answer.state) counter = answer.state.counter;
  await redraw();
}

async function place(insightId, target) {
  if (busy) return;
  busy = true;
  const body = { parent_id: target.parent, before_id: target.before, version: versionOf(insightId) };
  const answer = await send(studyId, `/${insightId}/place`, body);
  busy = false;
  const where = target.before !== null ? `before ${statementOf(target.before)}`
    : target.parent !== null ? `into ${statementOf(target.parent)}` : "to the top level";
  if (answer.conflict) announce(answer.conflict);
  else if (answer.error) announce(answer.error);
  else announce(`Moved ${statementOf(insightId)} ${where}.`);
  if (answer.state) counter = answer.state.counter;
  await redraw();
}

function notesFor(note) {
  const id = note.dataset.note;
  return selected.has(id) ? [...selected] : [id];
}

root.addEventListener("keydown", (event) => {
  const note = event.target.closest?.(".affinity-note");
  if (!note || event.target !== note || event.key !== " ") return;
  event.preventDefault();
  const id = note.dataset.note;
  if (selected.has(id)) selected.delete(id); else selected.add(id);
  decorate();
  announce(`${selected.has(id) ? "Selected" : "Unselected"} “${noteText(id)}”. ${selected.size} selected; `
    + "choose where with “Move selected to”.");
});

root.addEventListener("click", (event) => {
  if (event.target.id !== "move-selected-go") return;
  if (!selected.size) { announce("Select notes first: focus a note and press Space."); return; }
  const value = document.getElementById("move-selected").value;
  move([...selected], value ? Number(value) : null);
});

async function step(kind) {
  if (busy) return;
  busy = true;
  const answer = await send(studyId, `/${kind}`, {});
  busy = false;
  if (answer.conflict || answer.error) announce(answer.conflict || answer.error);
  else announce(kind === "undo" ? "Undone." : "Redone.");
  if (answer.state) counter = answer.state.counter;
  await redraw();
}

// Undo and redo without a reload; Ctrl+Z and Ctrl+Shift+Z (or Ctrl+Y) too, outside text fields.
root.addEventListener("submit", (event) => {
  const kind = event.submitter?.value;
  if (kind !== "undo" && kind !== "redo") return;
  event.preventDefault();
  step(kind);
});
document.addEventListener("keydown", (event) => {
  if (!canGroup || !(event.ctrlKey || event.metaKey) || event.target.matches?.("input, textarea, select")) return;
  const key = event.key.toLowerCase();
  if (key === "z" || key === "y") {
    event.preventDefault();
    step(key === "z" && !event.shiftKey ? "undo" : "redo");
  }
});

const drag = canGroup ? enableDrag(root, { notesFor, onDrop: (ids, target) => move(ids, target), onPlace: place })
  : { active: () => false };

async function poll() {
  const typing = document.activeElement?.matches?.("input, textarea, select");
  if (busy || drag.active() || typing) return;
  const news = await changes(studyId, counter).catch(() => null);
  if (news?.changed) {
    counter = news.counter;
    await redraw();
    announce("The grouping was updated by someone else.");
  }
}

decorate();
setInterval(poll, POLL_MS);

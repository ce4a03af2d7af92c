// affinity.js: the affinity workspace (templates/insights/affinity.html). Drag notes onto insights,
// or select them with Space and use "Move selected to"; every move goes through the JSON API with
// the versions this page saw. A move answers what it changed, which the page shows in place when it
// follows on from the change number the page has (affinity-patch.js), else it reads the workspace
// again. Other people's moves arrive the same way, live: the change feed's stream (live.js), with
// polling whenever the stream is not open. Everything here also works as plain forms without this script.
import { changes, send } from "./affinity-api.js";
import { enableDrag } from "./affinity-drag.js";
import { canPatch, patch } from "./affinity-patch.js";
import { follow } from "./live.js";

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

// Show a change (a move's answer, or the feed's): in place when it follows on from what the page has
// (its `since` is at most the page's counter) and patching can show it, else by reading the workspace.
async function take(change) {
  if (!(Number(change.counter) > counter)) return false;  // the page has it already (its own move)
  const patched = change.since <= counter && canPatch(change) && patch(root, change);
  counter = Number(change.counter);
  if (patched) decorate();
  else await redraw();
  return true;
}

// After this page's own move: its change; a refusal changed nothing; a conflict's board is read whole.
async function settle(answer) {
  if (answer.change) await take(answer.change);
  else if (answer.state) { counter = Math.max(counter, answer.state.counter); await redraw(); }
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
  await settle(answer);
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
  await settle(answer);
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
  await settle(answer);
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

function cannotRedraw() {
  const typing = document.activeElement?.matches?.("input, textarea, select");
  return busy || drag.active() || typing;
}

// A change arrived on the stream (or a poll): show it now, or as soon as the person's own move, drag or
// typing ends (their own move's answer may already have brought it: then there is nothing to do).
const queue = [];
let waiting = false;
async function catchUp(change) {
  if (change) queue.push(change);
  if (waiting) return;
  waiting = true;
  while (queue.length) {
    if (cannotRedraw()) { await new Promise((resolve) => { setTimeout(resolve, 300); }); continue; }
    if (await take(queue.shift())) announce("The grouping was updated by someone else.");
  }
  waiting = false;
}

async function poll() {
  if (cannotRedraw()) return;
  const news = await changes(studyId, counter).catch(() => null);
  if (news?.changed) await catchUp(news);
}

decorate();
follow(`/api/studies/${studyId}/insights/live`, { onEvent: catchUp, poll, since: counter, pollMs: POLL_MS });

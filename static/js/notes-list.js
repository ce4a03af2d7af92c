// notes-list.js: data-js="notes-list" on the capture screen: this visit's notes, newest first,
// each with its kind, touchpoint, role and tags, its state (saved on this phone / sent / media
// pending / needs attention), each photo's and recording's upload (waiting, uploading, sent, failed), and
// edit and delete that work offline too. Notes another account made on this phone and has not
// sent are not shown: they are theirs (issue 9: shared phones).
import { all, getMeta } from "./db.js";
import { byId } from "./context.js";
import { deleteNote, isMine } from "./outbox.js";
import { emit, on } from "./status.js";
import { describeAttention } from "./waiting.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

const SLOT = { photo: "Photo", audio: "Recording" };

// "Photo: uploading 40%": from the blob still held (not verified yet), the bytes the server has
// (media.js tells "progress") and a refusal waiting in attention. No blob held: the server has it.
function uploadOf(item, held, refused, progress) {
  const name = SLOT[item.slot] || "File";
  if (refused.has(item.id)) return ["failed", `${name}: failed, see “needs attention”`];
  if (!held.has(item.id)) return ["sent", `${name}: sent`];
  const sent = progress.get(item.id);
  if (sent == null) return ["waiting", `${name}: waiting to upload`];
  return ["uploading", `${name}: uploading ${Math.floor((100 * sent) / (item.size || 1))}%`];
}

function stateOf(note, pending, blobs, attention) {
  if (attention.length) return ["attention", attention.map(describeAttention).join(" ")];
  if (pending.has(note.id)) return ["local", "Saved on this phone"];
  if (blobs.has(note.id)) return ["media", "Sent · photo or audio still uploading"];
  return ["sent", "Sent"];
}

export default function notesList(section) {
  const studyId = Number(section.closest("[data-study-id]").dataset.studyId);
  const list = section.querySelector("[data-notes]");
  const empty = section.querySelector("[data-empty]");
  let visitId = null;
  let touchpoints = new Map();
  let roles = new Map();
  const progress = new Map();  // media id -> bytes the server has

  const confirming = new Set();  // survives re-renders, so a sync does not cancel "Yes, delete"
  let shown = "";

  function button(text, label, onClick, className = null) {
    const b = el("button", className, text);
    b.type = "button";
    if (label) b.setAttribute("aria-label", label);
    b.dataset.focusKey = `${text}:${label}`;
    b.addEventListener("click", onClick);
    return b;
  }

  function actions(note) {
    const box = el("div", "note-actions");
    const about = note.text.slice(0, 40);
    if (confirming.has(note.id)) {
      box.append(
        button("Yes, delete", null, async () => { confirming.delete(note.id); await deleteNote(note.id); render(); }, "danger"),
        button("Keep it", null, () => { confirming.delete(note.id); render(true); }));
      return box;
    }
    box.append(
      button("Edit", `Edit note: ${about}`, () => emit("edit", { id: note.id }, { broadcast: false })),
      button("Delete", `Delete note: ${about}`, () => {
        confirming.add(note.id);
        render(true).then(() => list.querySelector(`[data-note-id="${note.id}"] .danger`)?.focus());
      }));
    return box;
  }

  async function render(force = false) {
    const [records, outbox, everyBlob, every] = await Promise.all(
      [all("records", "study", studyId), all("outbox"), all("blobs"), all("attention")]);
    const pending = new Set(outbox.filter(isMine).map((m) => m.entity_id));
    const theirs = new Set([...outbox, ...every].filter((row) => !isMine(row)).map((row) => row.entity_id));
    const held = new Set(everyBlob.filter(isMine).map((b) => b.note_id));
    const heldFiles = new Set(everyBlob.filter(isMine).map((b) => b.id));
    const attention = every.filter(isMine);
    const refused = new Set(attention.filter((a) => a.media_id).map((a) => a.media_id));
    const ids = new Set(records.map((r) => r.id));
    // A note whose change the server turned down stays visible even if the server deleted it.
    const orphans = attention.filter((a) => !ids.has(a.entity_id) && a.data?.study_id === studyId)
      .map((a) => ({ ...a.data, id: a.entity_id, orphan: true }));
    const notes = [...records.filter((r) => !r.deleted), ...orphans]
      .filter((n) => (n.visit_id ?? null) === visitId && !theirs.has(n.id))
      .sort((a, b) => (b.captured_at || "").localeCompare(a.captured_at || ""));
    const rows = notes.map((note) => [note, stateOf(note, pending, held, attention.filter((a) => a.entity_id === note.id)),
      (note.media || []).map((item) => uploadOf(item, heldFiles, refused, progress))]);
    const signature = JSON.stringify([rows, [...confirming]]);
    if (signature === shown && !force) return;  // nothing changed: keep the DOM (and focus) as it is
    shown = signature;
    const focusKey = list.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    empty.hidden = notes.length > 0;
    list.replaceChildren(...rows.map(([note, [state, label], uploads]) => {
      const item = el("li", `note state-${state}`);
      item.dataset.noteId = note.id;
      const meta = [note.kind, touchpoints.get(String(note.touchpoint_id))?.name,
        roles.get(String(note.role_id))?.name, ...(note.tags || [])];
      item.append(el("p", "note-text", note.text || "(photo or recording)"),
        el("p", "note-meta", meta.filter(Boolean).join(" · ")),
        el("p", "note-state", label));
      if (uploads.length) {
        const files = el("ul", "note-media");
        files.append(...uploads.map(([upload, text]) => el("li", `upload upload-${upload}`, text)));
        item.append(files);
      }
      if (!note.orphan) item.append(actions(note));
      return item;
    }));
    if (focusKey) [...list.querySelectorAll("button")].find((b) => b.dataset.focusKey === focusKey)?.focus();
  }

  // Read again on "visit": capture-form.js tells it once the study context is loaded (or refreshed).
  async function names() {
    const ctx = await getMeta(`context:${studyId}`);
    touchpoints = byId(ctx?.touchpoints);
    roles = byId(ctx?.roles);
  }
  names().then(() => render());
  on("progress", ({ id, sent }) => { progress.set(id, sent); render(); });
  on("visit", async ({ id }) => { visitId = id; await names(); render(true); });
  on("changed", render);
}

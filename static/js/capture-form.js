// capture-form.js: data-js="capture-form" on the capture screen: one tap saves a note on this
// phone (record + outbox in one transaction), then tries to send it. Visit, participant,
// touchpoint and role stay for the next note, and are kept in IndexedDB meta for the next time capture
// opens, folded into a one-line summary under the note box (context.js). The chosen
// participant's consent is shown, and a quote, photo or recording it does not cover asks once more
// before it is saved.
import { getMeta, request, setMeta, tx } from "./db.js";
import { addChip, chipValue, renderChips, setChip } from "./chips.js";
import { byId, contextSummary, loadContext } from "./context.js";
import { flush } from "./flush.js";
import { roleGuide, watchConsent } from "./guide.js";
import { saveNote } from "./outbox.js";
import { emit, on } from "./status.js";

const KINDS = ["observation", "quote", "breakdown", "workaround", "delight", "artifact", "idea"];
const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const num = (v) => (v === "" || v == null ? null : Number(v));

async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function mediaOf(form, recorderEl) {
  const items = [];
  const photo = form.elements.photo.files[0];
  if (photo) items.push({ slot: "photo", blob: photo, mime: photo.type || "image/jpeg" });
  if (recorderEl?.recording) items.push({ slot: "audio", blob: recorderEl.recording, mime: recorderEl.recording.type });
  return Promise.all(items.map(async (m) => ({ id: crypto.randomUUID(), slot: m.slot, mime: m.mime,
    size: m.blob.size, sha256: await sha256(m.blob), blob: m.blob })));
}

export default async function captureForm(form) {
  // Before the real handler is wired (it waits for the study context), a submit must never go
  // to the server natively: that would be a GET that navigates away and drops the note.
  form.addEventListener("submit", (event) => event.preventDefault());
  const app = form.closest("[data-study-id]");
  const studyId = Number(app.dataset.studyId);
  const status = form.querySelector("[data-form-status]");
  const groups = Object.fromEntries([...form.querySelectorAll("[data-chips]")].map((f) => [f.dataset.chips, f]));
  const recorderEl = form.querySelector('[data-js="recorder"]');
  const visitSelect = form.elements.visit_id;
  const save = form.querySelector(".save");
  const cancel = form.querySelector("[data-cancel-edit]");
  const ctx = (await loadContext(app.dataset.contextUrl, studyId)) || {};
  const participants = byId(ctx.participants);
  if (!ctx.study) status.textContent = "Open this screen once while online to load the study's journey and visits.";

  const active = (terms) => (terms || []).filter((t) => !t.retired).sort((a, b) => a.position - b.position)
    .map((t) => ({ value: t.id, text: t.name }));
  renderChips(groups.touchpoint_id, active(ctx.touchpoints));
  renderChips(groups.role_id, active(ctx.roles));
  renderChips(groups.kind, (ctx.kinds || KINDS).map((k) => ({ value: k, text: capital(k) })), "observation");
  renderChips(groups.tags, (ctx.tags || []).map((t) => ({ value: t.name, text: t.name })));
  const visits = [...(ctx.visits || [])].sort((a, b) => b.visited_on.localeCompare(a.visited_on));
  // Grouped by account, the account visited last first (issue 15): a researcher back at a customer finds
  // its visits together. A context from before accounts has no organisation_id: its name groups it.
  const accounts = new Map();
  for (const v of visits) {
    const key = v.organisation_id ?? v.organisation;
    if (!accounts.has(key)) {
      const group = document.createElement("optgroup");
      group.label = v.organisation;
      accounts.set(key, group);
      visitSelect.append(group);
    }
    const option = new Option(`${v.visited_on} · ${v.organisation}`, v.id);
    option.dataset.short = v.organisation;  // for the one-line summary (context.js)
    accounts.get(key).append(option);
  }

  const chosen = () => participants.get(chipValue(groups.participant_id)) || null;
  // The uses of a person's words and image this note would make.
  const uses = () => [chipValue(groups.kind) === "quote" && form.elements.text.value.trim() ? "quote" : null,
    form.elements.photo.files.length ? "photo" : null, recorderEl?.recording ? "audio" : null].filter(Boolean);
  const noPerson = () => Boolean(form.elements.no_person?.checked);
  const consent = watchConsent(form, { chosen, uses, noPerson });
  const summary = contextSummary(form);
  // The role guide for whoever is observed (guide.js): their consent, their role's questions, the visit's plan.
  const guide = roleGuide(app.querySelector("[data-guide]"), ctx.guide, recorderEl?.querySelector("[data-record]"));
  const showGuide = () => guide.show(chosen(), visitSelect.value);
  // In the study's order (the server sorts pseudonyms naturally: P2 before P10), this visit's people only.
  function showParticipants(selected) {
    const visit = visits.find((v) => String(v.id) === visitSelect.value);
    const onVisit = new Set((visit?.participant_ids || []).map(String));
    const ids = [...participants.keys()].filter((id) => !onVisit.size || onVisit.has(id));
    renderChips(groups.participant_id, ids.map((id) => ({ value: id, text: participants.get(id).pseudonym })), selected);
    consent.show();
    showGuide();
    summary.show();
  }
  const remembered = await getMeta(`visit:${studyId}`, "");
  const last = await getMeta(`choices:${studyId}`);
  visitSelect.value = visits.some((v) => String(v.id) === String(remembered)) ? String(remembered) : "";
  showParticipants(last?.participant_id);
  if (last) for (const name of ["touchpoint_id", "role_id"]) setChip(groups[name], last[name]);
  summary.show();
  // Nothing chosen on this phone yet: the choices are open, as the first thing to set.
  form.querySelector("[data-context]").open = !last && !visitSelect.value;
  emit("visit", { id: num(visitSelect.value) }, { broadcast: false });

  const showExpected = () => { form.querySelector("[data-expected]").hidden = chipValue(groups.kind) !== "breakdown"; };
  const markDirty = () => {
    const f = form.elements;
    form.dataset.dirty = f.text.value || f.expected.value || f.photo.files.length || recorderEl?.recording ? "true" : "";
  };
  visitSelect.addEventListener("change", async () => {
    await setMeta(`visit:${studyId}`, visitSelect.value);
    showParticipants();
    emit("visit", { id: num(visitSelect.value) }, { broadcast: false });
  });
  groups.participant_id.addEventListener("change", () => {
    const p = chosen();
    if (p?.role_id) setChip(groups.role_id, p.role_id);
    consent.show();
    showGuide();
  });
  groups.kind.addEventListener("change", showExpected);
  form.addEventListener("input", markDirty);
  const newTag = form.querySelector("#new-tag");
  const addTag = () => { addChip(groups.tags, newTag.value); newTag.value = ""; };
  form.querySelector("[data-add-tag]").addEventListener("click", addTag);
  newTag.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addTag(); } });

  function clear() {
    for (const name of ["note_id", "text", "expected", "photo"]) form.elements[name].value = "";
    if (form.elements.no_person) form.elements.no_person.checked = false;
    delete form.dataset.resolves;
    consent.reset();
    recorderEl?.clear?.();
    setChip(groups.kind, "observation");
    setChip(groups.tags, []);
    showExpected();
    summary.show();
    markDirty();
    save.textContent = "Save note";
    cancel.hidden = true;
  }
  cancel.addEventListener("click", () => { clear(); status.textContent = "Edit cancelled."; });

  // mine: my version of a note in attention (the badge's panel, sync-badge.js), edited to answer it (resolves);
  // asNew: the server deleted the note, so mine is saved as a new one.
  on("edit", async ({ id, mine = null, resolves = null, asNew = false }) => {
    const record = await tx(["records"], "readonly", ({ records }) => request(records.get(id)));
    const note = mine ? { ...record, ...mine, id } : record;
    if (!note) return;
    form.elements.note_id.value = asNew ? "" : note.id;
    if (resolves) form.dataset.resolves = resolves;
    else delete form.dataset.resolves;
    form.elements.text.value = note.text || "";
    form.elements.expected.value = note.expected || "";
    if (form.elements.no_person) form.elements.no_person.checked = Boolean(note.no_person);
    showParticipants(note.participant_id);
    for (const name of ["touchpoint_id", "role_id", "kind", "tags"]) setChip(groups[name], note[name]);
    showExpected();
    summary.show();
    save.textContent = "Save changes";
    cancel.hidden = false;
    status.textContent = "Editing a note.";
    form.elements.text.focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "Saving…";
    const media = await mediaOf(form, recorderEl);
    const text = form.elements.text.value.trim();
    if (!text && !media.length) {
      status.textContent = "Write the note, or add a photo or recording, first.";
      form.elements.text.focus();
      return;
    }
    if (consent.stops()) {
      status.textContent = "";
      return;
    }
    const kind = chipValue(groups.kind) || "observation";
    const fields = {
      study_id: studyId, kind, text, visit_id: num(visitSelect.value),
      expected: kind === "breakdown" ? form.elements.expected.value.trim() || null : null,
      touchpoint_id: num(chipValue(groups.touchpoint_id)), role_id: num(chipValue(groups.role_id)),
      participant_id: num(chipValue(groups.participant_id)), tags: chipValue(groups.tags),
      no_person: noPerson(),
    };
    if (form.elements.note_id.value) fields.id = form.elements.note_id.value;
    try {
      await saveNote(fields, media, { resolves: form.dataset.resolves || null });
    } catch (error) {
      status.textContent = `Not saved: this phone refused to store it (${error.message}). Keep the text and try again.`;
      return;
    }
    // The last choices, for the next time capture opens; the note is safe whatever becomes of this.
    setMeta(`choices:${studyId}`, { participant_id: fields.participant_id, touchpoint_id: fields.touchpoint_id,
      role_id: fields.role_id }).catch(() => {});
    clear();
    summary.fold();
    status.textContent = "Saved on this phone.";
    emit("saved", {}, { broadcast: false });
    flush();
  });
  showExpected();
  if (window.indexedDB) save.disabled = false;  // ready: without IndexedDB it stays off (capabilities.js says why)
}

// context.js: the study's touchpoints, roles, visits, participants and tags for the capture
// screen (capture-form.js, notes-list.js). Fetched when online and kept in IndexedDB, so the
// screen works fully offline after one online visit. And the capture form's choices of them, folded
// into one line (contextSummary).
import { getMeta, setMeta } from "./db.js";

export async function loadContext(url, studyId) {
  const key = `context:${studyId}`;
  // With a copy on the phone, a weak signal must not hold the form back for long.
  const kept = await getMeta(key);
  try {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" },
      signal: AbortSignal.timeout(kept ? 1500 : 10000) });
    if (response.ok) {
      const context = await response.json();
      await setMeta(key, context);
      if (!(await getMeta("epoch"))) await setMeta("epoch", context.epoch);
      return context;
    }
  } catch {
    // offline, unreachable or slow: the copy kept on this phone serves
  }
  return kept;
}

export function byId(list) {
  return new Map((list || []).map((item) => [String(item.id), item]));
}

// contextSummary: the capture form's context (visit, participant, touchpoint, role, kind) folded
// into one line of the last choices (issue 12, type first): most notes share the last note's context,
// so the note box leads and the choices open only to change them. The fold is a <details>, which
// keyboards and screen readers use as a disclosure; "Done" folds it and returns to the note box.
// Only what is chosen is named, so the line stays short; nothing chosen at all says so.
function chosenLabel(form, name) {
  const input = form.querySelector(`[data-chips="${name}"] input.chip-input:checked`);
  if (!input || input.value === "") return "";
  return input.labels[0]?.textContent || input.value;
}

function visitLabel(select) {
  const option = select.selectedOptions[0];
  return option && option.value !== "" ? option.dataset.short || option.textContent : "";
}

export function contextSummary(form) {
  const details = form.querySelector("[data-context]");
  const line = details.querySelector("[data-context-summary]");
  const note = form.elements.text;

  function show() {
    const kind = chosenLabel(form, "kind");
    const chosen = [visitLabel(form.elements.visit_id),
      ...["participant_id", "touchpoint_id", "role_id"].map((name) => chosenLabel(form, name))].filter(Boolean);
    line.textContent = [...(chosen.length ? chosen : ["No visit or participant"]), kind].filter(Boolean).join(" · ");
  }

  // Opened by a tap: bring the choices up under the sync bar, so the chips are in reach without a
  // scroll of one's own ("Done" stays at the foot of the screen while they are open: app.css).
  details.querySelector("summary").addEventListener("click", () => requestAnimationFrame(() => {
    if (details.open) details.scrollIntoView({ block: "start" });
  }));
  details.querySelector("[data-context-done]").addEventListener("click", () => {
    details.open = false;
    note.focus();  // the next thing a researcher does is write
  });
  form.addEventListener("change", show);

  return {
    show,
    fold() { details.open = false; show(); },
    // Open, e.g. to change the participant after a consent warning.
    open() { details.open = true; },
  };
}

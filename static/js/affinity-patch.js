// affinity-patch.js: show a move's change (fieldnotes/insights/feed.py) on this page without reading
// the workspace again: notes moved into insights, to their place there, and the versions, breadth and
// journey strips of the insights touched. Anything else answers false and the caller reads the whole
// workspace, as it once did on every move: an insight made, removed, renamed, nested or reordered; a
// note this page does not show; a note back among the ungrouped (where the filters and the order
// decide its place); the sort by breadth (a breadth that changes may reorder the column).
const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;

function cardOf(insightId) { return document.getElementById(`insight-${insightId}`); }

export function canPatch(change) {
  if (!change || change.full || change.layout || change.removed?.length) return false;
  if (new URLSearchParams(location.search).get("sort") === "breadth") return false;
  if (!change.insights.every((insight) => cardOf(insight.id))) return false;
  return Object.entries(change.notes).every(([id, place]) => {
    const note = document.getElementById(`note-${id}`);
    if (place === null) return !note || !note.dataset.from;  // ungrouped already here, or not shown here
    return Boolean(note && cardOf(place[0]));
  });
}

function showBreadth(card, insight) {
  const b = insight.breadth;
  card.querySelector(":scope > .breadth").textContent = [
    plural(b.notes, "note"), plural(b.participants, "participant"), plural(b.organisations, "organisation"),
    plural(b.roles, "role"), plural(b.visits, "visit"), plural(b.researchers, "researcher")].join(" · ");
  card.querySelectorAll(":scope > .warning").forEach((warning) => warning.remove());
  const warnings = [b.single_organisation && "Rests on one organisation.",
    b.single_researcher && "Rests on one researcher's notes."].filter(Boolean);
  let after = card.querySelector(":scope > .breadth");
  for (const words of warnings) {
    const warning = document.createElement("p");
    warning.className = "warning";
    warning.textContent = words;
    after.after(warning);
    after = warning;
  }
  for (const stop of card.querySelectorAll(":scope > .journey-strip > li[data-touchpoint]")) {
    const covered = b.touchpoint_ids.includes(Number(stop.dataset.touchpoint));
    stop.className = covered ? "covered" : "empty";
    const said = stop.querySelector(".visually-hidden");
    if (covered && !said) {
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = " (covered)";
      stop.append(hidden);
    } else if (!covered && said) said.remove();
  }
}

function showInsight(insight) {
  const card = cardOf(insight.id);
  card.dataset.version = String(insight.version);
  const version = card.querySelector(":scope > details form input[name=version]");
  if (version) version.value = String(insight.version);
  showBreadth(card, insight);
  // An insight with notes is deleted only by ungrouping them (service.delete_insight): say which.
  const remove = card.querySelector(":scope > details button[value=delete], :scope > details button[value=ungroup-delete]");
  const hasNotes = Boolean(card.querySelector(":scope > .insight-notes > .affinity-note"));
  if (remove) {
    remove.value = hasNotes ? "ungroup-delete" : "delete";
    remove.textContent = hasNotes ? "Ungroup notes and delete" : "Delete";
  }
}

function placeNote(note, [insightId, position]) {
  const list = cardOf(insightId).querySelector(":scope > .insight-notes");
  const row = note.closest(".pick-row");  // an ungrouped note's row, with its tick box
  note.dataset.from = String(insightId);
  note.dataset.position = String(position);
  const next = [...list.children].find((other) => other !== note && Number(other.dataset.position) > position);
  list.insertBefore(note, next ?? null);
  if (row) row.remove();
  return row ? 1 : 0;
}

// The ungrouped column's count, less the notes that left it; false when it is now empty, as the
// page then says so in words only a full read brings.
function recount(root, left) {
  const heading = root.querySelector("#ungrouped-heading");
  if (heading) heading.textContent = heading.textContent.replace(/\((\d+)/, (_, n) => `(${Math.max(0, Number(n) - left)}`);
  return Boolean(root.querySelector(".affinity-ungrouped > .pick-row"));
}

// Apply a change canPatch allowed; false when the page needs a full read after all.
export function patch(root, change) {
  const focused = document.activeElement?.id;
  let left = 0;
  for (const [id, place] of Object.entries(change.notes)) {
    if (place !== null) left += placeNote(document.getElementById(`note-${id}`), place);
  }
  change.insights.forEach(showInsight);
  if (focused && document.activeElement?.id !== focused) document.getElementById(focused)?.focus();
  return left === 0 || recount(root, left);
}

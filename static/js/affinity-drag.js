// affinity-drag.js: drag notes with pointer events (mouse, pen and touch alike; HTML5 drag and
// drop does not work on touch screens). A mouse drags the whole note; a finger drags its handle,
// so that a finger on the note itself still scrolls the list.
const THRESHOLD = 6;

export function dropTargetAt(x, y) {
  const el = document.elementFromPoint(x, y);
  if (!el) return null;
  const card = el.closest(".insight-card");
  if (card) return { el: card, insightId: Number(card.dataset.insight) };
  const left = el.closest(".affinity-left");
  return left ? { el: left, insightId: null } : null;
}

export function enableDrag(root, { notesFor, onDrop }) {
  let drag = null;

  root.addEventListener("pointerdown", (event) => {
    const note = event.target.closest(".affinity-note");
    if (!note || event.button !== 0 || event.target.closest("select, button, input, textarea, a, label")) return;
    if (event.pointerType !== "mouse" && !event.target.closest(".drag-handle")) return;
    drag = { note, x: event.clientX, y: event.clientY, started: false, id: event.pointerId };
  });

  root.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    if (!drag.started) {
      if (Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < THRESHOLD) return;
      drag.started = true;
      drag.notes = notesFor(drag.note);
      drag.ghost = drag.note.cloneNode(true);
      drag.ghost.removeAttribute("id");
      drag.ghost.querySelectorAll("[id]").forEach((el) => el.removeAttribute("id"));
      drag.ghost.classList.add("drag-ghost");
      drag.ghost.setAttribute("aria-hidden", "true");
      document.body.append(drag.ghost);
      drag.note.setPointerCapture?.(event.pointerId);
      root.classList.add("dragging");
    }
    event.preventDefault();
    drag.ghost.style.setProperty("--x", `${event.clientX}px`);
    drag.ghost.style.setProperty("--y", `${event.clientY}px`);
    const target = dropTargetAt(event.clientX, event.clientY);
    if (drag.over !== target?.el) {
      drag.over?.classList.remove("drop-over");
      target?.el.classList.add("drop-over");
      drag.over = target?.el;
    }
  });

  const finish = (event, drop) => {
    if (!drag || event.pointerId !== drag.id) return;
    const done = drag;
    drag = null;
    if (!done.started) return;
    done.ghost.remove();
    done.over?.classList.remove("drop-over");
    root.classList.remove("dragging");
    const target = drop && dropTargetAt(event.clientX, event.clientY);
    if (target) onDrop(done.notes, target.insightId);
  };
  root.addEventListener("pointerup", (event) => finish(event, true));
  root.addEventListener("pointercancel", (event) => finish(event, false));
  return { active: () => Boolean(drag?.started) };
}

// affinity-drag.js: drag notes and insights with pointer events (mouse, pen and touch alike;
// HTML5 drag and drop does not work on touch screens). A mouse drags a note anywhere on it; a
// finger drags its handle, so a finger on the note itself still scrolls. An insight is dragged by
// its handle: dropped on another insight's statement it goes just before it, dropped on the rest of
// a card it goes inside (a theme), dropped on the column's free space it goes last at the top level.
const THRESHOLD = 6;

export function noteTargetAt(x, y) {
  const el = document.elementFromPoint(x, y);
  if (!el) return null;
  const card = el.closest(".insight-card");
  if (card) return { el: card, insightId: Number(card.dataset.insight) };
  const left = el.closest(".affinity-left");
  return left ? { el: left, insightId: null } : null;
}

export function cardTargetAt(x, y, dragged) {
  const el = document.elementFromPoint(x, y);
  if (!el || dragged.contains(el)) return null;
  const heading = el.closest(".insight-statement");
  const card = el.closest(".insight-card");
  if (heading && card) return { el: heading, before: Number(card.dataset.insight), parent: null };
  if (card) return { el: card, before: null, parent: Number(card.dataset.insight) };
  const right = el.closest(".affinity-right");
  return right ? { el: right, before: null, parent: null } : null;
}

function startKind(event) {
  if (event.button !== 0) return null;
  const cardHandle = event.target.closest(".card-handle");
  if (cardHandle) return { kind: "card", el: cardHandle.closest(".insight-card") };
  const note = event.target.closest(".affinity-note");
  if (!note || event.target.closest("select, button, input, textarea, a, label, summary")) return null;
  if (event.pointerType !== "mouse" && !event.target.closest(".drag-handle")) return null;
  return { kind: "note", el: note };
}

export function enableDrag(root, { notesFor, onDrop, onPlace }) {
  let drag = null;

  root.addEventListener("pointerdown", (event) => {
    const start = startKind(event);
    if (start) drag = { ...start, x: event.clientX, y: event.clientY, started: false, id: event.pointerId };
  });

  const targetAt = (event) => (drag.kind === "note" ? noteTargetAt(event.clientX, event.clientY)
    : cardTargetAt(event.clientX, event.clientY, drag.el));

  root.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    if (!drag.started) {
      if (Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < THRESHOLD) return;
      drag.started = true;
      drag.notes = drag.kind === "note" ? notesFor(drag.el) : null;
      const source = drag.kind === "note" ? drag.el : drag.el.querySelector(".insight-statement");
      drag.ghost = source.cloneNode(true);
      drag.ghost.removeAttribute("id");
      drag.ghost.querySelectorAll("[id]").forEach((el) => el.removeAttribute("id"));
      drag.ghost.classList.add("drag-ghost");
      drag.ghost.setAttribute("aria-hidden", "true");
      document.body.append(drag.ghost);
      event.target.setPointerCapture?.(event.pointerId);
      root.classList.add("dragging");
    }
    event.preventDefault();
    drag.ghost.style.setProperty("--x", `${event.clientX}px`);
    drag.ghost.style.setProperty("--y", `${event.clientY}px`);
    const target = targetAt(event);
    if (drag.over !== target?.el) {
      drag.over?.classList.remove("drop-over");
      target?.el.classList.add("drop-over");
      drag.over = target?.el;
    }
  });

  const finish = (event, drop) => {
    if (!drag || event.pointerId !== drag.id) return;
    const target = drop && drag.started ? targetAt(event) : null;
    const done = drag;
    drag = null;
    if (!done.started) return;
    done.ghost.remove();
    done.over?.classList.remove("drop-over");
    root.classList.remove("dragging");
    if (!target) return;
    if (done.kind === "note") onDrop(done.notes, target.insightId);
    else onPlace(Number(done.el.dataset.insight), target);
  };
  root.addEventListener("pointerup", (event) => finish(event, true));
  root.addEventListener("pointercancel", (event) => finish(event, false));
  return { active: () => Boolean(drag?.started) };
}

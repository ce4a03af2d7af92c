// workshop-wall.js: the TV wall (templates/workshops/wall.html). Redraws the groups from the feed as
// phones move cards, and makes the facilitator's forms (deal, name, merge, nest, lock) without a
// reload. Ending the workshop stays a plain form: it goes on to the affinity workspace.
import { drawInto, follow, post, speaker } from "./workshop-feed.js";

const root = document.getElementById("workshop-wall");
const holder = document.getElementById("wall-screen");
const say = speaker(document.getElementById("wall-told"));
let pending = null;  // a redraw waiting for the facilitator to leave a field they are typing in

function seqOf() { return Number(holder.querySelector("[data-seq]")?.dataset.seq ?? 0); }

function editing() {
  const active = document.activeElement;
  return holder.contains(active) && active.matches("input, select, textarea");
}

function draw(screen) {
  if (screen.html === undefined || screen.seq < seqOf()) return;
  if (editing()) { pending = screen; return; }
  pending = null;
  // Keep open what the facilitator opened: the redraw should not shut a group's controls under them.
  const open = [...holder.querySelectorAll("details[open]")].map((d) => d.closest("[data-group]")?.dataset.group ?? d.className);
  const focused = document.activeElement && holder.contains(document.activeElement) ? document.activeElement.id : null;
  drawInto(holder, screen.html);
  for (const details of holder.querySelectorAll("details")) {
    const key = details.closest("[data-group]")?.dataset.group ?? details.className;
    if (open.includes(key)) details.open = true;
  }
  if (focused) document.getElementById(focused)?.focus();
  decorate();
}

function tellMoves(screen) {
  const last = (screen.moves ?? []).filter((m) => m.kind === "place" || m.kind === "join").at(-1);
  if (!last) return;
  say(last.kind === "join" ? `${last.by} joined.` : `${last.by} placed a card in ${last.where}.`);
}

async function send(form) {
  const body = Object.fromEntries(new FormData(form));
  try {
    const { answer } = await post(form.getAttribute("action"), body, false);
    if (answer.screen) { feed.drew(answer.screen.seq); pending = null; forceDraw(answer.screen); }
    say(answer.told || answer.description || "That did not work: try again.");
  } catch (error) {
    say("No connection: nothing changed. Try again when the network is back.");
  }
}

function forceDraw(screen) {
  document.activeElement?.blur?.();
  draw(screen);
}

function decorate() {
  for (const form of holder.querySelectorAll("form[data-facilitate]")) {
    form.addEventListener("submit", (event) => { event.preventDefault(); send(form); });
  }
}

holder.addEventListener("focusout", () => {
  setTimeout(() => { if (pending && !editing()) draw(pending); }, 0);
});

const feed = follow(root.dataset.feed, seqOf(), (screen) => { draw(screen); tellMoves(screen); }, root.dataset.live);
decorate();

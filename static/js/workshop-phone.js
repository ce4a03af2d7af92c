// workshop-phone.js: the phone's card deck (templates/workshops/phone.html). Each button is a plain
// form that works without this script; here the moves go as JSON, the card is redrawn in place,
// and the live region says where it went, or who moved a card this phone had placed.
import { drawInto, follow, post, speaker } from "./workshop-feed.js";

const SWIPE_PX = 80;
const PHONE_GAP_MS = 300;  // how often at most a phone fetches its screen (the wall: as often as told)
const root = document.getElementById("workshop-phone");
const holder = document.getElementById("phone-screen");
const say = speaker(document.getElementById("phone-told"));
const me = Number(root.dataset.me);
const mine = new Set();   // cards this phone moved: if someone moves one later, this phone is told
let lastGroup = null;     // where a swipe to the right puts the card
let busy = false;
let swiping = false;      // a finger (or mouse) on the card: a redraw now would drop the gesture

function currentCard() {
  return holder.querySelector("[data-card]")?.dataset.card ?? null;
}

function seqOf(element) { return Number(element.querySelector("[data-seq]")?.dataset.seq ?? 0); }

let drawnShape = null;   // the screen last drawn, less its move number

function draw(screen, { focusCard = false } = {}) {
  if (screen.html === undefined || screen.seq < seqOf(holder)) return;
  // Moves elsewhere in the room raise the number but often change nothing on this phone: keep the
  // buttons in place then, so a thumb already on its way to one does not land on a replaced node.
  const shape = screen.html.replace(/data-seq="\d+"/, "");
  const shown = holder.querySelector("[data-seq]");
  if (shape === drawnShape && shown) {
    shown.dataset.seq = String(screen.seq);
    return false;
  }
  drawnShape = shape;
  const hadFocus = holder.contains(document.activeElement);
  const before = currentCard();
  drawInto(holder, screen.html);
  decorate();
  const after = currentCard();
  if ((focusCard || hadFocus) && after) {
    holder.querySelector("#card-text")?.focus();
  } else if (hadFocus) {
    holder.querySelector("button")?.focus();
  }
  return before !== after;
}

function told(screen) {
  const current = currentCard();
  for (const move of screen.moves ?? []) {
    if (move.by_id === me || !move.card) continue;
    // The later move wins; the phone whose move it replaced hears so ("Sam moved this card to …").
    if ((move.kind === "place" || move.kind === "pass") && mine.has(move.card)) {
      say(move.text ? `${move.by} moved this card to ${move.where}: “${move.text}”.`
                    : `${move.by} moved a card you placed to ${move.where}.`);
    }
  }
  return current;
}

async function send(form) {
  if (busy) return;
  busy = true;
  const data = Object.fromEntries(new FormData(form));
  const body = { card: data.card, action: data.action, version: Number(data.version) };
  if (data.group) body.group = Number(data.group);
  try {
    const { ok, answer } = await post(form.getAttribute("action"), body, true);
    const screen = answer.screen;
    if (ok) {
      mine.add(data.card);
      if (data.action === "place") lastGroup = data.group;
      if (screen) { feed.drew(screen.seq); draw(screen, { focusCard: true }); }
      say(answer.told);
    } else {
      if (screen) { feed.drew(screen.seq); draw(screen, { focusCard: true }); }
      say(answer.description || "That did not work: try again.");
    }
  } catch (error) {
    say("No connection: the card stayed in your hand. Try again when the network is back.");
  } finally {
    busy = false;
  }
}

function decorate() {
  for (const form of holder.querySelectorAll("form[data-move]")) {
    form.addEventListener("submit", (event) => { event.preventDefault(); send(form); });
  }
  const card = holder.querySelector(".phone-card");
  const hint = holder.querySelector("#swipe-hint");
  const target = lastGroup && holder.querySelector(`form[data-move] input[name=group][value="${lastGroup}"]`);
  if (hint) {
    const label = target?.form.querySelector("button")?.firstChild.textContent.trim().replace(/^Into /, "");
    hint.textContent = label ? `Tap a group to place the card. Swipe left to pass it on, right to put it in ${label}.`
                             : "Tap a group to place the card. Swipe left to pass it on, right to start a new group.";
  }
  if (card) enableSwipe(card, target?.form ?? holder.querySelector("form[data-move] input[value=new]")?.form);
}

function enableSwipe(card, rightForm) {
  let start = null;
  card.addEventListener("pointerdown", (event) => { start = { x: event.clientX, y: event.clientY }; swiping = true; });
  card.addEventListener("pointerup", (event) => {
    swiping = false;
    if (!start) return;
    const dx = event.clientX - start.x;
    const dy = event.clientY - start.y;
    start = null;
    if (Math.abs(dx) < SWIPE_PX || Math.abs(dy) > Math.abs(dx)) return;
    const form = dx < 0 ? holder.querySelector("form[data-pass]") : rightForm;
    if (form && !form.querySelector("button").disabled) send(form);
  });
  card.addEventListener("pointercancel", () => { start = null; swiping = false; });
}

const feed = follow(root.dataset.feed, seqOf(holder), (screen) => {
  if (busy || swiping) { setTimeout(() => feed.check(), 200); return false; }
  const held = currentCard();
  told(screen);
  const changed = draw(screen);
  const taken = (screen.moves ?? []).find((m) => m.card === held && m.by_id !== me);
  if (changed && taken) say(`${taken.by} moved the card you were holding to ${taken.where}.`);
}, root.dataset.live, { minGapMs: PHONE_GAP_MS });
decorate();

// interpretation.js: data-js="interpretation" (templates/fieldkit/interpretation.html): the team walks
// through a visit's notes on one screen by keyboard. j/k or the arrows move from note to note, 1/2/3
// mark the current one (key, question, insight candidate), 0 clears it, c opens its context box and
// Esc leaves it. Each mark is saved at once (the same form the page posts without script), so a
// closed laptop loses nothing. "One note at a time" shows just the current note, large, for a TV.
const WORDS = { key: "Key", question: "Question", candidate: "Insight candidate", "": "" };
const KEYS = { 1: "key", 2: "question", 3: "candidate", 0: "" };

function start(root) {
  const notes = [...root.querySelectorAll(".session-note")];
  const status = root.querySelector("[data-status]");
  if (!notes.length || !root.querySelector(".mark-form")) return;
  let current = Math.max(0, notes.findIndex((note) => `#${note.id}` === location.hash));

  function show(index, focus = true) {
    current = Math.min(Math.max(index, 0), notes.length - 1);
    notes.forEach((note, i) => {
      note.classList.toggle("current", i === current);
      if (i === current) note.setAttribute("aria-current", "true");
      else note.removeAttribute("aria-current");
    });
    if (focus) {
      notes[current].focus({ preventScroll: true });
      notes[current].scrollIntoView({ block: "nearest" });
    }
  }

  async function save(note) {
    const form = note.querySelector(".mark-form");
    const number = notes.indexOf(note) + 1;
    status.textContent = `Saving note ${number}…`;
    try {
      const response = await fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { Accept: "application/json" } });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        status.textContent = `Note ${number} not saved: ${answer.description || response.statusText}`;
        return;
      }
      note.dataset.mark = answer.mark;
      note.querySelector("[data-mark-label]").textContent = WORDS[answer.mark];
      status.textContent = `Note ${number} ${answer.mark ? `marked ${WORDS[answer.mark].toLowerCase()}` : "unmarked"}`
        + `${answer.context ? ", with context" : ""}.`;
    } catch {
      status.textContent = `Note ${number} not saved: the server cannot be reached. Try again.`;
    }
  }

  function mark(note, value) {
    const radio = note.querySelector(`input[name="mark"][value="${value}"]`);
    radio.checked = true;
    save(note);
  }

  for (const note of notes) {
    const form = note.querySelector(".mark-form");
    form.addEventListener("submit", (event) => { event.preventDefault(); save(note); });
    form.addEventListener("change", () => save(note));  // a radio ticked, or the context left changed
    note.addEventListener("focusin", () => { if (notes[current] !== note) show(notes.indexOf(note), false); });
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest(".close-session")) return;  // closing is a plain form: its keys are its own
    const typing = event.target.matches("textarea, input[type=text]");
    if (typing) {
      if (event.key === "Escape") notes[current].focus();
      return;
    }
    // On a radio or a button the arrows and digits keep their own meaning only inside the mark choices.
    if (event.target.matches("input[type=radio]") && event.key.startsWith("Arrow")) return;
    const note = notes[current];
    if (["j", "ArrowDown", "ArrowRight"].includes(event.key)) show(current + 1);
    else if (["k", "ArrowUp", "ArrowLeft"].includes(event.key)) show(current - 1);
    else if (event.key in KEYS) mark(note, KEYS[event.key]);
    else if (event.key === "c") note.querySelector("textarea").focus();
    else return;
    event.preventDefault();
  });

  const tools = root.querySelector("[data-tools]");
  const single = root.querySelector("[data-one-at-a-time]");
  tools.hidden = false;
  single.addEventListener("click", () => {
    const on = single.getAttribute("aria-pressed") !== "true";
    single.setAttribute("aria-pressed", String(on));
    root.classList.toggle("one-at-a-time", on);
    show(current);
  });
  show(current, Boolean(location.hash));
}

const root = document.querySelector('[data-js="interpretation"]');
if (root) start(root);

// waiting-panel.js: data-js="waiting-panel": the items behind the badge, opened by tapping it.
// What needs attention comes first, each with what can be done about it on the phone; then what
// is still waiting to be sent, with its photo or recording's progress, and the interviews recorded here.
import { describeAttention } from "./attention-text.js";
import { flush } from "./flush.js";
import { emit, on } from "./status.js";
import { waiting } from "./waiting.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

const about = (note) => (note?.text || "(photo or recording)").slice(0, 60);

function interviewState(row) {
  if (row.state === "recording") return "Interview: recording";
  if (row.problem) return `Interview: not sent: ${row.problem}`;
  return row.sent > 0 ? `Interview ${Math.floor((100 * row.sent) / row.size)}%` : "Interview: waiting to be sent";
}

function mediaState(items) {
  return items.map((m) => {
    const what = m.slot === "photo" ? "photo" : "recording";
    return m.sent > 0 ? `${what} ${Math.floor((100 * m.sent) / m.size)}%` : `${what} waiting`;
  }).join(", ");
}

export default function waitingPanel(panel) {
  const opener = document.querySelector("[data-badge-open]");
  const list = panel.querySelector("[data-waiting-list]");
  const empty = panel.querySelector("[data-waiting-empty]");
  const confirming = new Set();

  function button(text, name, onClick, className = null) {
    const b = el("button", className, text);
    b.type = "button";
    b.setAttribute("aria-label", `${text}: ${name}`);
    b.addEventListener("click", onClick);
    return b;
  }

  // name: one of resolve.js's answers, loaded on the first answer (precached: fieldnotes/pwa.py).
  function act(name, item) {
    return async () => {
      confirming.delete(item.mutation_id);
      await (await import("./resolve.js"))[name](item);
      opener.focus();  // the item is gone: keep the keyboard somewhere that still exists
      flush();
    };
  }

  function actions(item, note) {
    const box = el("div", "note-actions");
    const name = about(note);
    const edit = () => emit("edit", { id: item.entity_id, mine: item.data, resolves: item.mutation_id,
      asNew: item.status === "conflict" && !!item.server?.deleted }, { broadcast: false });
    if (confirming.has(item.mutation_id)) {
      box.append(button("Yes, discard", name, act("discard", item), "danger"),
        button("Keep it", name, () => { confirming.delete(item.mutation_id); render(); }));
    } else if (item.status === "conflict") {
      box.append(button("Keep mine", name, act("keepMine", item)), button("Keep theirs", name, act("keepTheirs", item)));
      if (item.op !== "delete") box.append(button("Edit", name, edit));
    } else {
      if (item.op !== "media" && item.op !== "delete") box.append(button("Edit", name, edit));
      box.append(button("Send again", name, act("sendAgain", item)),
        button("Discard", name, () => { confirming.add(item.mutation_id); render(); }));
    }
    return box;
  }

  async function render() {
    const now = await waiting();
    const items = now.attention.map((item) => {
      const note = now.records.get(item.entity_id) || item.data;
      const li = el("li", "waiting-item state-attention");
      li.append(el("p", "note-text", about(note)), el("p", "note-state", describeAttention(item)), actions(item, note));
      return li;
    });
    for (const id of new Set([...now.notes, ...now.media.map((m) => m.note_id)])) {
      const media = now.media.filter((m) => m.note_id === id);
      const state = [now.notes.includes(id) ? "Waiting to be sent" : "Sent", mediaState(media)].filter(Boolean);
      const li = el("li", "waiting-item state-local");
      li.append(el("p", "note-text", about(now.records.get(id))), el("p", "note-state", state.join(" · ")));
      items.push(li);
    }
    for (const row of now.interviews) {
      const li = el("li", "waiting-item state-local");
      li.append(el("p", "note-text", row.title), el("p", "note-state", interviewState(row)));
      items.push(li);
    }
    empty.hidden = items.length > 0;
    list.replaceChildren(...items);
  }

  function toggle(open) {
    panel.hidden = !open;
    opener.setAttribute("aria-expanded", String(open));
    if (open) render().then(() => panel.focus());
  }

  opener.addEventListener("click", () => toggle(panel.hidden));
  const close = () => { toggle(false); opener.focus(); };
  panel.querySelector("[data-waiting-close]").addEventListener("click", close);
  panel.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
  on("changed", () => { if (!panel.hidden) render(); });
  on("progress", () => { if (!panel.hidden) render(); });
}

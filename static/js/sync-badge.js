// sync-badge.js: data-js="sync-badge" on the capture screen: what waits ("2 notes, 1 photo 40% not
// sent"), what needs attention, whether this phone is offline, "Sync now", and "Sign in to send N
// notes" when the session has ended. Tapping the badge opens the list of those items
// (waitingPanel, below). "All notes sent" only when nothing at all is left (waiting.js).
import { flush } from "./flush.js";
import { emit, on, setState, state } from "./status.js";
import { describe, describeAttention, waiting } from "./waiting.js";

function netText() {
  if (!state.online) return "· Offline";
  if (state.otherAccount) return `· ${state.otherAccount}`;
  if (state.refused) return `· ${state.refused} Kept on this phone; will retry.`;
  if (state.unreachable) return "· Server not reachable, will retry";
  if (state.flushing) return "· Sending…";
  return "· Online";
}

export default function syncBadge(bar) {
  const count = bar.querySelector("[data-badge-count]");
  // Both missing from a capture page kept from before they existed (opened offline after an update).
  const problems = bar.querySelector("[data-badge-attention]");
  const others = bar.querySelector("[data-badge-others]");
  const net = bar.querySelector("[data-badge-net]");
  const signIn = bar.querySelector("[data-sign-in]");
  const link = bar.querySelector("[data-sign-in-link]");
  const button = bar.querySelector("[data-sync-now]");
  let now;  // undefined until read; null when this phone's store could not be read: nothing is claimed

  function show() {
    if (now === undefined) return;
    if (now === null) {
      count.textContent = "Could not read the notes kept on this phone";
      return;
    }
    const told = describe(now);
    count.textContent = told.allSent ? "All notes sent" : told.unsent;
    if (problems) problems.textContent = told.unsent && told.attention ? ` · ${told.attention}` : told.attention;
    else if (told.attention) count.textContent = [told.unsent, told.attention].filter(Boolean).join(" · ");
    bar.classList.toggle("has-unsent", !told.allSent);
    if (others) {
      others.hidden = !now.others;
      others.textContent = `${now.others === 1 ? "1 note" : `${now.others} notes`} made by another account `
        + "wait on this phone; they are sent only when that account signs in here.";
    }
    net.textContent = netText();
    const notes = now.notes.length === 1 ? "1 note" : `${now.notes.length} notes`;
    const interviews = now.interviews.length === 1 ? "1 interview" : `${now.interviews.length} interviews`;
    signIn.hidden = !(state.signInNeeded && (now.notes.length || now.interviews.length));
    link.textContent = `Sign in to send ${[now.notes.length && notes, now.interviews.length && interviews]
      .filter(Boolean).join(" and ")}`;
    button.disabled = state.flushing;
  }

  async function refresh() {
    try {
      now = await waiting();
    } catch {
      now = null;
    }
    show();
  }

  button.addEventListener("click", () => flush());
  addEventListener("online", () => setState({ online: true }));
  addEventListener("offline", () => setState({ online: false }));
  on("state", show);
  on("changed", refresh);
  on("progress", refresh);
  refresh();
}

// waitingPanel: data-js="waiting-panel": the items behind the badge, opened by tapping it.
// What needs attention comes first, each with what can be done about it on the phone; then what
// is still waiting to be sent, with its photo or recording's progress, and the interviews recorded here.
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

export function waitingPanel(panel) {
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
      const where = [now.notes.includes(id) ? "Waiting to be sent" : "Sent", mediaState(media)].filter(Boolean);
      const li = el("li", "waiting-item state-local");
      li.append(el("p", "note-text", about(now.records.get(id))), el("p", "note-state", where.join(" · ")));
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

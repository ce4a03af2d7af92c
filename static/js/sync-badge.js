// sync-badge.js: data-js="sync-badge" on the capture screen: what waits ("2 notes, 1 photo 40% not
// sent"), what needs attention, whether this phone is offline, "Sync now", and "Sign in to send N
// notes" when the session has ended. Tapping the badge opens the list of those items
// (waiting-panel.js). "All notes sent" only when nothing at all is left (waiting.js).
import { flush } from "./flush.js";
import { on, setState, state } from "./status.js";
import { describe, waiting } from "./waiting.js";

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

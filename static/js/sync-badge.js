// sync-badge.js: data-js="sync-badge" on the capture screen: "N not sent", whether this phone
// is offline, "Sync now", and "Sign in to send N notes" when the session has ended.
import { flush } from "./flush.js";
import { unsent } from "./outbox.js";
import { on, setState, state } from "./status.js";

export default function syncBadge(bar) {
  const count = bar.querySelector("[data-badge-count]");
  const net = bar.querySelector("[data-badge-net]");
  const signIn = bar.querySelector("[data-sign-in]");
  const link = bar.querySelector("[data-sign-in-link]");
  const button = bar.querySelector("[data-sync-now]");
  let waiting = 0;

  function show() {
    const notes = waiting === 1 ? "1 note" : `${waiting} notes`;
    count.textContent = waiting ? `${waiting} not sent` : "All notes sent";
    bar.classList.toggle("has-unsent", waiting > 0);
    if (!state.online) net.textContent = "· Offline";
    else if (state.refused) net.textContent = `· ${state.refused} Kept on this phone; will retry.`;
    else if (state.unreachable) net.textContent = "· Server not reachable, will retry";
    else if (state.flushing) net.textContent = "· Sending…";
    else net.textContent = "· Online";
    signIn.hidden = !(state.signInNeeded && waiting);
    link.textContent = `Sign in to send ${notes}`;
    button.disabled = state.flushing;
  }

  async function refresh() {
    try {
      waiting = (await unsent()).count;
    } catch {
      waiting = 0;
    }
    show();
  }

  button.addEventListener("click", () => flush());
  addEventListener("online", () => setState({ online: true }));
  addEventListener("offline", () => setState({ online: false }));
  on("state", show);
  on("changed", refresh);
  refresh();
}

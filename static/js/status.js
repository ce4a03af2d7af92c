// status.js: the capture screen's shared state and change events (every behaviour listens here).
// Other tabs hear about changes through a BroadcastChannel, so their lists and badges stay true.
export const bus = new EventTarget();
export const state = { online: navigator.onLine, unreachable: false, signInNeeded: false, flushing: false };
const channel = "BroadcastChannel" in self ? new BroadcastChannel("fieldnotes") : null;

export function emit(type, detail = {}, { broadcast = true } = {}) {
  bus.dispatchEvent(new CustomEvent(type, { detail }));
  if (broadcast && channel) channel.postMessage({ type, detail });
}

export function setState(changes) {
  Object.assign(state, changes);
  emit("state", { ...state }, { broadcast: false });
}

export function on(type, handler) {
  bus.addEventListener(type, (event) => handler(event.detail));
}

if (channel) {
  channel.onmessage = ({ data }) => bus.dispatchEvent(new CustomEvent(data.type, { detail: data.detail }));
}

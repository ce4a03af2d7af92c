// net.js: how the capture modules talk to the server (flush.js, pull.js, media.js).
// Every failure is sorted into "sign in first" or "unknown, try later": nothing is final.
export class AuthNeeded extends Error {}
export class TryLater extends Error {}
// The server read the request and said no (4xx): reachable, but the notes stay queued for a retry.
export class Refused extends Error {}

const TIMEOUT_MS = 30000;
// "Not now" rather than "not this": the same request may well pass later.
const LATER = new Set([408, 425, 429, 502, 503, 504]);

// answerErrors: hand back a 500 (and 501, 505...) instead of treating it as "try later", for a caller
// that can tell a request the server cannot take from a server that is down (flush.js).
export async function send(url, options = {}, { answerErrors = false } = {}) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", signal: AbortSignal.timeout(TIMEOUT_MS), ...options });
  } catch (error) {
    throw new TryLater(`network: ${error.message}`);
  }
  if (response.status === 401) throw new AuthNeeded();
  if (LATER.has(response.status) || (response.status >= 500 && !answerErrors)) {
    throw new TryLater(`server said ${response.status}`);
  }
  return response;
}

// When to try again after a failed send (flush.js, interview.js): 1 s, 2 s, 4 s... up to `ceiling`, each
// +-50 % so a room of phones back in signal together does not retry in step. Back to 1 s when the browser goes
// online again: the failures counted while there was no signal say nothing about now, and the first try after
// "online" often fails (the signal not yet carrying, a server busy for a moment): its retry must come soon.
export function backoff(ceiling = 60000) {
  let attempt = 0;
  addEventListener("online", () => { attempt = 0; });
  return {
    next() {
      const delay = Math.min(ceiling, 1000 * 2 ** attempt) * (0.5 + Math.random());
      attempt = Math.min(attempt + 1, 6);
      return delay;
    },
    reset() { attempt = 0; },
  };
}

export function post(url, body, method = "POST", how = {}) {
  return send(url, { method, body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", Accept: "application/json" } }, how);
}

// What the server said when it refused an upload (its JSON error shape, fieldnotes/errors.py), in its own
// words, for the interview recorder's upload (interview-upload.js) and the visit page's "Add a recording"
// (recording-upload.js).
export async function problemOf(response) {
  try {
    const body = await response.json();
    const fields = body.errors ? Object.values(body.errors).flat().join(" ") : "";
    return `${body.description || body.message} ${fields}`.trim();
  } catch {
    return `The server answered ${response.status}.`;
  }
}

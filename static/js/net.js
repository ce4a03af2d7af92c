// net.js: how the capture modules talk to the server (flush.js, pull.js, media.js).
// Every failure is sorted into "sign in first" or "unknown, try later": nothing is final.
export class AuthNeeded extends Error {}
export class TryLater extends Error {}
// The server read the request and said no (4xx): reachable, but the notes stay queued for a retry.
export class Refused extends Error {}

const TIMEOUT_MS = 30000;

export async function send(url, options = {}) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", signal: AbortSignal.timeout(TIMEOUT_MS), ...options });
  } catch (error) {
    throw new TryLater(`network: ${error.message}`);
  }
  if (response.status === 401) throw new AuthNeeded();
  if (response.status >= 500 || response.status === 429) throw new TryLater(`server said ${response.status}`);
  return response;
}

export function post(url, body, method = "POST") {
  return send(url, { method, body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", Accept: "application/json" } });
}

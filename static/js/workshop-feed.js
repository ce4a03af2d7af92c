// workshop-feed.js: be told when a workshop moved, and fetch what the screen now shows.
// The feed (GET …/feed?since=n&view=…) answers just {seq} when nothing moved since n, else the
// whole screen (its HTML drawn by the page's own templates) and the moves after n. The workshop's
// stream (…/live, server-sent events through live.js) says when the number moves; whenever the
// stream is not open, live.js polls instead, every second.
import { follow as followStream } from "./live.js";

const POLL_MS = 1000;

export function follow(feedUrl, startSeq, onScreen, liveUrl = null, { minGapMs = 0 } = {}) {
  let seq = startSeq;
  let inFlight = false;
  let again = false;
  let lastFetch = 0;
  let waiting = null;

  async function check() {
    if (inFlight) { again = true; return; }
    // A room of phones all told of every move: each fetches at most once per minGapMs, the moves of
    // that moment in one answer, so the server draws a screen per phone per moment, not per move.
    const wait = lastFetch + minGapMs - Date.now();
    if (wait > 0) {
      if (!waiting) waiting = setTimeout(() => { waiting = null; check(); }, wait);
      return;
    }
    lastFetch = Date.now();
    inFlight = true;
    try {
      const url = new URL(feedUrl, location.href);
      url.searchParams.set("since", String(seq));
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) {
        const screen = await response.json();
        // onScreen answers false when it could not draw now (a move of its own in flight): asked again.
        if (screen.seq > seq && screen.html !== undefined && onScreen(screen) !== false) seq = screen.seq;
      }
    } catch (error) {
      // Offline for a moment: the next poll catches up from the same number, nothing is missed.
    } finally {
      inFlight = false;
      if (again) { again = false; check(); }
    }
  }

  const stream = liveUrl
    ? followStream(liveUrl, { onEvent: () => check(), poll: check, since: startSeq, pollMs: POLL_MS })
    : null;
  const timer = liveUrl ? null : setInterval(check, POLL_MS);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) check(); });
  return {
    check,
    // A screen the page drew from its own move's answer: later feed answers must be newer still.
    drew(newSeq) { if (newSeq > seq) seq = newSeq; },
    get seq() { return seq; },
    stop() { clearInterval(timer); stream?.stop(); },
  };
}

export function speaker(region) {
  return (message) => {
    if (!message) return;
    if (region.textContent !== message) { region.textContent = message; return; }
    region.textContent = "";
    setTimeout(() => { region.textContent = message; }, 50);  // the same words again: spoken again
  };
}

export async function post(url, body, json) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: json ? { "Content-Type": "application/json", Accept: "application/json" }
                  : { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: json ? JSON.stringify(body) : new URLSearchParams(body),
  });
  let answer = {};
  try { answer = await response.json(); } catch (error) { answer = {}; }
  return { ok: response.ok, status: response.status, answer };
}

// A screen's HTML comes from the server's own templates (autoescaped, like the page it replaces):
// parsed as an inert document (its scripts never run) and moved in, node by node.
export function drawInto(holder, html) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  holder.replaceChildren(...parsed.body.childNodes);
}

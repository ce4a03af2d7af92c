// live.js: follow a server-sent event stream (fieldnotes/live.py), falling back to polling.
//
//   const follower = follow(url, { onEvent(event, id) {...}, poll: async () => {...}, since: 12 });
//   follower.seen(14);   // the page learnt of change 14 another way (its own move's answer)
//   follower.stop();
//
// While the stream is open, each event arrives within a moment of the move, and a dropped connection
// is resumed by the browser with Last-Event-ID. Whenever the stream is not open (connecting, refused
// with 503 when the server holds its most streams, blocked by a proxy, no EventSource at all) the page
// polls every `pollMs` instead, and tries a new stream later, from the last id it saw (?since=).
const RETRY_FIRST_MS = 2000;
const RETRY_MOST_MS = 60000;

export function follow(url, { onEvent, poll, since = 0, pollMs = 3000 }) {
  let last = Number(since) || 0;
  let source = null;
  let pollTimer = null;
  let retryTimer = null;
  let retryMs = RETRY_FIRST_MS;
  let stopped = false;

  function startPolling() {
    if (pollTimer || stopped || !poll) return;
    pollTimer = setInterval(() => { poll(); }, pollMs);
  }

  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  function withSince() {
    const target = new URL(url, location.href);
    target.searchParams.set("since", String(last));
    return target.href;
  }

  function open() {
    if (stopped) return;
    if (typeof EventSource === "undefined") { startPolling(); return; }
    source = new EventSource(withSince(), { withCredentials: true });
    source.addEventListener("open", () => { stopPolling(); retryMs = RETRY_FIRST_MS; });
    source.addEventListener("message", (message) => {
      const id = Number(message.lastEventId);
      if (Number.isFinite(id) && id <= last) return;  // already known (the page's own move, say)
      if (Number.isFinite(id)) last = id;
      let data = null;
      try { data = JSON.parse(message.data); } catch { return; }
      onEvent(data, id);
    });
    source.addEventListener("error", () => {
      startPolling();  // until the stream is open again
      if (source.readyState === EventSource.CLOSED) {  // refused or broken for good: try later ourselves
        source = null;
        retryTimer = setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MOST_MS);
      }
    });
  }

  open();
  return {
    seen(id) { if (Number(id) > last) last = Number(id); },
    get last() { return last; },
    get streaming() { return source?.readyState === EventSource.OPEN; },
    stop() {
      stopped = true;
      stopPolling();
      clearTimeout(retryTimer);
      source?.close();
    },
  };
}

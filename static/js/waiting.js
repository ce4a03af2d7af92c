// waiting.js: what the signed-in account still has on this phone, and what the server turned down
// (sync-badge.js, sign-out.js, notes-list.js). The badge says "All notes sent" only when none of
// it is left: no note, photo, recording or interview waiting, nothing refused or in conflict.
import { all, unsentInterviews } from "./db.js";
import { currentAccount, isLegacy, isMine } from "./outbox.js";
import { on } from "./status.js";

// Bytes of each file the server has, as media.js reports them (in this tab, or from another one).
const uploaded = new Map();
on("progress", ({ id, sent }) => uploaded.set(id, sent));

const plural = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;

export async function waiting() {
  const [outbox, blobs, attention, records, interviews] = await Promise.all(
    [all("outbox"), all("blobs"), all("attention"), all("records"), unsentInterviews(currentAccount())]);
  const notes = [...new Set(outbox.filter(isMine).map((m) => m.entity_id))];
  const media = blobs.filter(isMine).map(({ blob, ...item }) => ({ ...item, sent: uploaded.get(item.id) ?? 0 }));
  const otherNotes = new Set(outbox.filter((m) => !isMine(m) && !isLegacy(m)).map((m) => m.entity_id));
  return {
    notes, media, attention: attention.filter(isMine), others: otherNotes.size,
    // Its size is known once kept whole; while it records, what is kept so far.
    interviews: interviews.map((row) => ({ ...row, size: row.size ?? row.bytes, sent: row.offset ?? 0 })),
    records: new Map(records.map((r) => [r.id, r])),
    legacy: outbox.some(isLegacy) || blobs.some(isLegacy) || attention.some(isLegacy),
  };
}

// "1 photo 40%": the share of the files' bytes the server has, once any has arrived.
function files(items, noun) {
  if (!items.length) return null;
  const size = items.reduce((sum, m) => sum + m.size, 0);
  const sent = items.reduce((sum, m) => sum + m.sent, 0);
  return sent > 0 ? `${plural(items.length, noun)} ${Math.floor((100 * sent) / size)}%` : plural(items.length, noun);
}

// {unsent, attention, allSent}: "2 notes, 1 photo 40% not sent", "1 interview not sent", "1 needs attention".
export function describe({ notes, media, attention, interviews = [] }) {
  const parts = [notes.length ? plural(notes.length, "note") : null,
    files(media.filter((m) => m.slot === "photo"), "photo"),
    files(media.filter((m) => m.slot !== "photo"), "recording"), files(interviews, "interview")].filter(Boolean);
  let unsent = "";
  if (parts.length === 1 && notes.length) unsent = `${notes.length} not sent`;
  else if (parts.length) unsent = `${parts.join(", ")} not sent`;
  const problems = attention.length ? `${attention.length} ${attention.length === 1 ? "needs" : "need"} attention` : "";
  return { unsent, attention: problems, allSent: !parts.length && !problems };
}

// What an item in `attention` says to the person (notes-list.js, the badge's panel: sync-badge.js).
export function describeAttention(item) {
  if (item.status === "conflict") {
    return item.server?.deleted || item.data?.deleted
      ? "Needs attention: this note was deleted on the server, so your change was not applied. Your version is kept there as a revision."
      : "Needs attention: someone changed this note at the same time. Theirs is shown; yours is kept on the server as a revision.";
  }
  const messages = Object.entries(item.errors || {}).map(([f, m]) => `${f}: ${[].concat(m).join(" ")}`);
  return `Needs attention: the server refused this (${messages.join("; ") || "no reason given"}).`;
}

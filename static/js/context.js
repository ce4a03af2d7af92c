// context.js: the study's touchpoints, roles, visits, participants and tags for the capture
// screen (capture-form.js, notes-list.js). Fetched when online and kept in IndexedDB, so the
// screen works fully offline after one online visit.
import { getMeta, setMeta } from "./db.js";

export async function loadContext(url, studyId) {
  const key = `context:${studyId}`;
  // With a copy on the phone, a weak signal must not hold the form back for long.
  const kept = await getMeta(key);
  try {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" },
      signal: AbortSignal.timeout(kept ? 1500 : 10000) });
    if (response.ok) {
      const context = await response.json();
      await setMeta(key, context);
      if (!(await getMeta("epoch"))) await setMeta("epoch", context.epoch);
      return context;
    }
  } catch {
    // offline, unreachable or slow: the copy kept on this phone serves
  }
  return kept;
}

export function byId(list) {
  return new Map((list || []).map((item) => [String(item.id), item]));
}

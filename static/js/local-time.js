// Times in the reader's own time zone: the server writes every <time> in UTC (the fallback without
// script), and this rewrites the ones that carry a time of day into local time, keeping the UTC time
// on hover (title). A designer in Melbourne reading a London visit sees when it was for them.
// Dates alone (a visit's day) are left as they are: a day has no time zone to convert.

const WITH_TIME = /T\d{2}:\d{2}/;
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/;

const local = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
});

function instant(value) {
  // The server's naive times are UTC (datetime.isoformat() without an offset).
  const moment = new Date(HAS_ZONE.test(value) ? value : `${value}Z`);
  return Number.isNaN(moment.getTime()) ? null : moment;
}

function utcText(moment) {
  return `${moment.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function localise(element) {
  const value = element.getAttribute("datetime") || "";
  if (element.dataset.localised || !WITH_TIME.test(value)) return;
  const moment = instant(value);
  if (!moment) return;
  element.title = utcText(moment);
  element.textContent = local.format(moment);
  element.dataset.localised = "1";
}

function localiseWithin(root) {
  if (root.matches?.("time[datetime]")) localise(root);
  root.querySelectorAll?.("time[datetime]").forEach(localise);
}

localiseWithin(document);
// Parts of pages drawn again later (the affinity workspace's fragments) get local times too.
new MutationObserver((changes) => {
  for (const change of changes) change.addedNodes.forEach(localiseWithin);
}).observe(document.body, { childList: true, subtree: true });

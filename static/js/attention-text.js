// attention-text.js: what an item in `attention` says to the person (notes-list.js, waiting-panel.js).
export function describeAttention(item) {
  if (item.status === "conflict") {
    return item.server?.deleted || item.data?.deleted
      ? "Needs attention: this note was deleted on the server, so your change was not applied. Your version is kept there as a revision."
      : "Needs attention: someone changed this note at the same time. Theirs is shown; yours is kept on the server as a revision.";
  }
  const messages = Object.entries(item.errors || {}).map(([f, m]) => `${f}: ${[].concat(m).join(" ")}`);
  return `Needs attention: the server refused this (${messages.join("; ") || "no reason given"}).`;
}

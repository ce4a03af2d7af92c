// affinity-api.js: the workspace's calls to /api/studies/<id>/insights. A move comes back as
// {change} (what it changed, fieldnotes/insights/feed.py); a 409 as {conflict: message, state} so the
// caller can redraw and say who moved it meanwhile.
export async function send(studyId, path, body) {
  const response = await fetch(`/api/studies/${studyId}/insights${path}`, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 409) return { conflict: data.description, state: data.state };
  if (!response.ok) return { error: data.description || `The move failed (${response.status}).` };
  return { change: data };
}

export async function changes(studyId, since) {
  const response = await fetch(`/api/studies/${studyId}/insights/changes?since=${since}`,
    { credentials: "same-origin", headers: { Accept: "application/json" } });
  return response.ok ? response.json() : null;
}

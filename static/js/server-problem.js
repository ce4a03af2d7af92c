// server-problem.js: what the server said when it refused an upload (its JSON error shape, fieldnotes/errors.py),
// in its own words, for the interview recorder's upload (interview-upload.js) and the visit page's "Add a
// recording" (recording-upload.js). Its own small module, not net.js: net.js is in the capture screen's first
// load, and only these uploads, loaded later, need it.
export async function problemOf(response) {
  try {
    const body = await response.json();
    const fields = body.errors ? Object.values(body.errors).flat().join(" ") : "";
    return `${body.description || body.message} ${fields}`.trim();
  } catch {
    return `The server answered ${response.status}.`;
  }
}

// export.js: data-js="export" on the capture screen: download the notes not yet sent, with
// their photos and audio as base64, as a JSON file (a copy in hand before clearing a browser).
import { all } from "./db.js";

function base64(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

export default function exportButton(button) {
  button.addEventListener("click", async () => {
    const [outbox, records, blobs, attention] = await Promise.all(
      [all("outbox"), all("records"), all("blobs"), all("attention")]);
    const ids = new Set([...outbox, ...attention].map((m) => m.entity_id).concat(blobs.map((b) => b.note_id)));
    const media = await Promise.all(blobs.map(async ({ blob, ...meta }) => ({ ...meta, base64: await base64(blob) })));
    const file = {
      exported_at: new Date().toISOString(),
      notes: records.filter((r) => ids.has(r.id)),
      mutations: outbox.map(({ n, ...m }) => m),
      needs_attention: attention,
      media,
    };
    const url = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: "application/json" }));
    const link = Object.assign(document.createElement("a"), {
      href: url, download: `fieldnotes-unsent-${file.exported_at.slice(0, 19).replace(/:/g, "-")}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
}

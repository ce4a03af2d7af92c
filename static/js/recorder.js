// recorder.js: data-js="recorder" on the capture screen: record audio with MediaRecorder.
// Hidden where MediaRecorder is missing (capabilities.js says so). The recording waits on the
// element (el.recording) until capture-form.js saves it with the note.
// Engines record different types: Chromium and Firefox WebM or Ogg (Opus), Safari MP4 (AAC).
const TYPES = ["audio/webm;codecs=opus", "audio/mp4", "audio/ogg;codecs=opus", "audio/webm", "audio/aac"];

export function recordingType() {
  return TYPES.find((type) => MediaRecorder.isTypeSupported?.(type)) || "";
}

export default function recorder(el) {
  if (!("MediaRecorder" in self) || !navigator.mediaDevices?.getUserMedia) return;
  el.hidden = false;
  const button = el.querySelector("[data-record]");
  const status = el.querySelector("[data-record-status]");
  let media = null;
  let parts = [];

  async function start() {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      status.textContent = "The microphone is not available.";
      return;
    }
    parts = [];
    const type = recordingType();
    try {
      media = new MediaRecorder(stream, type ? { mimeType: type } : {});
    } catch {
      stream.getTracks().forEach((t) => t.stop());
      status.textContent = "This browser cannot record audio here: record with the phone's own voice memo app.";
      return;
    }
    media.ondataavailable = (event) => parts.push(event.data);
    media.onstop = () => {
      stream.getTracks().forEach((t) => t.stop());
      el.recording = new Blob(parts, { type: media.mimeType || type || "audio/webm" });
      status.textContent = `Recording kept (${Math.round(el.recording.size / 1024)} KB); it is saved with the note.`;
      el.dispatchEvent(new Event("input", { bubbles: true }));
      media = null;
    };
    try {
      media.start();
    } catch {
      stream.getTracks().forEach((t) => t.stop());
      media = null;
      status.textContent = "This browser cannot record audio here: record with the phone's own voice memo app.";
      return;
    }
    button.textContent = "Stop recording";
    status.textContent = "Recording…";
  }

  button.addEventListener("click", () => {
    if (media) {
      media.stop();
      button.textContent = "Record audio";
    } else {
      start();
    }
  });
  el.clear = () => {
    el.recording = null;
    status.textContent = "";
  };
}

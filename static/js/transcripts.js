// A transcript beside its recording: each segment is a button that plays the recording from where
// the segment starts (a tap, a click, Enter or Space); the segment being played is marked as it goes.
// While a recording is queued or being transcribed, its state is asked for every few seconds and the
// page shows the progress; once done or failed, the page is drawn again with the transcript or the reason.

const POLL_MS = 3000;

function playerOf(container) {
  return document.getElementById(container.dataset.audio);
}

function playFrom(container, button) {
  const player = playerOf(container);
  if (!player) return;
  const start = Number(button.dataset.start);
  const seek = () => {
    player.currentTime = start;
    player.play().catch(() => {});  // a browser that refuses to autoplay still shows the position
  };
  if (player.readyState >= 1) seek();
  else {
    player.preload = "metadata";
    player.addEventListener("loadedmetadata", seek, { once: true });
    player.load();
  }
}

function markPlaying(container) {
  const player = playerOf(container);
  if (!player) return;
  const segments = [...container.querySelectorAll("button.segment[data-end]")];
  player.addEventListener("timeupdate", () => {
    const now = player.currentTime;
    for (const segment of segments) {
      const playing = now >= Number(segment.dataset.start) && now < Number(segment.dataset.end);
      if (playing) segment.setAttribute("aria-current", "true");
      else segment.removeAttribute("aria-current");
    }
  });
}

function watchState(box) {
  const state = box.dataset.jobState;
  if (state !== "queued" && state !== "transcribing" && state !== "waiting") return;
  const timer = setInterval(async () => {
    let answer;
    try {
      const response = await fetch(box.dataset.stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      answer = await response.json();
    } catch {
      return;  // offline for a moment: ask again next time
    }
    if (answer.state === "done" || answer.state === "failed") {
      clearInterval(timer);
      window.location.reload();
      return;
    }
    if (answer.state === "transcribing") {
      const text = box.querySelector("[data-progress-text]");
      const bar = box.querySelector("progress");
      if (text && bar) {
        text.textContent = `${answer.progress}%`;
        bar.value = answer.progress;
      } else {
        box.replaceChildren();
        const line = document.createElement("p");
        line.textContent = "Transcribing: ";
        const percent = document.createElement("span");
        percent.dataset.progressText = "";
        percent.textContent = `${answer.progress}%`;
        line.append(percent);
        const progress = document.createElement("progress");
        progress.max = 100;
        progress.value = answer.progress;
        progress.setAttribute("aria-label", "Transcription progress");
        box.append(line, progress);
      }
    }
  }, POLL_MS);
}

for (const container of document.querySelectorAll("[data-transcript]")) {
  container.addEventListener("click", (event) => {
    const button = event.target.closest("button.segment");
    if (button && container.contains(button)) playFrom(container, button);
  });
  markPlaying(container);
}
document.querySelectorAll("[data-job-state]").forEach(watchState);

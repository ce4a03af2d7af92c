// A highlight's audio clip plays exactly its range: the media fragment (#t=start,end) starts it there and
// asks the browser to stop at the end, and this guard pauses it at the end where a browser plays on
// (after a seek, or one that ignores the fragment's end). Played again, it starts at its start.
//
// The guard seeks only from beyond the end, never from it: every seek fires timeupdate again, so a guard
// that seeked whenever the time was at or past the end seeked forever once the clip had stopped there
// (thousands of seeks a second, a busy core for as long as the page stayed open).

const PAST = 0.01; // seconds: a position read back this far past the end is not the end itself

function guard(audio) {
  const end = Number(audio.dataset.clipEnd);
  const start = Number((audio.currentSrc || audio.src).split("#t=")[1]?.split(",")[0] || 0);
  audio.addEventListener("timeupdate", () => {
    if (audio.currentTime < end) return;
    if (!audio.paused) audio.pause();
    if (audio.currentTime > end + PAST) audio.currentTime = end;
  });
  audio.addEventListener("play", () => {
    if (audio.currentTime >= end - 0.05 || audio.currentTime < start) audio.currentTime = start;
  });
}

for (const audio of document.querySelectorAll("audio[data-clip]")) guard(audio);

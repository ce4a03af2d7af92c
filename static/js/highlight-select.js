// "Make a highlight": what is selected in the note's words (mouse, touch, or Shift and the arrow keys in the
// read-only text box) fills in the start and end fields the form posts, and is echoed for screen readers.
// Browsers move no caret in a read-only text box, so the arrow keys are taught here: Left and Right move
// a character (with Ctrl or Alt a word), Home and End to the line's edges (with Ctrl the text's), and
// Shift with any of them extends the selection, as in any text field.
// Offsets count code points, as the server does (a textarea's own count is UTF-16 units: an emoji is two).

const codePoints = (text) => [...text].length;

function chosen(box) {
  const start = codePoints(box.value.slice(0, box.selectionStart));
  const end = codePoints(box.value.slice(0, box.selectionEnd));
  return { start, end, words: box.value.slice(box.selectionStart, box.selectionEnd) };
}

const WORD = /[\p{L}\p{N}’'-]/u;

function stepWord(text, at, way) {
  let i = at;
  if (way < 0) {
    while (i > 0 && !WORD.test(text[i - 1])) i -= 1;
    while (i > 0 && WORD.test(text[i - 1])) i -= 1;
  } else {
    while (i < text.length && !WORD.test(text[i])) i += 1;
    while (i < text.length && WORD.test(text[i])) i += 1;
  }
  return i;
}

function stepChar(text, at, way) {
  // A character outside the BMP (an emoji) is two UTF-16 units: never stop between them.
  const next = at + way;
  const low = (i) => i > 0 && i < text.length && /[\uDC00-\uDFFF]/.test(text[i]);
  return low(next) ? next + way : Math.max(0, Math.min(text.length, next));
}

function target(text, at, event) {
  const wide = event.ctrlKey || event.altKey || event.metaKey;
  switch (event.key) {
    case "ArrowLeft": return wide ? stepWord(text, at, -1) : stepChar(text, at, -1);
    case "ArrowRight": return wide ? stepWord(text, at, 1) : stepChar(text, at, 1);
    case "Home": return wide ? 0 : text.lastIndexOf("\n", at - 1) + 1;
    case "End": {
      if (wide) return text.length;
      const end = text.indexOf("\n", at);
      return end === -1 ? text.length : end;
    }
    default: return null;
  }
}

function teachKeys(box) {
  box.addEventListener("keydown", (event) => {
    const backwards = box.selectionDirection === "backward";
    const collapsed = box.selectionStart === box.selectionEnd;
    const caret = backwards ? box.selectionStart : box.selectionEnd;
    const to = target(box.value, caret, event);
    if (to === null) return;
    event.preventDefault();
    if (!event.shiftKey) {
      box.setSelectionRange(to, to);
      return;
    }
    // The end that stays put: where the selection began.
    const anchor = collapsed ? caret : (backwards ? box.selectionEnd : box.selectionStart);
    box.setSelectionRange(Math.min(anchor, to), Math.max(anchor, to), to < anchor ? "backward" : "forward");
  });
}

function follow(form) {
  const box = form.querySelector("[data-highlight-source]");
  const start = form.querySelector("[name=start]");
  const end = form.querySelector("[name=end]");
  const said = form.querySelector("[data-highlight-chosen]");
  const update = () => {
    const span = chosen(box);
    if (span.end <= span.start) return; // a click that only moves the caret keeps the last selection
    start.value = span.start;
    end.value = span.end;
    const words = span.words.trim();
    said.textContent = `Selected: “${words.length > 120 ? `${words.slice(0, 117)}…` : words}”`;
  };
  teachKeys(box);
  for (const event of ["select", "keyup", "mouseup", "touchend"]) box.addEventListener(event, update);
  document.addEventListener("selectionchange", () => { if (document.activeElement === box) update(); });
}

for (const form of document.querySelectorAll("[data-highlight-form]")) follow(form);

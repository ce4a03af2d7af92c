// copy.js: a "Copy" button copies the text of the field it names (data-copy="<field id>"), for a
// secret shown only once (a new access token, a new share link). The status beside it says what
// happened in words (data-copied, or a default), for eyes and, through aria-live, for screen readers.
// Without the clipboard (an insecure origin, a refused permission) the text is selected instead,
// so the person can copy it with their own keys.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
  const copied = button.dataset.copied || "Copied. Paste it where your script keeps its secrets.";
  button.addEventListener("click", async () => {
    // Emptied first, so saying the same words again after a second click is announced again.
    status.textContent = "";
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = copied;
    } catch {
      field.focus();
      field.select();
      status.textContent = "Selected: copy it with your keyboard or the menu.";
    }
  });
}

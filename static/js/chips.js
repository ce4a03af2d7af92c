// chips.js: chip groups on the capture screen (capture-form.js). Each chip is a real radio
// (or checkbox) input with its own label, so screen readers and keyboards use it as usual.
let counter = 0;

function chip(name, value, text, type, checked) {
  const id = `chip-${name}-${++counter}`;
  const input = Object.assign(document.createElement("input"), { type, name, id, value, checked });
  input.className = "chip-input";
  const label = Object.assign(document.createElement("label"), { htmlFor: id, textContent: text });
  label.className = "chip-label";
  return [input, label];
}

// options: [{value, text}]; a single-choice group gets a "None" chip first.
export function renderChips(fieldset, options, selected) {
  const name = fieldset.dataset.chips;
  const multiple = fieldset.hasAttribute("data-multiple");
  const box = fieldset.querySelector("[data-options]");
  const chosen = new Set([].concat(selected ?? []).map(String));
  const all = multiple || name === "kind" ? options : [{ value: "", text: "None" }, ...options];
  box.replaceChildren(...all.flatMap((o) =>
    chip(name, o.value, o.text, multiple ? "checkbox" : "radio", chosen.has(String(o.value)))));
  if (!multiple && !box.querySelector(":checked") && box.querySelector("input")) {
    box.querySelector("input").checked = true;
  }
}

export function chipValue(fieldset) {
  const checked = [...fieldset.querySelectorAll("input.chip-input:checked")].map((i) => i.value);
  if (fieldset.hasAttribute("data-multiple")) return checked;
  return checked[0] ?? "";
}

export function setChip(fieldset, value) {
  const values = new Set([].concat(value ?? "").map(String));
  for (const input of fieldset.querySelectorAll("input.chip-input")) input.checked = values.has(input.value);
  if (!fieldset.hasAttribute("data-multiple") && !fieldset.querySelector(":checked")) {
    const none = fieldset.querySelector('input.chip-input[value=""]');
    if (none) none.checked = true;
  }
}

// A new tag typed in: a checked chip, unless it exists (then it is just checked).
export function addChip(fieldset, text) {
  const name = text.trim();
  if (!name) return;
  const box = fieldset.querySelector("[data-options]");
  const existing = [...box.querySelectorAll("input")].find((i) => i.value.toLowerCase() === name.toLowerCase());
  if (existing) {
    existing.checked = true;
    return;
  }
  box.append(...chip(fieldset.dataset.chips, name, name, "checkbox", true));
}

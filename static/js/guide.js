// guide.js: the role guide on the capture screen (capture-form.js), offline: for the participant being
// observed, the consent they gave, the questions for their role and what to watch for (the study's
// brief), and what this visit set out to learn (its plan). All of it comes with the study context
// (sync/context.py "guide"), kept on the phone. A researcher must never record what was not agreed,
// so without audio consent the record button says so and stays off. And the consent line and warning
// on the capture form itself (watchConsent).
const USES = [["consent_notes", "notes"], ["consent_quotes", "quotes"], ["consent_photos", "photos"],
  ["consent_audio", "audio recordings"]];

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function list(title, items) {
  const part = document.createDocumentFragment();
  if (!items?.length) return part;
  part.append(el("h2", title, "guide-heading"));
  const ul = el("ul");
  for (const item of items) ul.append(el("li", item));
  part.append(ul);
  return part;
}

// "P2 agreed to: notes, quotes, photos. Not to: audio recordings: do not record P2." (or why nothing was agreed)
export function consentWords(participant) {
  const name = participant.pseudonym;
  if (!("consent_given" in participant)) return `${name}'s consent is not on this phone yet: open capture online once.`;
  if (!participant.consent_given) return `${name} has not given consent: record nothing of ${name}'s words or image.`;
  const given = USES.filter(([field]) => participant[field]).map(([, words]) => words);
  const refused = USES.filter(([field]) => participant[field] === false).map(([, words]) => words);
  return [given.length ? `${name} agreed to: ${given.join(", ")}.` : `${name} agreed to nothing yet.`,
    refused.length ? `Not to: ${refused.join(", ")}: do not capture those.` : ""].filter(Boolean).join(" ");
}

// May a recording be made of this participant? Unknown consent (an old context) does not stop it.
export function mayRecord(participant) {
  if (!participant || !("consent_given" in participant)) return true;
  return Boolean(participant.consent_given && participant.consent_audio);
}

export function roleGuide(section, guide, recordButton) {
  const body = section?.querySelector("[data-guide-body]");
  const title = section?.querySelector("[data-guide-title]");

  function showRecord(participant) {
    if (!recordButton || recordButton.textContent === "Stop recording") return;  // never cut a recording short
    const allowed = mayRecord(participant);
    recordButton.disabled = !allowed;
    recordButton.textContent = allowed ? "Record audio" : `No audio consent from ${participant.pseudonym}: do not record`;
  }

  function show(participant, visitId, roleName) {
    showRecord(participant);
    if (!section) return;
    section.hidden = !participant;
    body.replaceChildren();
    if (!participant) return;
    const role = guide?.roles?.[String(participant.role_id)];
    title.textContent = `Guide: ${participant.pseudonym}${role || roleName ? `, ${role?.name || roleName}` : ""}`;
    body.append(el("p", consentWords(participant), "guide-consent"));
    if (role) {
      body.append(list("Ask", role.questions), list("Watch for", role.watch_for));
    } else {
      body.append(el("p", guide ? "No role is recorded for this participant: the brief has no questions for them."
        : "The brief is not on this phone yet: open capture online once.", "hint"));
    }
    const plan = guide?.plans?.[String(visitId)];
    if (plan) {
      body.append(list("This visit: what we want to learn", plan.learn));
      if (plan.who) body.append(el("p", `Whom we hope to see: ${plan.who}`, "hint"));
    }
    if (guide?.goal) body.append(el("p", `Study goal: ${guide.goal}`, "hint"));
  }
  return { show };
}

// The chosen participant's consent on the capture form (capture-form.js). The rule is the server's
// (fieldnotes/visits/consent.py): a quote, photo or recording is evidence only when a participant who
// consented to that use is attached, or the note is marked "Not a person's words or image".
const WORDS = { quote: "quotes", photo: "photos", audio: "audio recordings" };
const FIELD = { quote: "consent_quotes", photo: "consent_photos", audio: "consent_audio" };
const EVIDENCE = Object.keys(WORDS);
const usesIn = (uses, joiner = ", ") => uses.map((use) => WORDS[use]).join(joiner);

// A context cached before consent was part of it says nothing: neither consent nor its absence.
const known = (participant) => "consent_given" in participant;

// The line under the Participant chips: "P1 consented to: quotes, photos. Not to: audio recordings.";
// with nobody chosen, a reminder while the note would use a person's words or image.
export function consentLine(participant, uses = [], noPerson = false) {
  if (!participant) {
    return uses.length && !noPerson
      ? `No participant is chosen: ${usesIn(uses, " and ")} are evidence only with a participant who consented, `
        + "or when “Not a person's words or image” is ticked."
      : "";
  }
  const name = participant.pseudonym;
  if (!known(participant)) return `${name}'s consent is not on this phone yet: open this screen online once.`;
  if (!participant.consent_given) return `${name} has not given consent.`;
  const given = EVIDENCE.filter((use) => participant[FIELD[use]]);
  const refused = EVIDENCE.filter((use) => !participant[FIELD[use]]);
  if (!refused.length) return `${name} consented to: ${usesIn(given)}.`;
  if (!given.length) return `${name} did not consent to: ${usesIn(refused)}.`;
  return `${name} consented to: ${usesIn(given)}. Not to: ${usesIn(refused)}.`;
}

// Why saving these uses (of "quote", "photo", "audio") against the chosen participant goes beyond
// what they consented to, or "". With nobody chosen the line above says so, without stopping a save:
// a photo of a whiteboard is not a person's image.
export function consentProblem(uses, participant, noPerson) {
  if (noPerson || !uses.length || !participant || !known(participant)) return "";
  const name = participant.pseudonym;
  if (!participant.consent_given) return `${name} has not given consent, so ${usesIn(uses, " and ")} cannot be used.`;
  const missing = uses.filter((use) => !participant[FIELD[use]]);
  return missing.length ? `${name} did not consent to ${usesIn(missing, " or ")}.` : "";
}

// The capture form's consent line and warning (capture-form.js). chosen() is the participant,
// uses() the uses the note would make, noPerson() the "Not a person's words or image" mark. A page
// kept on the phone from before this screen had them lacks the elements: then nothing is shown.
export function watchConsent(form, { chosen, uses, noPerson }) {
  const line = form.querySelector("[data-consent]");
  const warning = form.querySelector("[data-consent-warning]");
  let confirmed = false;  // "Save anyway" was tapped for the warning on screen

  function show() {
    const text = consentLine(chosen(), uses(), noPerson());
    if (line && line.textContent !== text) line.textContent = text;  // a live region: only real changes
  }
  function reset() {
    if (warning) warning.hidden = true;
    confirmed = false;
    show();
  }
  // True when the save must wait: the warning is shown, with "Save anyway" focused.
  function stops() {
    const problem = consentProblem(uses(), chosen(), noPerson());
    if (!problem || confirmed || !warning) return false;
    warning.querySelector("[data-consent-warning-text]").textContent =
      `${problem} It would not be shown as evidence. Save it anyway?`;
    warning.hidden = false;
    warning.querySelector("[data-consent-save]").focus();
    return true;
  }

  form.addEventListener("input", reset);
  form.addEventListener("change", reset);
  warning?.querySelector("[data-consent-save]").addEventListener("click", () => {
    confirmed = true;
    form.requestSubmit();
  });
  warning?.querySelector("[data-consent-change]").addEventListener("click", () => {
    reset();
    const choices = form.querySelector("[data-context]");
    if (choices) choices.open = true;  // folded away under the note box (context.js)
    form.querySelector('[data-chips="participant_id"] :checked')?.focus();
  });
  return { show, reset, stops };
}

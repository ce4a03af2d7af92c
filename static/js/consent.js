// consent.js: the chosen participant's consent on the capture screen (capture-form.js), offline too
// (it comes with the study context). The rule is the server's (fieldnotes/visits/consent.py): a quote,
// photo or recording is evidence only when a participant who consented to that use is attached, or
// the note is marked "Not a person's words or image".
const WORDS = { quote: "quotes", photo: "photos", audio: "audio recordings" };
const FIELD = { quote: "consent_quotes", photo: "consent_photos", audio: "consent_audio" };
const USES = Object.keys(WORDS);
const list = (uses, joiner = ", ") => uses.map((use) => WORDS[use]).join(joiner);

// A context cached before consent was part of it says nothing: neither consent nor its absence.
const known = (participant) => "consent_given" in participant;

// The line under the Participant chips: "P1 consented to: quotes, photos. Not to: audio recordings.";
// with nobody chosen, a reminder while the note would use a person's words or image.
export function consentLine(participant, uses = [], noPerson = false) {
  if (!participant) {
    return uses.length && !noPerson
      ? `No participant is chosen: ${list(uses, " and ")} are evidence only with a participant who consented, `
        + "or when “Not a person's words or image” is ticked."
      : "";
  }
  const name = participant.pseudonym;
  if (!known(participant)) return `${name}'s consent is not on this phone yet: open this screen online once.`;
  if (!participant.consent_given) return `${name} has not given consent.`;
  const given = USES.filter((use) => participant[FIELD[use]]);
  const refused = USES.filter((use) => !participant[FIELD[use]]);
  if (!refused.length) return `${name} consented to: ${list(given)}.`;
  if (!given.length) return `${name} did not consent to: ${list(refused)}.`;
  return `${name} consented to: ${list(given)}. Not to: ${list(refused)}.`;
}

// Why saving these uses (of "quote", "photo", "audio") against the chosen participant goes beyond
// what they consented to, or "". With nobody chosen the line above says so, without stopping a save:
// a photo of a whiteboard is not a person's image.
export function consentProblem(uses, participant, noPerson) {
  if (noPerson || !uses.length || !participant || !known(participant)) return "";
  const name = participant.pseudonym;
  if (!participant.consent_given) return `${name} has not given consent, so ${list(uses, " and ")} cannot be used.`;
  const missing = uses.filter((use) => !participant[FIELD[use]]);
  return missing.length ? `${name} did not consent to ${list(missing, " or ")}.` : "";
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
    if (choices) choices.open = true;  // folded away under the note box (context-summary.js)
    form.querySelector('[data-chips="participant_id"] :checked')?.focus();
  });
  return { show, reset, stops };
}

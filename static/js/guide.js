// guide.js: the role guide on the capture screen (capture-form.js), offline: for the participant being
// observed, the consent they gave, the questions for their role and what to watch for (the study's
// brief), and what this visit set out to learn (its plan). All of it comes with the study context
// (sync/context.py "guide"), kept on the phone. A researcher must never record what was not agreed,
// so without audio consent the record button says so and stays off.
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

"""Consent, decided in one place: may a participant's words, photo or recording be used as evidence.

Participants give consent per use (quotes, photos, audio) on their record, so the rule lives
with them. Boards, exports, the API and transcripts ask consent_problem() before showing a note's
words or media, and name its person with who(). Plain values in, plain values out: nothing here
knows about notes or boards, so every layer above can use it.
"""
QUOTE, PHOTO, AUDIO = "quote", "photo", "audio"
USE_FIELD = {QUOTE: "consent_quotes", PHOTO: "consent_photos", AUDIO: "consent_audio"}
USE_WORDS = {QUOTE: "quotes", PHOTO: "photos", AUDIO: "audio recordings"}
QUOTE_MARKS = "\"'“”‘’«»"


def consent_problem(use, participant, no_person=False):
    """None when `use` (quote, photo, audio) of this participant's note may be shown; else why not.

    Consent is a person's, so it is never assumed: a note with no participant is evidence only when
    a researcher marked it as no person's words or image (`no_person`: the office, a form, a sign).
    Otherwise skipping the participant would skip consent. With a participant attached, their
    consent decides, whatever the mark says: it cannot override a person's refusal.
    """
    if participant is None:
        return None if no_person else f"no participant on record, so no consent for {USE_WORDS[use]}"
    if not participant.consent_given:
        return "the participant has not given consent"
    if not getattr(participant, USE_FIELD[use]):
        return f"the participant did not consent to {USE_WORDS[use]}"
    return None


def use_of(attachment):
    """The use a piece of evidence makes: a note's words (no attachment), or its photo or recording.

    A media slot is named by its use ("photo", "audio"), so the attachment's slot tells which.
    """
    if attachment is None:
        return QUOTE
    return PHOTO if attachment.slot == PHOTO else AUDIO


def unquoted(text):
    """The words without the quotation marks a researcher typed around them: pages add their own."""
    text = text.strip()
    if len(text) > 1 and text[0] in QUOTE_MARKS and text[-1] in QUOTE_MARKS:
        return text[1:-1].strip()
    return text


def who(participant, role, visit, no_person=False):
    """'End user, Halloran Regional Logistics': role and organisation, never a name or pseudonym.

    `role` is the participant's role name, or failing that the note's. A note marked as no
    person's words or image, with no participant, names no role: only where it was seen.
    """
    if no_person and participant is None:
        role = None
    organisation = (participant.organisation if participant is not None and participant.organisation
                    else visit.organisation if visit is not None else "")
    return ", ".join(part for part in (role, organisation) if part) or (
        "The research team" if no_person and participant is None else "A participant")

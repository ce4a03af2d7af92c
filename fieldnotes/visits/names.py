"""The real-name guard: participants' private real names found in text the team wrote or received.

Owners record real names (visits/models.py) and nobody else may see them. But a researcher may
type one into a note ("Janet Ellery keeps the list"), and an executive reading a board, or anyone
holding its share link, must never see it. So boards, share links and exports show text through
NameGuard.mask(), which puts the person's role in its place, and owners see such text flagged
through NameGuard.names_in().

Computed when a page is drawn, with the study's names read once per page (one query, one compiled
pattern), not stored when a note is written: names are added, corrected and erased after notes
exist, and a stored flag would be stale then, or need every note of the study scanned again.
A page shows at most a few dozen texts, and one pattern scans them in microseconds.

A name matches case-insensitively, as whole words, with any spacing between its words. The whole
name, not each part: given and family names are often ordinary words (Park, Bell, May), and
masking those would change customers' words on boards. Names under two characters are ignored.
"""
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.studies.models import Role
from fieldnotes.visits.models import Participant

SHORTEST = 2
ANYONE = "participant"


def normal(name):
    """How two spellings of a name are compared: case folded, runs of space as one."""
    return " ".join(name.casefold().split())


def name_pattern(names):
    """One pattern matching any of `names` as whole words, case-insensitively; None when none is usable."""
    usable = sorted({normal(n) for n in names if n and len(normal(n)) >= SHORTEST}, key=len, reverse=True)
    if not usable:
        return None
    # Longest first, so "Ann Lee-Smith" wins over "Ann Lee" where both would match.
    alternatives = (r"\s+".join(re.escape(word) for word in name.split()) for name in usable)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def search_words(names):
    """For a database pre-filter: the longest word of each usable name, lower-cased; None when one is
    not plain ASCII (SQLite folds only ASCII case, so only a full scan would be sure to find it)."""
    words = [max(normal(n).split(), key=len) for n in names if n and len(normal(n)) >= SHORTEST]
    return words if all(word.isascii() for word in words) else None


def scrub(text, pattern, label=ANYONE):
    """`text` with every match of `pattern` replaced by "[label]"; None and "" pass through."""
    if not text or pattern is None:
        return text
    return pattern.sub(f"[{label}]", text)


@dataclass
class NameGuard:
    """A study's real names, read once: masks them in text and says whose they are."""

    people: dict = field(default_factory=dict)  # normal(real name) -> [(participant id, pseudonym, role)]
    pattern: re.Pattern | None = None

    @classmethod
    def of_study(cls, study_id):
        rows = db.session.execute(
            select(Participant.id, Participant.pseudonym, Participant.real_name, Role.name)
            .outerjoin(Role, Role.id == Participant.role_id)
            .where(Participant.study_id == study_id, Participant.real_name.is_not(None))).all()
        people = {}
        for participant_id, pseudonym, real_name, role in rows:
            if len(normal(real_name)) >= SHORTEST:
                people.setdefault(normal(real_name), []).append((participant_id, pseudonym, role))
        return cls(people=people, pattern=name_pattern(people))

    def label(self, found):
        """The role of the person named, lower-cased as in running text; "participant" when unclear."""
        roles = {role for _, _, role in self.people.get(normal(found), [])}
        return roles.pop().lower() if len(roles) == 1 and None not in roles else ANYONE

    def mask(self, text):
        """The text as boards, share links and exports show it: each real name replaced by [role]."""
        if not text or self.pattern is None:
            return text
        return self.pattern.sub(lambda match: f"[{self.label(match.group(0))}]", text)

    def names_in(self, *texts):
        """Pseudonyms of the participants whose real name appears in any of `texts`, for owners' flags."""
        if self.pattern is None:
            return []
        found = {normal(m.group(0)) for text in texts if text for m in self.pattern.finditer(text)}
        return sorted({pseudonym for name in found for _, pseudonym, _ in self.people.get(name, [])})

"""Rules for text that people type: what is refused, what is kept exactly."""
import re
import unicodedata

from marshmallow import ValidationError, fields

# Bidi controls can make a name read differently from what is stored
# ("Trojan Source"); NUL is refused by PostgreSQL and has no business in a note.
FORBIDDEN = {"\x00"} | {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


DIGIT_RUNS = re.compile(r"([0-9]+)")


def natural_key(value):
    """Sort key that reads numbers as numbers: P2 before P10, "Site 9" before "site 10".

    re.split with a group alternates text and digit runs, so every key starts with text and
    compares text with text and numbers with numbers; case is ignored (casefold).
    """
    parts = DIGIT_RUNS.split(value.casefold())
    return tuple(int(part) if i % 2 else part for i, part in enumerate(parts))


def clean_text(value):
    """Strip surrounding space; otherwise keep the customer's words as typed."""
    return value.strip()


def unstorable_characters(value):
    """NUL and unpaired surrogates, as U+ codes: no database stores them.

    A lone surrogate arrives as a JSON escape ("\\ud800") from a phone that cut a
    string inside an emoji; it cannot be encoded as UTF-8, so SQLite's driver
    and PostgreSQL's both fail on it (a 500 that sank a whole push).
    """
    return sorted({f"U+{ord(c):04X}" for c in value if c == "\x00" or unicodedata.category(c) == "Cs"})


def forbidden_characters(value):
    """The unstorable ones, bidi controls and control characters other than line breaks and tabs."""
    return sorted({f"U+{ord(c):04X}" for c in value if c in FORBIDDEN or (
        unicodedata.category(c) in ("Cs", "Cc") and c not in "\n\r\t")})


def refusal(bad):
    return f"Contains characters that are not allowed: {', '.join(bad)}."


class Plain(fields.String):
    """A string kept exactly as sent (a password, a choice, a link) but never one no database can store."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        bad = unstorable_characters(value)
        if bad:
            raise ValidationError(refusal(bad))
        return value


class Text(fields.String):
    """A string field that refuses control characters and strips surrounding space.

    Emoji and every script are kept losslessly; escaping happens on output.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        bad = forbidden_characters(value)
        if bad:
            raise ValidationError(refusal(bad))
        return clean_text(value)

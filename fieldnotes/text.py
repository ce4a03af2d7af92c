"""Rules for text that people type: what is refused, what is kept exactly."""
import unicodedata

from marshmallow import ValidationError, fields

# Bidi controls can make a name read differently from what is stored
# ("Trojan Source"); NUL is refused by PostgreSQL and has no business in a note.
FORBIDDEN = {"\x00"} | {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def clean_text(value):
    """Strip surrounding space; otherwise keep the customer's words as typed."""
    return value.strip()


def forbidden_characters(value):
    return sorted({f"U+{ord(c):04X}" for c in value if c in FORBIDDEN or (
        unicodedata.category(c) == "Cc" and c not in "\n\r\t")})


class Text(fields.String):
    """A string field that refuses control characters and strips surrounding space.

    Emoji and every script are kept losslessly; escaping happens on output.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        bad = forbidden_characters(value)
        if bad:
            raise ValidationError(f"Contains characters that are not allowed: {', '.join(bad)}.")
        return clean_text(value)

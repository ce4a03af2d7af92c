"""A customer's words as a board shows them: inside one pair of quotation marks, never two.

Researchers often type the marks themselves (“…”, "…", «…», „…“, ‘…’). Words wholly inside one
pair lose it and the page adds its own, so every quote on a board looks alike. Words that open
with a quotation but go on after it (“It’s broken,” she said.) already show where the customer's
words are, so they are shown as typed, with no marks added around them.
"""
from dataclasses import dataclass

# Opening mark: its closing mark. Both European orders of guillemets occur in the field.
PAIRS = {"“": "”", '"': '"', "«": "»", "»": "«", "„": "“", "‚": "‘", "‘": "’", "'": "'", "‹": "›", "›": "‹",
         "「": "」"}
# A single closing mark is also an apostrophe (don’t), so it cannot tell where a quotation ends.
APOSTROPHES = {"’", "'", "‘"}
AFTER_CLOSE = ".,!?…;:"


@dataclass(frozen=True)
class Words:
    text: str
    own_marks: bool  # True: the text carries its own quotation marks; add none


def customer_words(text):
    """The words to show for a quote note, and whether they already carry their own marks."""
    words = (text or "").strip()
    inside = inside_one_pair(words)
    if inside is not None:
        return Words(inside, False)
    return Words(words, bool(words) and words[0] in PAIRS)


def inside_one_pair(words):
    """The words within the one pair of marks that wraps them all, or None if no single pair does.

    A full stop typed after the closing mark ("I hate it".) moves inside, as it would be read aloud.
    """
    if len(words) < 2 or words[0] not in PAIRS:
        return None
    close = PAIRS[words[0]]
    trailing = ""
    if words[-1] in AFTER_CLOSE and words[-2] == close and len(words) > 2:
        words, trailing = words[:-1], words[-1]
    if len(words) < 2 or words[-1] != close:
        return None
    inner = words[1:-1]
    if close not in APOSTROPHES and not balanced(inner, words[0], close):
        return None  # "a" and "b": two quotations, not one wrapped in marks
    inner = inner.strip()
    if not inner:
        return None
    return inner + trailing if trailing and inner[-1] not in AFTER_CLOSE else inner


def balanced(inner, opening, close):
    """True when no mark inside closes the outer pair early (nested pairs are fine)."""
    if opening == close:
        return close not in inner
    depth = 0
    for char in inner:
        if char == opening:
            depth += 1
        elif char == close:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0

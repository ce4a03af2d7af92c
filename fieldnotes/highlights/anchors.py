"""Where a highlight's span is in its source's text now: offsets kept valid, or the highlight marked stale.

A source note may be edited after a span of it was highlighted (a typo fixed, a sentence added). The
highlight's own text never changes for that: it is what was chosen as evidence. On read we look for it:
- still at its offsets: as made;
- elsewhere in the source (words added before it): the nearest place it now is, offsets moved;
- nowhere (its words were edited): stale, with its text unchanged and its old offsets for reference.
Plain values in, plain values out: no database here, so pages, exports and tests share it.
"""
from typing import NamedTuple


class Anchor(NamedTuple):
    start: int
    end: int
    stale: bool


def anchor(source_text, span_text, start, end):
    """The span's [start, end) in `source_text` now, found by its words (see the module's note)."""
    source_text = source_text or ""
    if span_text and source_text[start:end] == span_text:
        return Anchor(start, end, False)
    places = occurrences(source_text, span_text) if span_text else []
    if not places:
        return Anchor(start, end, True)
    nearest = min(places, key=lambda place: abs(place - start))
    return Anchor(nearest, nearest + len(span_text), False)


def occurrences(text, part):
    places, at = [], text.find(part)
    while at != -1:
        places.append(at)
        at = text.find(part, at + 1)
    return places


def raw_offset(text, offset):
    """A browser's offset into `text` as a form field shows it (line ends CRLF and CR read as LF),
    as an offset into `text` itself. Both count code points (the page's script counts them so)."""
    seen, index = 0, 0
    while index < len(text) and seen < offset:
        index += 2 if text.startswith("\r\n", index) else 1
        seen += 1
    return index + (offset - seen)  # past the end stays past it, so it is refused, not clamped


def trimmed(text, start, end):
    """The span without the spaces and line ends a hand selecting words picks up at its edges."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def parts(source_text, found):
    """(before, span, after) of the source's text, for a page that marks the span."""
    return source_text[:found.start], source_text[found.start:found.end], source_text[found.end:]

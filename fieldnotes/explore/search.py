"""Full-text search of notes: the query language, its SQL on both databases, and highlighting.

The language is words, "quoted phrases" and prefix* words, all of which must
match, in a note's text or in its tags' names; emoji and other symbols are
searched as typed. We parse it ourselves and hand the database only quoted
words, so no user input is ever read as FTS5 or tsquery syntax.
"""
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import and_, any_, bindparam, func, literal_column, or_, select, text

from fieldnotes.extensions import db
from fieldnotes.observations import fulltext, tags_on_row
from fieldnotes.observations.models import Observation, observation_tag
from fieldnotes.studies.models import Tag
from fieldnotes.transcripts import fulltext as transcript_fulltext
from fieldnotes.transcripts.models import Recording, Transcript

MAX_QUERY = 200
MAX_PARTS = 16
# A word: a run of letters and digits, as FTS5's unicode61 and our PostgreSQL expression see it.
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Token:
    word: str
    prefix: bool = False


@dataclass(frozen=True)
class Part:
    """One thing that must match: a single word, a phrase (words next to each other), or symbols.

    `literal` is a run of symbols (an emoji, €, →): the word index holds no symbols, so they are
    found as they were typed, in the text. `tag_ids` are the study's tags this part matches: a note
    with one of them matches too (with_tags fills them in).
    """

    tokens: tuple[Token, ...] = ()
    literal: str = ""
    tag_ids: frozenset = frozenset()


def is_symbol(char):
    """An emoji or other symbol people search for; ASCII punctuation stays a separator (and no syntax)."""
    return ord(char) > 127 and unicodedata.category(char).startswith("S")


def joins_symbol(char):
    # Zero-width joiner, variation selectors, keycaps, flag tags: the parts of one emoji after its first.
    return ord(char) > 127 and unicodedata.category(char) in ("Mn", "Me", "Cf", "Sk")


def symbol_runs(chunk):
    """The runs of symbols in a bit of query text, each emoji sequence whole (👍🏽, 👩‍💻)."""
    runs, current = [], ""
    for char in chunk:
        if is_symbol(char) or (current and joins_symbol(char)):
            current += char
        elif current:
            runs.append(current)
            current = ""
    return [*runs, current] if current else runs


def chunk_parts(chunk, quoted=False):
    """The parts a bit of query text asks for; a trailing * makes its last word a prefix.

    A hyphenated code typed unquoted (WALK-R) also ends in a prefix, so it finds the codes it
    begins (WALK-R1, WALK-R2), as a designer who half-remembers a code expects; one that ends in a
    number is whole (WALK-R1 is not WALK-R17).
    """
    words = WORD.findall(chunk)
    code = not quoted and "-" in chunk and len(words) > 1 and not words[-1][-1].isdigit()
    prefix = chunk.rstrip().endswith("*") or code
    parts = [Part(literal=run) for run in symbol_runs(chunk)]
    if words:
        parts.insert(0, Part(tuple([Token(w) for w in words[:-1]] + [Token(words[-1], prefix)])))
    return parts


def parse(query):
    """The parts of a search; [] when it has no words or symbols (e.g. `"` or `*`). Never raises."""
    parts, rest = [], query or ""
    while rest and len(parts) < MAX_PARTS:
        rest = rest.lstrip()
        if rest.startswith('"'):
            # An unbalanced quote runs to the end, as a phrase.
            body, _, rest = rest[1:].partition('"')
            star = rest.startswith("*")
            rest = rest[1:] if star else rest
            parts.extend(chunk_parts(body + ("*" if star else ""), quoted=True))
        else:
            match = re.match(r'[^\s"]*', rest)
            chunk, rest = match.group(0), rest[match.end():]
            parts.extend(chunk_parts(chunk))
    return parts[:MAX_PARTS]


def with_tags(parts, study_id):
    """The parts, each with the ids of the study's tags it matches (words as in the text, symbols as typed).

    A study has tens or hundreds of tags, so they are matched here, the same way on both databases,
    rather than by a second full-text index.
    """
    if not parts:
        return parts
    tags = db.session.execute(select(Tag.id, Tag.name).where(Tag.study_id == study_id)).all()
    return [replace(part, tag_ids=frozenset(t.id for t in tags if tag_matches(part, t.name))) for part in parts]


def tag_matches(part, name):
    if part.literal:
        return part.literal in name
    words = [w.lower() for w in WORD.findall(name)]
    wanted = [(t.word.lower(), t.prefix) for t in part.tokens]
    return any(all(word == w or (prefix and word.startswith(w))
                   for word, (w, prefix) in zip(words[start:], wanted))
               for start in range(len(words) - len(wanted) + 1))


def fts5_query(parts):
    """An FTS5 MATCH string: each word quoted, phrases joined with +, prefixes with *."""
    def string(token):
        return '"' + token.word.replace('"', '""') + '"' + (" *" if token.prefix else "")
    return " AND ".join("(" + " + ".join(string(t) for t in part.tokens) + ")" for part in parts)


def tsquery(parts):
    """A tsquery for to_tsquery('simple', ...): quoted words, <-> in phrases, :* for prefixes."""
    def lexeme(token):
        return "'" + token.word.replace("'", "''") + "'" + (":*" if token.prefix else "")
    return " & ".join("(" + " <-> ".join(lexeme(t) for t in part.tokens) + ")" for part in parts)


FOUND, WALKED, EITHER = "found", "walked", "either"  # how the notes a search matches are read (condition)


def condition(parts, dialect_name, read=FOUND):
    """A WHERE clause for notes matching every part: in their words, in their tags, or symbols as typed.

    read: FOUND, all of them found by the indexes (counted); WALKED, read one by one and each asked whether it
    matches (a page walked in time order); EITHER, as the planner picks (a page of a list with no count of its own).
    See one_of and heard_or_written for what each changes on PostgreSQL.
    """
    as_set = dialect_name == "postgresql" and read != WALKED
    worded = [p for p in parts if p.tokens]
    clauses = [literal_match(p.literal) for p in parts if p.literal and not p.tag_ids]
    if any(p.tag_ids for p in parts):
        clauses = [or_(heard_or_written([p], dialect_name, i, as_set, read == FOUND and bool(p.tag_ids)) if p.tokens
                       else literal_match(p.literal), tagged(p.tag_ids, as_set))
                   for i, p in enumerate(parts)]
    elif worded:
        clauses.append(heard_or_written(worded, dialect_name, 0, as_set))  # one index lookup for all the words
    return and_(*clauses)


def heard_or_written(parts, dialect_name, number, as_set, phrase_as_ids=False):
    """The words in the note's text, or all of them in the transcript of one of its recordings.

    phrase_as_ids: the part is OR-ed with its tags' notes (`tagged`), and all the notes it matches are found.
    """
    written = words_match(parts, dialect_name, number)
    if as_set and phrase_as_ids and any(len(part.tokens) > 1 for part in parts):
        # A phrase: its index cannot say whether the words are side by side, so PostgreSQL checks each row found
        # again against the whole OR, and the tagged notes' "= ANY(array)" is a walk of the array for each row.
        # "month end", also a tag's name on 40k of 1M notes: 2.2 s a statement. As note ids of its own, the
        # phrase's arm is exact like the others: nothing is checked again (0.6 s). Not for a page a planner may
        # walk: each note read would be looked for in the phrase's array (the walked page's own tag arm is IN).
        phrased = Observation.__table__.alias("phrased")
        written = one_of(select(phrased.c.id).where(words_match(parts, dialect_name, number, phrased.name)), as_set)
    return or_(written, heard(parts, dialect_name, number, as_set))


def heard(parts, dialect_name, number, as_set):
    """Notes with a recording whose transcript (its current text) holds every word (transcripts/fulltext.py)."""
    name = f"fts_heard_{number}"
    if dialect_name == "postgresql":
        matching = literal_column(transcript_fulltext.PG_VECTOR).op("@@")(
            text(f"to_tsquery('simple'::regconfig, :{name})").bindparams(bindparam(name, tsquery(parts))))
    else:
        matching = Transcript.id.in_(select(literal_column("rowid")).select_from(text(transcript_fulltext.FTS_TABLE))
                                     .where(text(f"{transcript_fulltext.FTS_TABLE} MATCH :{name}")
                                            .bindparams(bindparam(name, fts5_query(parts)))))
    return one_of(select(Recording.observation_id).join(Transcript, Transcript.recording_id == Recording.id)
                  .where(Recording.observation_id.is_not(None), matching), as_set)


def one_of(note_ids, as_set):
    """The note's id is among those `note_ids` selects.

    as_set (PostgreSQL, the notes found by the indexes): as `= ANY(ARRAY(...))`, which an index can answer. Beside
    the words' index in an OR, "IN (subquery)" made PostgreSQL read every note of the study and compute its words
    on the spot (20-25 s a statement at 1M notes, issue 11 session 14); this way every arm is an index scan, OR-ed
    as bitmaps. Otherwise "IN (subquery)": asked of one note at a time (a page walked in time order), it is a probe
    of a hash, where "= ANY(array)" walks the array (a tag's 40k notes): 590 ms for a page, 28 ms this way.
    """
    if as_set:
        return Observation.id == any_(func.array(note_ids.scalar_subquery()))
    return Observation.id.in_(note_ids)


def words_match(parts, dialect_name, number=0, table="observation"):
    name = f"fts_query_{number}"
    if dialect_name == "postgresql":
        return literal_column(f"{table}.{fulltext.WORDS_COLUMN}").op("@@")(
            text(f"to_tsquery('simple'::regconfig, :{name})").bindparams(bindparam(name, tsquery(parts))))
    matches = select(literal_column("rowid")).select_from(text(fulltext.FTS_TABLE)).where(
        text(f"{fulltext.FTS_TABLE} MATCH :{name}").bindparams(bindparam(name, fts5_query(parts))))
    return Observation.seq.in_(matches)


def literal_match(literal):
    return or_(Observation.text.contains(literal, autoescape=True),
               Observation.expected.contains(literal, autoescape=True))


def tagged(tag_ids, as_set):
    """The note has one of the tags `tag_ids`. as_set (PostgreSQL, the notes found by the indexes): by the tag ids on
    its row, whose index adds them to the words' bitmap (observations/tags_on_row.py)."""
    if as_set:
        return tags_on_row.having_any(tag_ids)
    return one_of(select(observation_tag.c.observation_id).where(observation_tag.c.tag_id.in_(tag_ids)), as_set)


def highlight(value, parts):
    """`value` as HTML, every searched word (or word starting with a searched prefix) and symbol in <mark>."""
    if not value:
        return Markup("")
    if not parts:
        return escape(value)
    out, position = [], 0
    for start, end in marked_spans(value, marking(tuple(parts))):
        if start >= position:  # (a symbol and a word never overlap; kept safe if one ever did)
            out.append(escape(value[position:start]))
            out.append(Markup("<mark>%s</mark>") % value[start:end])
            position = end
    out.append(escape(value[position:]))
    return Markup("").join(out)


@dataclass(frozen=True)
class Marking:
    """What a search marks in a note's text: `exact` words and `prefixes` (lower case), `symbols` as typed, and
    `candidates`: a run of letters and digits that one of those words or prefixes begins, in lowered text."""

    exact: frozenset
    prefixes: tuple
    symbols: re.Pattern | None
    candidates: re.Pattern | None

    def marks(self, word):
        return word in self.exact or bool(self.prefixes and word.startswith(self.prefixes))


@lru_cache(maxsize=64)
def marking(parts):
    exact = frozenset(t.word.lower() for p in parts for t in p.tokens if not t.prefix)
    prefixes = tuple(t.word.lower() for p in parts for t in p.tokens if t.prefix)
    symbols = sorted({p.literal for p in parts if p.literal}, key=len, reverse=True)
    begun = "|".join(map(re.escape, sorted({*exact, *prefixes}, key=len, reverse=True)))
    return Marking(exact, prefixes, re.compile("|".join(map(re.escape, symbols))) if symbols else None,
                   re.compile(rf"(?<![^\W_])(?:{begun})[^\W_]*") if begun else None)


def marked_spans(value, marking):
    """(start, end) of each word and symbol `marking` marks in `value`, in order.

    Only the word runs a searched word begins are read (marking.candidates), then each asked as before: reading
    every word of a note and asking each took 2.4-2.9 ms for a search's page of 50 notes on the bench (16 words a
    note), this way 1.2-1.8, and the gap grows with the notes' length. Where lower case changes a letter's length
    (İ), places in the lowered text are not the text's; and a capital sigma lowers by the letters around it (Σ ends
    a word as ς), not as a word alone does. Then every word is read.
    """
    lowered = value.lower()
    if len(lowered) != len(value) or "Σ" in value:
        spans = [m.span() for m in WORD.finditer(value) if marking.marks(m.group(0).lower())]
    else:
        spans = [m.span() for m in marking.candidates.finditer(lowered)
                 if marking.marks(m.group(0))] if marking.candidates else []
    spans += [m.span() for m in marking.symbols.finditer(value)] if marking.symbols else []
    return sorted(spans)

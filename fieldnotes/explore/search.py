"""Full-text search of notes: the query language, its SQL on both databases, and highlighting.

The language is words, "quoted phrases" and prefix* words, all of which must
match. We parse it ourselves and hand the database only quoted words, so no
user input is ever read as FTS5 or tsquery syntax.
"""
import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import bindparam, literal_column, select, text

from fieldnotes.observations import fulltext
from fieldnotes.observations.models import Observation

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
    """One thing that must match: a single word, or a phrase (words next to each other)."""

    tokens: tuple[Token, ...]


def chunk_part(chunk):
    """A part from a bit of query text; a trailing * makes its last word a prefix."""
    prefix = chunk.rstrip().endswith("*")
    words = WORD.findall(chunk)
    if not words:
        return None
    tokens = [Token(w) for w in words[:-1]] + [Token(words[-1], prefix)]
    return Part(tuple(tokens))


def parse(query):
    """The parts of a search; [] when it has no words (e.g. `"` or `*`). Never raises."""
    parts, rest = [], query or ""
    while rest and len(parts) < MAX_PARTS:
        rest = rest.lstrip()
        if rest.startswith('"'):
            # An unbalanced quote runs to the end, as a phrase.
            body, _, rest = rest[1:].partition('"')
            star = rest.startswith("*")
            rest = rest[1:] if star else rest
            part = chunk_part(body + ("*" if star else ""))
        else:
            match = re.match(r'[^\s"]*', rest)
            chunk, rest = match.group(0), rest[match.end():]
            part = chunk_part(chunk)
        if part:
            parts.append(part)
    return parts


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


def condition(parts, dialect_name):
    """A WHERE clause for notes matching every part."""
    if dialect_name == "postgresql":
        return literal_column(fulltext.PG_VECTOR).op("@@")(
            text("to_tsquery('simple'::regconfig, :fts_query)").bindparams(fts_query=tsquery(parts)))
    matches = select(literal_column("rowid")).select_from(text(fulltext.FTS_TABLE)).where(
        text(f"{fulltext.FTS_TABLE} MATCH :fts_query").bindparams(bindparam("fts_query", fts5_query(parts))))
    return Observation.seq.in_(matches)


def highlight(value, parts):
    """`value` as HTML, every searched word (or word starting with a searched prefix) in <mark>."""
    if not value:
        return Markup("")
    if not parts:
        return escape(value)
    exact = {t.word.lower() for p in parts for t in p.tokens if not t.prefix}
    prefixes = tuple(t.word.lower() for p in parts for t in p.tokens if t.prefix)
    out, position = [], 0
    for match in WORD.finditer(value):
        word = match.group(0).lower()
        if word in exact or (prefixes and word.startswith(prefixes)):
            out.append(escape(value[position:match.start()]))
            out.append(Markup("<mark>%s</mark>") % match.group(0))
            position = match.end()
    out.append(escape(value[position:]))
    return Markup("").join(out)

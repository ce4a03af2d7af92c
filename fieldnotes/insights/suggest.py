"""Suggested groups: clusters of similar ungrouped notes, computed here with no outside service.

TF-IDF over each note's text and "expected", then a leader pass (each note joins the closest
cluster whose centroid it resembles enough, else starts one), then agglomerative merging of
clusters whose centroids are close. Plain Python on sparse dicts: 5,000 notes take a few
seconds and little memory (docs/benchmarks.md), and no numeric library is needed.
Nothing is grouped until a person accepts; a dismissed proposal is remembered and not made again.
"""
import math
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.insights import service
from fieldnotes.insights.models import InsightNote, SuggestionDismissal
from fieldnotes.observations.models import Observation

WORD = re.compile(r"[^\W\d_]{3,}")
STOP = set("""about above after again against all also and any are because been before being below between
both but can cannot could did does doing down during each few for from further had has have having her here
hers him his how into its itself just like more most much must not now off once only other our ours out over
own same she should some such than that the their theirs them then there these they this those through too
under until very was were what when where which while who whom why will with would you your yours yourself
every get gets got one two just still even back way also already really we're i'm it's don't can't isn't
doesn't didn't they're via per yet""".split())
JOIN = 0.30       # a note joins a cluster whose centroid is at least this similar
MERGE = 0.45      # two clusters merge when their centroids are this similar
CENTROID_TERMS = 20
NOTE_TERMS = 8
MAX_SIZE = 25
MAX_SUGGESTIONS = 20
DISMISSED_OVERLAP = 0.5


@dataclass
class Suggestion:
    note_ids: list
    words: list
    notes: list  # the Observation rows, for the page

    def as_dict(self):
        return {"note_ids": [str(n) for n in self.note_ids], "words": self.words,
                "notes": [{"id": str(n.id), "text": n.text} for n in self.notes]}


def stem(word):
    # Plurals and -ing/-ed forms of the same word should count as one.
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("ss"):
            return word[:-len(suffix)]
    return word


def terms(text):
    return [stem(w) for w in WORD.findall(text.lower()) if w not in STOP]


def vectors(texts):
    """L2-normalised TF-IDF dicts (sublinear tf), and the surface word shown for each stem."""
    bags = [Counter(terms(t)) for t in texts]
    df = Counter(term for bag in bags for term in bag)
    n = len(texts)
    idf = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df.items() if d >= 2}
    result = []
    for bag in bags:
        v = {t: (1 + math.log(c)) * idf[t] for t, c in bag.items() if t in idf}
        norm = math.sqrt(sum(w * w for w in v.values())) or 1.0
        result.append({t: w / norm for t, w in v.items()})
    return result


def top(vector, k):
    return dict(sorted(vector.items(), key=lambda kv: (-kv[1], kv[0]))[:k])


def cosine(a, b):
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


class Cluster:
    def __init__(self):
        self.members, self.total = [], defaultdict(float)

    def add(self, index, vector):
        self.members.append(index)
        for t, w in vector.items():
            self.total[t] += w

    def centroid(self, k=CENTROID_TERMS):
        norm = math.sqrt(sum(w * w for w in self.total.values())) or 1.0
        return top({t: w / norm for t, w in self.total.items()}, k)


def leader_pass(vecs):
    clusters, index = [], defaultdict(set)  # term -> clusters whose centroid features it
    for i, v in enumerate(vecs):
        if not v:
            continue
        probe = top(v, NOTE_TERMS)
        candidates = set().union(*(index[t] for t in probe)) if probe else set()
        best, best_score = None, JOIN
        for c in candidates:
            score = cosine(probe, clusters[c][1])
            if score > best_score:
                best, best_score = c, score
        if best is None:
            clusters.append([Cluster(), {}])
            best = len(clusters) - 1
        cluster = clusters[best]
        cluster[0].add(i, v)
        for t in cluster[1]:
            index[t].discard(best)
        cluster[1] = cluster[0].centroid()
        for t in cluster[1]:
            index[t].add(best)
    return [c[0] for c in clusters]


def agglomerate(clusters):
    """Merge the closest pair of clusters (centroid similarity) while any pair is similar enough.

    Pair similarities are computed once and only the merged cluster's are recomputed.
    """
    groups = {i: c for i, c in enumerate(clusters)}
    cents = {i: c.centroid() for i, c in groups.items()}
    sims = {}
    keys = sorted(groups)
    for x, a in enumerate(keys):
        for b in keys[x + 1:]:
            score = cosine(cents[a], cents[b])
            if score > MERGE:
                sims[(a, b)] = score
    while sims:
        (a, b), _ = max(sims.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))
        if len(groups[a].members) + len(groups[b].members) > MAX_SIZE:
            del sims[(a, b)]
            continue
        groups[a].members.extend(groups[b].members)
        for t, w in groups[b].total.items():
            groups[a].total[t] += w
        del groups[b], cents[b]
        sims = {pair: s for pair, s in sims.items() if a not in pair and b not in pair}
        cents[a] = groups[a].centroid()
        for other in groups:
            if other != a:
                score = cosine(cents[a], cents[other])
                if score > MERGE:
                    sims[(min(a, other), max(a, other))] = score
    return list(groups.values())


def cluster_notes(texts):
    """[(member indexes, top words)] for clusters of two or more notes, biggest first."""
    vecs = vectors(texts)
    clusters = [c for c in leader_pass(vecs) if len(c.members) >= 2]
    if len(clusters) <= 600:  # the first pass is quadratic in clusters; past this, leader clusters stand
        clusters = agglomerate(clusters)
    result = []
    for c in clusters:
        cent = c.centroid(CENTROID_TERMS)
        members = sorted(c.members, key=lambda i: -cosine(vecs[i], cent))[:MAX_SIZE]
        result.append((sorted(members), [surface(w, texts, members) for w in top(cent, 4)]))
    result.sort(key=lambda r: (-len(r[0]), r[0]))
    return result


def ungrouped_notes(study_id):
    """(id, text, expected) of the study's live notes in no insight: columns, not objects, for speed."""
    grouped = select(InsightNote.observation_id)
    return db.session.execute(select(Observation.id, Observation.text, Observation.expected).where(
        Observation.study_id == study_id, Observation.deleted_at.is_(None), Observation.id.not_in(grouped))
        .order_by(Observation.captured_at, Observation.id)).all()


def dismissed_sets(study_id):
    return [set(ids) for ids in db.session.scalars(
        select(SuggestionDismissal.note_ids).where(SuggestionDismissal.study_id == study_id))]


def overlaps(ids, dismissed):
    return any(len(ids & d) / len(ids | d) >= DISMISSED_OVERLAP for d in dismissed)


def suggestions(study_id, limit=MAX_SUGGESTIONS):
    notes = ungrouped_notes(study_id)
    texts = [f"{n.text} {n.expected or ''}" for n in notes]
    dismissed = dismissed_sets(study_id)
    found = []
    for members, words in cluster_notes(texts):
        chosen = [notes[i] for i in members]
        if overlaps({str(n.id) for n in chosen}, dismissed):
            continue
        found.append(Suggestion([n.id for n in chosen], words, chosen))
        if len(found) == limit:
            break
    return found


def surface(stemmed, texts, members):
    """The word as people wrote it most often ("invoices", "ERP") rather than its lower-case stem."""
    seen = Counter(w for i in members for w in WORD.findall(texts[i]) if stem(w.lower()) == stemmed)
    return seen.most_common(1)[0][0] if seen else stemmed


def accept(study_id, user_id, note_ids, statement=""):
    """Group exactly these notes as a new insight; the statement is the person's, or a first draft."""
    if not statement.strip():
        first = db.session.get(Observation, uuid.UUID(str(note_ids[0]))) if note_ids else None
        statement = service.short(first.text if first and first.text else "New insight", 200)
    sources = {str(n): None for n in note_ids}  # only notes still ungrouped: no stealing from an insight
    return service.create_insight(study_id, user_id, statement, note_ids, sources=sources)


def dismiss(study_id, user_id, note_ids):
    """Remember a dismissed proposal; it names only this study's notes, else nothing is written.

    (Another study's note ids kept here would say which notes exist elsewhere, and tie two studies.)
    """
    ids = {uuid.UUID(str(n)) for n in note_ids}
    found = set(db.session.scalars(select(Observation.id).where(Observation.id.in_(ids),
                                                                Observation.study_id == study_id)))
    if found != ids:
        raise service.Refused("Only this study's notes can be dismissed as a suggestion.",
                              errors={"note_ids": ["A note is not in this study."]})
    db.session.add(SuggestionDismissal(study_id=study_id, user_id=user_id, note_ids=sorted(str(n) for n in ids)))

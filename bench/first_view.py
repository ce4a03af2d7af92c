"""What the first-view benchmarks share: a browse filter's facet counts (facets.matched_counts) taken two ways,
one of facets' deciding functions swapped for the other way's, checked alike and timed in turn.

`ways`: [(label, function)], the last the app's own; `switch`: the name in `module` (explore/facets.py unless
given) they take the place of (journey_filtered, one_value_filtered; search.one_of). This is what a filter costs
counted from the start (asked for the first time, or after an edit to a note counted before: explore/facet_cache.py,
not used here).
"""
import statistics
import time

from sqlalchemy import event

from fieldnotes.explore import facets
from fieldnotes.extensions import db


def counts_of(filters, orgs):
    """(every facet's counts with zeros left out, the total, the attention count)."""
    found, total, attention = facets.matched_counts(filters, db.engine.dialect.name, orgs)
    return {name: {v: n for v, n in values.items() if n} for name, values in found.items()}, total, attention


def same_counts(picks, orgs, switch, ways, module=facets):
    """Both ways give every facet's counts, the total and the attention count alike."""
    try:
        for label, filters in picks:
            answers = []
            for _, way in ways:
                setattr(module, switch, way)
                answers.append(counts_of(filters, orgs))
            assert answers[0] == answers[1], f"{label}: the two ways disagree"
            assert answers[0][1], f"{label}: no note matches"
    finally:
        setattr(module, switch, ways[-1][1])
    print(f"  the two ways' counts: the same for all {len(picks)} filters")


def timed(picks, orgs, switch, ways, rounds, module=facets):
    """p50 and the slowest of each filter each way, in ms, the ways taken in turn each round."""
    runs = {(way, label): [] for way, _ in ways for label, _ in picks}
    try:
        for _ in range(rounds):
            for way, deciding in ways:
                setattr(module, switch, deciding)
                for label, filters in picks:
                    began = time.perf_counter()
                    facets.matched_counts(filters, db.engine.dialect.name, orgs)
                    runs[(way, label)].append((time.perf_counter() - began) * 1000)
                    db.session.rollback()
    finally:
        setattr(module, switch, ways[-1][1])
    for (way, label), taken in runs.items():
        print(f"  {way:22} {label:26} p50 {statistics.median(taken):7.1f}  slowest {max(taken):7.1f}")


def statements(filters, orgs):
    """Each statement of one count, with its time."""
    taken = []

    def before(conn, cursor, statement, params, context, many):
        context.began = time.perf_counter()

    def after(conn, cursor, statement, params, context, many):
        taken.append(((time.perf_counter() - context.began) * 1000, " ".join(statement.split())[:90]))
    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        facets.matched_counts(filters, db.engine.dialect.name, orgs)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    for ms, statement in taken:
        print(f"    {ms:7.1f} ms  {statement}")


def statements_each_way(label, filters, orgs, switch, ways, module=facets):
    """statements() of one filter's count, each way in turn."""
    try:
        for way, deciding in ways:
            setattr(module, switch, deciding)
            print(f"  {label}'s statements, {way}:")
            statements(filters, orgs)
    finally:
        setattr(module, switch, ways[-1][1])
        db.session.rollback()

"""Counts kept on write: each study's live notes per journey cell, per facet value, per facet value
within each journey cell and day, and per pair of two facets' values (issue 11).

Browse with no filter, with filters on the journey's own facets and dates, or with one value of another
facet, and the journey matrix, read these rows instead of grouping every note, so they cost the same at
10,000 notes as at a million. They are kept right in the same transaction as every write:

- notes written as rows (`changes.write_new_notes`) add their counts from those rows (count_new_notes);
- every other write changes notes as ORM objects (a push's update or delete, an edit, a tag,
  a rename or merge, an erasure, a conflict kept), often mutating the note before it reaches
  observations/changes.py. Only the flush knows for sure what is about to change, so a flush
  listener reads each touched note's counted state from the database before the first flush that
  changes it in the transaction (locking its row, so a concurrent writer cannot slip between the
  read and the commit), and just before the commit reads the touched notes again and moves the
  counts by the difference: a push of 200 edits reads each note once and writes the counts once.
  A note the ORM loaded with its row lock in this transaction (a push locks each note it changes)
  needs no read before its first change: what it counted is its loaded state, tags, media and
  revisions as loaded (locked_notes.Partial); any part not loaded, or expired, and it is read as above;
- bulk loaders that write rows directly (a study archive, the large demo seeds) rebuild their
  study's summaries at the end (rebuild); `flask rebuild-summaries` does it for every study.

A note counts while it is live (not deleted). recount() is the direct recount the drift tests
compare the kept counts with.

The package, by what each module keeps: deltas (what a write adds to or takes from the counts, and
their upsert), note_states (a note's counted state read from the database), locked_notes (the same from a
note loaded with its row lock), upkeep (the listeners that keep the counts on every write), recount
(recount, stored, rebuild) and kept (what explore reads).
"""
from fieldnotes.observations.summaries.deltas import (  # noqa: F401  (the package's names, as ever)
    CELL_FACET_KEY, FACET_KEY, JOURNEY_KEY, PAIN, PAIR_KEY, Counted, Deltas, cell_facet_table, facet_table,
    journey_table, note_table, pair_table)
from fieldnotes.observations.summaries.kept import (  # noqa: F401
    Cell, attention_query, cell_facets, facet_counts, journey_cells, journey_cells_between, journey_cells_with,
    journey_sums, live_notes, live_notes_query, paired_counts)
from fieldnotes.observations.summaries.note_states import attention_of, counted_states  # noqa: F401
from fieldnotes.observations.summaries.recount import rebuild, recount, stored  # noqa: F401
from fieldnotes.observations.summaries.upkeep import (  # noqa: F401
    PENDING, claim_new_rows_counts, count_new_notes, touched_in)

"""A search's counts kept a while (explore/facet_cache.py) follow what changes its matches without a change to any
note: a transcript of a note's audio published or edited, and one scrubbed when the participant it names is erased;
and a view that may count later counts nothing afresh.

(Every kind of write to notes, and writers in parallel: tests/test_summaries.py and test_summaries_concurrency.py.)
"""
import uuid

from werkzeug.datastructures import MultiDict

from fieldnotes.explore import facet_cache, facets
from fieldnotes.explore.filters import parse_filters
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Study
from fieldnotes.sync.push import push_batch
from fieldnotes.transcripts import service
from fieldnotes.transcripts.engine import Heard, Segment
from fieldnotes.transcripts.models import JobState, Recording, Source, Transcript
from fieldnotes.transcripts.work import new_transcript
from fieldnotes.visits.models import Participant
from fieldnotes.visits.service import erase_participant
from tests.factories import make_observation, make_participant, make_visit, note_mutation
from tests.test_summaries import browse_numbers


def transcribed(app, note_id, said):
    """The worker's transcript of the note's audio, published."""
    with app.app_context():
        note = db.session.get(Observation, note_id)
        recording = Recording(study_id=note.study_id, source=Source.NOTE, observation_id=note.id,
                              added_by_id=note.author_id, state=JobState.DONE, progress=100)
        db.session.add(recording)
        db.session.flush()
        db.session.add(new_transcript(recording, Heard([Segment(0, 2000, said)], "en", 2000, "faster-whisper:test")))
        db.session.commit()
        return recording.id


def test_a_search_s_counts_follow_a_note_s_transcript_published_edited_and_scrubbed(app, client, study_id):
    with app.app_context():
        study = db.session.get(Study, study_id)
        visit = make_visit(study)
        person = make_participant(study, [visit], pseudonym="P1", real_name="Janet Ellery").id
        note = make_observation(study, study.memberships[0].user, text="Counts the pallets by hand.").id
        make_observation(study, study.memberships[0].user, text="Waits for a countersignature.")

    def shown(q):
        return browse_numbers(client, study_id, f"?q={q}")[0]

    assert (shown("countersignature"), shown("ellery")) == (1, 0)  # counted, and kept
    recording = transcribed(app, note, "Janet Ellery waits for the countersignature too.")
    assert (shown("countersignature"), shown("ellery")) == (2, 1)  # heard in the new transcript

    with app.app_context():
        transcript = db.session.scalar(db.select(Transcript).where(Transcript.recording_id == recording))
        service.edit(transcript, db.session.get(Study, study_id).memberships[0].user, 1,
                     ["Janet Ellery waits for the stamp."])
        db.session.commit()
    assert (shown("countersignature"), shown("ellery")) == (1, 1)  # no longer said there

    with app.app_context():
        erasure = erase_participant(db.session.get(Participant, person))
        db.session.commit()
        erasure.finish()
        assert erasure.counts["naming_transcripts"] == 1
    assert (shown("countersignature"), shown("ellery"), shown("stamp")) == (1, 0, 1)  # scrubbed, the rest kept


def test_a_view_that_may_count_later_counts_nothing_afresh_yet_brings_kept_counts_up_to_date(app, study_id):
    """The browse page's first view of many notes asks without counting afresh (explore/browse.py): no entry, or
    one a changed note spoils, gives None and counts nothing; an entry that new notes alone outdate is brought up to
    date by counting those notes only."""
    with app.app_context():
        study = db.session.get(Study, study_id)
        ana = study.memberships[0].user
        first = make_observation(study, ana, text="Invoice keyed twice.")
        filters = parse_filters(study_id, MultiDict({"q": "invoice"}))
        orgs, windows = facets.organisations(study_id), []

        def count(window):
            windows.append(window.changed)
            return facets.matched_tallies(window, db.engine.dialect.name, orgs)

        assert facet_cache.counts(filters, orgs, count, afresh=False) is None
        assert windows == []  # nothing counted
        assert facet_cache.counts(filters, orgs, count)[1] == 1
        make_observation(study, ana, text="Another invoice, on paper.")
        assert facet_cache.counts(filters, orgs, count, afresh=False)[1] == 2  # brought up to date
        assert windows[-1][0] is not None  # by the new note alone
        [edited] = push_batch(ana, uuid.uuid4(), [note_mutation(study, op="update", entity_id=first.id,
                                                                base_version=first.version,
                                                                text="Invoice keyed three times.")])
        assert edited["status"] == "applied"
        counted = len(windows)
        assert facet_cache.counts(filters, orgs, count, afresh=False) is None  # spoiled: to be counted whole
        assert len(windows) == counted

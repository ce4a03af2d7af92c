"""What pages show of a recording: its state, its transcript's segments, and links, as plain dicts.

The note page (explore) shows one panel beside each audio player; the visit page lists interview
recordings; a recording's own page shows one panel. Real names in a transcript are masked for all
but owners (visits/names.py), as in notes.
"""
from flask import url_for
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.studies.permissions import allows
from fieldnotes.transcripts import service
from fieldnotes.transcripts.models import Recording, Source
from fieldnotes.visits.names import NameGuard


def clock(ms):
    """12:05 or 1:02:05: where a segment starts, as a player shows time."""
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def shown_text(membership, guard):
    return str if allows(membership.role, "see_real_names") else guard.mask


def panel(membership, recording, guard=None):
    guard = guard or NameGuard.of_study(recording.study_id)
    shown = shown_text(membership, guard)
    transcript = service.current_transcript(recording.id)
    version = service.current_version(transcript) if transcript else None
    segments = [{"start": s.start_ms / 1000, "end": s.end_ms / 1000, "clock": clock(s.start_ms),
                 "text": shown(s.text), "position": s.position} for s in (version.segments if version else [])]
    owner = allows(membership.role, "see_real_names")
    ids = {"study_id": recording.study_id, "recording_id": recording.id}
    if recording.source == Source.NOTE:
        audio_url = f"/media/{recording.attachment_id}"
        page_url = url_for("explore.note_page", study_id=recording.study_id, note_id=recording.observation_id)
    else:
        audio_url = url_for("transcripts.recording_audio", **ids)
        page_url = url_for("transcripts.recording_page", **ids)
    return {
        "recording": recording, "state": str(recording.state), "progress": recording.progress,
        "failure": recording.failure, "transcript": transcript, "version": version, "segments": segments,
        "may_change": service.may_change(membership, recording),
        "words_hidden": bool(transcript) and not owner and bool(guard.names_in(transcript.text)),
        "real_names": guard.names_in(transcript.text) if transcript and owner else [],
        "audio_id": f"audio-{recording.attachment_id or recording.id}", "audio_url": audio_url,
        "page_url": page_url, "state_url": url_for("transcripts.recording_state", **ids),
        "retry_url": url_for("transcripts.retry", **ids),
        "edit_url": url_for("transcripts.edit_transcript", **ids),
        "versions_url": url_for("transcripts.transcript_versions", **ids),
    }


def for_note(membership, note):
    """attachment id -> panel, for the note page's audio players (explore/note.py)."""
    recordings = db.session.scalars(select(Recording).where(Recording.observation_id == note.id)).all()
    if not recordings:
        return {}
    guard = NameGuard.of_study(note.study_id)
    return {str(r.attachment_id): panel(membership, r, guard) for r in recordings}


def of_visit(visit):
    return db.session.scalars(select(Recording).where(Recording.visit_id == visit.id)
                              .order_by(Recording.created_at.desc(), Recording.id)).all()


def shown_versions(membership, transcript):
    shown = shown_text(membership, NameGuard.of_study(transcript.study_id))
    return [{"number": v.number, "author": v.author.name if v.author else None, "created_at": v.created_at,
             "text": shown(v.text), "current": v.number == transcript.version}
            for v in service.versions(transcript)]

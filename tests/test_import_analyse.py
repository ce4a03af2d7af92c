"""A large import leaves the planner statistics for the notes it brought (issue 11, item 7)."""
from sqlalchemy import text

from fieldnotes.extensions import db
from fieldnotes.imports import analyse
from tests.factories import make_study, make_user

HEADER = "ID,Date,Stage,Kind,Quote\n"


def statistics_rows(app):
    """How many notes the planner's statistics say the observation table holds; None: no figure."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            if not db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
                return None  # never analysed at all
            stat = db.session.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'observation' LIMIT 1"))
            return int(stat.split()[0]) if stat else None
        # reltuples is set by ANALYZE (and VACUUM); -1 until then (and again after a TRUNCATE)
        rows = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'observation'"))
        return None if rows < 0 else int(rows)


def run_import(app, tmp_path, rows):
    with app.app_context():
        study_id = make_study(make_user("ana@example.org", name="Ana")).id
    path = tmp_path / "notes.csv"
    path.write_text(HEADER + "".join(f"r{i},2026-03-12 10:{i % 60:02d},purchase,quote,Said {i}\n"
                                     for i in range(rows)), encoding="utf-8")
    done = app.test_cli_runner().invoke(args=["import", "notes", "--study", str(study_id), str(path),
                                              "--map", "text=Quote,touchpoint=Stage", "--key", "ID"])
    assert done.exit_code == 0 and f"Imported {rows} notes" in done.output, done.output


def test_a_large_import_is_analysed_once_committed(new_tables, app, tmp_path, monkeypatch):
    monkeypatch.setattr(analyse, "LARGE", 5)  # "large" made small, so the test stays quick
    run_import(app, tmp_path, 7)
    assert statistics_rows(app) == 7


def test_a_small_import_leaves_the_statistics_alone(new_tables, app, tmp_path, monkeypatch):
    monkeypatch.setattr(analyse, "LARGE", 50)
    run_import(app, tmp_path, 7)
    assert statistics_rows(app) != 7, "analysed after an import below the threshold"


def test_a_large_archive_import_is_analysed_once_committed(new_tables, app, tmp_path, monkeypatch):
    from tests.test_archive_roundtrip import export, import_as
    from tests.factories import make_observations
    with app.app_context():
        owner = make_user("ana@example.org", name="Ana")
        study = make_study(owner)
        make_observations(study, owner, [{"text": f"Said {i}"} for i in range(6)])
        db.session.commit()
        study_id = study.id
    export(app, study_id, tmp_path / "study.zip")
    monkeypatch.setattr(analyse, "LARGE", 5)
    import_as(app, tmp_path / "study.zip")
    assert statistics_rows(app) == 12  # the study's 6 notes and the 6 the import brought

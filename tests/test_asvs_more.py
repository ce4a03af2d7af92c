"""OWASP ASVS 5.0 requirements checked here because no other test did (docs/security.md lists them all)."""
from types import SimpleNamespace

from sqlalchemy import URL, create_engine

from fieldnotes.ops import databases

DATABASE = "fieldnotes$(touch pwned) && `reboot`"  # what a shell would run


class Snapshotting:
    """Just enough of a PostgreSQL connection for postgres_snapshot: an exported snapshot, no rows."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execution_options(self, **options):
        return self

    def begin(self):
        return self

    def scalar(self, statement):
        return "00000003-0000001B-1" if "pg_export_snapshot" in str(statement) else False

    def execute(self, statement):
        return SimpleNamespace(all=lambda: [])


def test_backup_and_restore_run_the_postgresql_tools_with_an_argument_list_and_no_shell(tmp_path, monkeypatch):
    """V1.2.5: pg_dump and pg_restore get a list of arguments, never a shell command line."""
    calls = []

    def run(arguments, **options):
        calls.append((arguments, options))
        return SimpleNamespace(returncode=0, stderr="")

    monkeypatch.setattr(databases, "subprocess", SimpleNamespace(run=run))
    real = create_engine(URL.create("postgresql+psycopg", "fieldnotes", host="db.example", database=DATABASE))
    engine = SimpleNamespace(url=real.url, connect=Snapshotting, dispose=real.dispose)
    folder = tmp_path / "backup; touch pwned"
    dump = folder / databases.FILES["postgresql"]

    databases.postgres_snapshot(engine, dump)
    databases.postgres_check(dump)
    databases.postgres_restore(engine, dump)

    assert [arguments[0] for arguments, _ in calls] == ["pg_dump", "pg_restore", "pg_restore"]
    for arguments, options in calls:
        assert isinstance(arguments, list) and all(isinstance(a, str) for a in arguments)
        assert not options.get("shell") and "executable" not in options
        assert str(dump) in arguments  # the path, metacharacters and all, is one argument
    for arguments, _ in (calls[0], calls[2]):
        assert DATABASE in arguments[arguments.index("--dbname") + 1]  # so is the connection URL
    assert "--snapshot=00000003-0000001B-1" in calls[0][0]


def test_the_postgresql_password_never_reaches_a_command_line():
    """`ps` shows every command line on the server: the password goes in PGPASSWORD only (ASVS V13.3.1)."""
    from sqlalchemy import create_engine

    from fieldnotes.ops.databases import libpq
    engine = create_engine("postgresql+psycopg://fieldnotes:s3cret-pw@db.example.org:5433/fieldnotes")
    url, env = libpq(engine)
    assert "s3cret-pw" not in url and url.startswith("postgresql://fieldnotes@db.example.org:5433/")
    assert env["PGPASSWORD"] == "s3cret-pw"

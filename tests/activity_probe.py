import psycopg, sys
def show(url):
    from sqlalchemy import make_url
    u = make_url(url).set(drivername="postgresql")
    with psycopg.connect(u.render_as_string(hide_password=False)) as c:
        for row in c.execute("select pid, state, backend_start, xact_start, left(query, 120), application_name from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"):
            print("ACTIVITY", row, file=sys.stderr)

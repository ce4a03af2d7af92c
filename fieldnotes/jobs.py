"""Background jobs: a huey queue, in SQLite under instance/ by default, in Redis when REDIS_URL is set.

Features register their jobs here by name when imported (`@job("name")`); `init_app` binds them to
the app's queue, running each inside an app context, and `enqueue(name, *args)` sends one. The
queue only delivers: what a job has done is kept in the database by the feature, which also
decides what to do with a job a killed worker dropped (huey has taken the message off the queue by
then). `flask worker` runs the consumer; `make run` starts it beside the web server.
"""
import os

import click
from flask import current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab

JOBS = {}      # name -> function(*args), run by a worker inside an app context
PERIODIC = {}  # name -> (crontab arguments, function()): sweeps a worker runs on a schedule
STARTUP = []   # functions run once when a worker starts (before it takes any job)


def job(name):
    def register(function):
        JOBS[name] = function
        return function
    return register


def periodic(name, **schedule):
    def register(function):
        PERIODIC[name] = (schedule, function)
        return function
    return register


def on_worker_start(function):
    if function not in STARTUP:
        STARTUP.append(function)
    return function


def make_queue(app):
    """The app's huey: Redis when configured, else a SQLite file, else (tests) memory."""
    name = app.config.get("JOBS_NAME") or "fieldnotes"
    if url := app.config.get("REDIS_URL"):
        return RedisHuey(name, url=url)
    path = app.config.get("JOBS_PATH")
    if path is None and app.config.get("TESTING"):
        return MemoryHuey(name)  # a test that never runs a worker leaves no file behind
    path = path or os.path.join(app.instance_path, "jobs.sqlite")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return SqliteHuey(name, filename=path)


class Queue:
    def __init__(self, app):
        self.app = app
        self.huey = make_queue(app)
        self.tasks = {name: self.huey.task(name=name)(self.in_context(function))
                      for name, function in JOBS.items()}
        for name, (schedule, function) in PERIODIC.items():
            self.huey.periodic_task(crontab(**schedule), name=name)(self.in_context(function))

    def in_context(self, function):
        def run(*args):
            with self.app.app_context():
                return function(*args)
        run.__name__ = function.__name__
        return run

    def enqueue(self, name, *args):
        self.tasks[name](*args)

    def run_pending(self, limit=100):
        """Run what is queued, here and now, one after another (tests; `flask worker --once`)."""
        done = 0
        while done < limit and (task := self.huey.dequeue()) is not None:
            self.huey.execute(task)
            done += 1
        return done

    def pending(self):
        return self.huey.pending_count()


def queue():
    return current_app.extensions["fieldnotes.jobs"]


def enqueue(name, *args):
    queue().enqueue(name, *args)


def init_app(app):
    app.extensions["fieldnotes.jobs"] = Queue(app)
    app.cli.add_command(worker)


@click.command("worker")
@click.option("--workers", default=1, show_default=True, help="Jobs run side by side (threads).")
@click.option("--once", is_flag=True, help="Run what is queued now, then stop.")
def worker(workers, once):
    """Run background jobs (transcription) until stopped."""
    jobs = queue()
    for start in STARTUP:
        start()
    if once:
        click.echo(f"Ran {jobs.run_pending(limit=10_000)} job(s).")
        return
    consumer = jobs.huey.create_consumer(workers=workers, worker_type="thread", periodic=bool(PERIODIC),
                                         initial_delay=0.1, max_delay=1.0)
    consumer.run()

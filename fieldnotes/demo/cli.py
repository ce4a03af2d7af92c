"""flask seed-demo: the demo study, with one account for each study role."""
import time
from datetime import date, timedelta

import click
from sqlalchemy import inspect, select

from fieldnotes.auth.models import User
from fieldnotes.auth.service import create_user
from fieldnotes.demo import bp, data, large
from fieldnotes.demo.boards import seed_board
from fieldnotes.demo.insights import seed_insights
from fieldnotes.demo.notes import seed_history, seed_notes
from fieldnotes.extensions import db
from fieldnotes.studies.defaults import Audience
from fieldnotes.studies.models import Membership, Study, StudyStatus
from fieldnotes.studies.permissions import StudyRole
from fieldnotes.studies.service import add_tag, create_study
from fieldnotes.visits.service import create_participant, create_visit

URL = "http://127.0.0.1:5000"

WHAT_EACH_ROLE_DOES = {
    "owner": "sets up the study and members; the only one who sees participants' real names",
    "researcher": "records visits, participants and notes in the field",
    "designer": "browses and groups the notes, builds boards",
    "viewer": "an executive who sees the boards, not the raw fieldwork",
}


@bp.cli.command("seed-demo")
@click.option("--notes", "note_count", type=click.IntRange(1, 2_000_000), default=None,
              help="Also make a large synthetic study with this many notes, for benchmarks.")
def seed_demo_command(note_count):
    """Add the demo study and its accounts; if they are there already, only print the logins."""
    missing = sorted(set(db.metadata.tables) - set(inspect(db.engine).get_table_names()))
    if missing:
        raise click.ClickException(f"The database lacks tables ({', '.join(missing)}): "
                                   "run `flask --app wsgi db upgrade` first.")
    if find_demo_study() is None:
        demo = seed()
        db.session.commit()
        click.echo(f"Created the demo study “{data.STUDY['name']}” with {demo['notes']} notes.")
    else:
        click.echo(f"The demo study “{data.STUDY['name']}” is already there; nothing changed.")
    if note_count:
        seed_large_study(note_count)
    print_logins()


def seed_large_study(count):
    """The synthetic benchmark study, once per size."""
    if large.find_large_study(count) is not None:
        click.echo(f"The study “{large.study_name(count)}” is already there; nothing changed.")
        return
    started = time.perf_counter()
    study = large.seed_large(large.demo_users(), count)
    db.session.commit()
    large.analyse()
    click.echo(f"Created “{study.name}” (id {study.id}) in {time.perf_counter() - started:.1f} s.")


def find_demo_study():
    """The demo study, known by its name and its demo owner."""
    owned = (select(Membership.study_id).join(User, User.id == Membership.user_id)
             .where(User.email == data.ACCOUNTS["owner"]["email"], Membership.role == StudyRole.OWNER))
    return db.session.scalar(select(Study).where(Study.name == data.STUDY["name"], Study.id.in_(owned)))


def seed():
    """Run every step on a shared dict: each adds what later steps need. The caller commits."""
    demo = {}
    for step in STEPS:
        step(demo)
        db.session.flush()  # later steps refer to the ids this one made
    return demo


def seed_accounts(demo):
    """One account per role; an account that already exists is reused as it is."""
    demo["users"] = {}
    for role, account in data.ACCOUNTS.items():
        user = db.session.scalar(User.by_email(account["email"]))
        if user is None:
            user = create_user(account["email"], account["name"], data.PASSWORD)
        demo["users"][role] = user


def seed_study(demo):
    users = demo["users"]
    study = create_study(users["owner"], data.STUDY["name"], Audience(data.STUDY["audience"]),
                         goal=data.STUDY["goal"], status=StudyStatus(data.STUDY["status"]))
    for role, user in users.items():
        if role != "owner":
            db.session.add(Membership(study=study, user=user, role=StudyRole(role)))
    demo["study"] = study


def seed_tags(demo):
    demo["tags"] = {name: add_tag(demo["study"], name) for name in data.TAGS}


def seed_visits(demo):
    """The visits, then each one's participants, through the same service the pages use."""
    study, users = demo["study"], demo["users"]
    roles = {role.name: role.id for role in study.roles}
    demo["visits"], demo["participants"] = [], {}
    for visit_data in data.VISITS:
        visit = create_visit(study, {
            "visited_on": date.today() - timedelta(days=visit_data["days_ago"]),
            "organisation": visit_data["organisation"], "place": visit_data["place"],
            "summary": visit_data["summary"], "participant_ids": [],
            "researcher_ids": [users[role].id for role in visit_data["researchers"]]})
        db.session.flush()
        for person in visit_data["participants"]:
            demo["participants"][person["pseudonym"]] = create_participant(study, participant_fields(
                person, visit, roles))
        demo["visits"].append(visit)


def participant_fields(person, visit, roles):
    consent = set(person["consent"])
    return {"pseudonym": person["pseudonym"], "role_id": roles[person["role"]],
            "organisation": visit.organisation, "real_name": person.get("real_name"),
            "consent_given": True, "consent_on": visit.visited_on, "visit_id": visit.id,
            **{f"consent_{use}": use in consent for use in ("notes", "quotes", "photos", "audio")}}


# In order; later features (notes, insights, boards) append their steps here.
STEPS = [seed_accounts, seed_study, seed_tags, seed_visits, seed_notes, seed_history, seed_insights, seed_board]


def print_logins():
    click.echo(f"\nOpen {URL} once the server runs (`make run`, or `flask --app wsgi run`).")
    click.echo(f"Sign in with any of these accounts; the password for all of them is: {data.PASSWORD}\n")
    for role, account in data.ACCOUNTS.items():
        click.echo(f"  {role:<11} {account['email']:<32} {account['name']}: {WHAT_EACH_ROLE_DOES[role]}")

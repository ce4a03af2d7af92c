"""The accounts tests' world: one customer visited in two of Ana's studies and in a study she is not in.

Study "Onboarding" (Ana owns it; Dan designs in it, Vic views it): Halloran visited in March and June;
P1 (finance executive) and P2 (end user). Study "Renewals" (Ana owns it): Halloran again, in September.
Study "Elsewhere" (Ola's; Ana is not a member): a Halloran account whose note no one else may read.
"""
from datetime import date
from types import SimpleNamespace

from fieldnotes.extensions import db
from fieldnotes.insights.service import create_insight
from fieldnotes.studies.models import Role, Touchpoint
from tests.factories import make_observations, make_participant, make_study, make_user, make_visit

HALLORAN = "Halloran Regional Logistics"


def term(study, model, name):
    return next(t.id for t in db.session.query(model).filter_by(study_id=study.id) if t.name.lower() == name)


def notes_on(study, author, visit, person, *specs):
    """specs: (touchpoint, role, kind, text)."""
    return make_observations(study, author, [
        {"visit_id": visit.id, "participant_id": person.id if person else None, "kind": kind, "text": text,
         "touchpoint_id": term(study, Touchpoint, stage), "role_id": term(study, Role, role)}
        for stage, role, kind, text in specs])


def build_world():
    ana, dan, vic, ola = (make_user(f"{n}@example.org", name=n.title()) for n in ("ana", "dan", "vic", "ola"))
    onboarding = make_study(ana, name="Onboarding", designer=dan, viewer=vic)
    renewals = make_study(ana, name="Renewals")
    elsewhere = make_study(ola, name="Elsewhere")
    march = make_visit(onboarding, organisation=HALLORAN, visited_on=date(2026, 3, 12))
    june = make_visit(onboarding, organisation=f"  {HALLORAN} ", visited_on=date(2026, 6, 2))
    p1 = make_participant(onboarding, [march, june], pseudonym="P1 Finance", real_name="Moira Keane",
                          role_id=term(onboarding, Role, "finance executive"), organisation=HALLORAN)
    p2 = make_participant(onboarding, [march], pseudonym="P2 Clerk",
                          role_id=term(onboarding, Role, "end user"), organisation=HALLORAN)
    first = notes_on(onboarding, ana, march, p1,
                     ("purchase", "finance executive", "breakdown", "Approves invoices twice, on paper."),
                     ("purchase", "finance executive", "breakdown", "Waits a week for the quote."),
                     ("use", "end user", "delight", "Likes the dispatch board."))
    notes_on(onboarding, ana, june, p1,
             ("purchase", "finance executive", "delight", "Quote came the same day."),
             ("support", "finance executive", "workaround", "Keeps a spreadsheet of tickets."))
    create_insight(onboarding.id, ana.id, "Finance waits on quotes", [first[0].id, first[1].id])
    september = make_visit(renewals, organisation=HALLORAN, visited_on=date(2026, 9, 1))
    notes_on(renewals, ana, september, None, ("repurchase", "cio", "observation", "CIO reviews the renewal."))
    hidden = make_visit(elsewhere, organisation=HALLORAN, visited_on=date(2026, 4, 1))
    notes_on(elsewhere, ola, hidden, None, ("use", "end user", "quote", "A secret of another team."))
    db.session.commit()
    return SimpleNamespace(
        onboarding=onboarding.id, renewals=renewals.id, elsewhere=elsewhere.id, march=march.id, june=june.id,
        september=september.id, p1=p1.id, p2=p2.id,
        account=march.organisation_id, renewals_account=september.organisation_id,
        elsewhere_account=hidden.organisation_id)

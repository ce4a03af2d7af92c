"""The Cases of a REFI-QDA project: each participant, by pseudonym, and each account (customer organisation).

QDA tools compare cases by their variables, so the account is a Case of its own as well as variables on
its people: a note belongs to an account through its visit or, on no visit, its participant (as browse's
filter and the tabular exports' rows.note_account have it), so a note on an account's visit with no
participant (a photo of the depot wall) is in the account's Case though in no participant's. Both carry
the account's id, as the tabular exports' "Account id" column does, to join one export with another.
"""
from sqlalchemy import select

from fieldnotes.exports.refi_qda import attrs, guid, text
from fieldnotes.extensions import db
from fieldnotes.organisations.models import Organisation
from fieldnotes.studies.models import Role
from fieldnotes.visits.models import SiteVisit

# The last four are the account's: its details and its id.
VARIABLES = ("Role", "Organisation", "Consent", "Segment", "Size", "Region", "Account id")
ACCOUNT = "A customer account: the sources of its visits, and of its people's notes taken on no visit."


class CaseSources:
    """Which sources each Case names, gathered as the sources are written (project.qde lists the Cases first,
    so they are written last)."""

    def __init__(self, study_id, participants):
        self.participants = participants
        self.visit_accounts = dict(db.session.execute(
            select(SiteVisit.id, SiteVisit.organisation_id).where(SiteVisit.study_id == study_id)).all())
        self.of_participant, self.of_account = {}, {}

    def account_of(self, visit_id, participant_id):
        if visit_id is not None:
            return self.visit_accounts.get(visit_id)
        participant = self.participants.get(participant_id)
        return participant.organisation_id if participant else None

    def add(self, source, participant_id, visit_id):
        if participant_id in self.participants:
            self.of_participant.setdefault(participant_id, []).append(source)
        account_id = self.account_of(visit_id, participant_id)
        if account_id is not None:
            self.of_account.setdefault(account_id, []).append(source)


def write_cases(qde, study_id, participants, sources):
    """<Variables> and <Cases>: participants (never a real name) with role, account and consent; then
    accounts with their details. Nothing when the study has neither (the schema wants one Case at least)."""
    accounts = {a.id: a for a in db.session.scalars(select(Organisation).where(Organisation.study_id == study_id)
                                                    .order_by(Organisation.name, Organisation.id))}
    if not participants and not accounts:
        return
    roles = dict(db.session.execute(select(Role.id, Role.name).where(
        Role.id.in_({p.role_id for p in participants.values() if p.role_id})).order_by(Role.id)).all())
    qde.write("\t<Variables>\n" + "".join(
        f"\t\t<Variable{attrs(guid=guid('variable', name), name=name, typeOfVariable='Text')}/>\n"
        for name in VARIABLES) + "\t</Variables>\n\t<Cases>\n")
    for participant in participants.values():
        consent = ", ".join(participant.consented_uses) if participant.consent_given else "No consent"
        values = {"Role": roles.get(participant.role_id, ""), "Organisation": participant.organisation,
                  "Consent": consent, **account_values(accounts.get(participant.organisation_id))}
        write_case(qde, guid("participant", participant.id), participant.pseudonym, "", values,
                   sources.of_participant.get(participant.id, ()))
    for account in accounts.values():
        values = {"Organisation": account.name, **account_values(account)}
        write_case(qde, guid("account", account.id), account.name, ACCOUNT, values,
                   sources.of_account.get(account.id, ()))
    qde.write("\t</Cases>\n")


def account_values(account):
    if account is None:
        return {"Segment": "", "Size": "", "Region": "", "Account id": ""}
    return {"Segment": account.segment, "Size": account.size_band, "Region": account.region,
            "Account id": str(account.id)}


def write_case(qde, case_guid, name, description, values, source_guids):
    """One <Case>, its children in the order Project.xsd sets: Description, VariableValue, SourceRef."""
    qde.write(f"\t\t<Case{attrs(guid=case_guid, name=name)}>\n")
    if description:
        qde.write(f"\t\t\t<Description>{text(description)}</Description>\n")
    qde.write("".join(f"\t\t\t<VariableValue><VariableRef{attrs(targetGUID=guid('variable', variable))}/>"
                      f"<TextValue>{text(value)}</TextValue></VariableValue>\n"
                      for variable, value in values.items()))
    qde.write("".join(f"\t\t\t<SourceRef{attrs(targetGUID=source)}/>\n" for source in source_guids))
    qde.write("\t\t</Case>\n")

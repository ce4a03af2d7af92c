"""What a new brief proposes, from the study's audience and the roles it observes (shared/domain.md).

Each role wants something different from the same experience (seeds/001): the finance executive
judges cost and risk, the line-of-business executive results, the manager the team's day, the end
user the task in front of them, the CIO fit and security, the technical expert how it really works.
Contextual inquiry asks while watching real work, so the questions point at what they do, and the
"watch for" lines at what they would not think to say: workarounds, breakdowns, delight.
"""
from fieldnotes.studies.defaults import Audience
from fieldnotes.studies.models import name_key

GOALS = {
    Audience.CUSTOMER: "Understand how each role in a customer organisation experiences us across the journey, "
                       "from research to repurchase, and where the experience breaks down for whom.",
    Audience.CONSUMER: "Understand how people choose, use and live with the product in their own homes and days.",
    Audience.CLIENT: "Understand how clients experience working with us, from the first brief to renewal.",
    Audience.CONSTITUENCY: "Understand how the people we serve meet us, where it works and where it fails them.",
}

HYPOTHESES = {
    Audience.CUSTOMER: "Pain concentrates at implementation and support, and falls on end users and managers.\n"
                       "Finance and line-of-business executives judge us on outcomes they rarely see first hand.\n"
                       "Workarounds (spreadsheets, paper lists) mark the gaps our product leaves.",
    Audience.CONSUMER: "People adapt the product to their routines more than they read how it is meant to work.\n"
                       "The moments of delight are small and specific, and the breakdowns happen at hand-offs.",
    Audience.CLIENT: "Clients value responsiveness over polish; most friction sits in reporting and hand-offs.",
    Audience.CONSTITUENCY: "People meet us through several channels and have to repeat themselves between them.",
}

# (questions, what to watch for), one per line, by role name as domain.md spells them.
ROLE_FOCUS = {
    "Finance executive": (
        "How do you decide whether this is worth what it costs?\n"
        "Walk me through the last invoice or renewal you approved.\n"
        "What would make you stop paying for it?",
        "Spreadsheets kept beside the system to check our figures\n"
        "Who they have to ask before approving, and how long it takes\n"
        "Surprises: charges, terms or reports they did not expect"),
    "Line-of-business executive": (
        "What results do you need from this, and how do you know you are getting them?\n"
        "Show me the report or dashboard you look at first.\n"
        "When did it last let your team down?",
        "The numbers they quote and where those come from\n"
        "Decisions taken outside the system (a call, an email)\n"
        "How far they are from the people who use it every day"),
    "Departmental manager": (
        "How does your team's day run, and where does this fit in it?\n"
        "Show me how you check the team's work.\n"
        "What do new people struggle with first?",
        "Hand-offs between people, and what gets lost in them\n"
        "Rules the team made up that the product does not know about\n"
        "Time spent chasing, checking or re-keying"),
    "End user": (
        "Show me the last time you did this task, start to finish.\n"
        "What do you do when it goes wrong?\n"
        "What do you wish it did for you?",
        "Workarounds: sticky notes, paper lists, second screens, copying between systems\n"
        "Breakdowns: hesitation, errors, starting over, asking a colleague\n"
        "Delight: what they show off or would not give up"),
    "CIO": (
        "How does this fit with the rest of your systems?\n"
        "What worries you about it: security, data, vendor?\n"
        "Who in IT looks after it, and what do they get asked about most?",
        "Integrations held together by hand or by scripts\n"
        "Policies (sign-in, data retention) that the product makes hard to keep\n"
        "The support tickets they mention without being asked"),
    "Technical expert": (
        "Show me how it is set up and connected here.\n"
        "What breaks, and how do you find out?\n"
        "What did you have to build or configure yourself?",
        "Scripts, exports and scheduled jobs around the product\n"
        "Documentation they keep themselves\n"
        "Time to diagnose a problem, and who they call"),
}

GENERIC_FOCUS = (
    "Show me the last time you did this, start to finish.\n"
    "What do you do when it goes wrong?\n"
    "What matters most to you in this?",
    "Workarounds and the tools kept beside the product\n"
    "Breakdowns: hesitation, errors, asking someone\n"
    "What they say in their own words about what they wanted and what they got")

_BY_KEY = {name_key(name): focus for name, focus in ROLE_FOCUS.items()}


def goal_for(study):
    return study.goal or GOALS[study.audience]


def hypotheses_for(study):
    return HYPOTHESES[study.audience]


def focus_for(role_name):
    """(questions, watch for) proposed for a role: its own where domain.md names it, else general ones."""
    return _BY_KEY.get(name_key(role_name), GENERIC_FOCUS)

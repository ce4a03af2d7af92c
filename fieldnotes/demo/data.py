"""The demo study: the people, visits and participants of a realistic B2B contextual inquiry.

Plain data, so later features add to it (notes per visit, insights, a board)
without touching the command. Dates are days before today, so the demo
always looks like fieldwork in progress.
"""

# A passphrase: long, easy to type on a phone, and accepted by auth/passwords.py.
PASSWORD = "field notes from the loading dock"

DOMAIN = "demo.fieldnotes.test"

# One account per study role; the key is the role.
ACCOUNTS = {
    "owner": {"email": f"owner@{DOMAIN}", "name": "Maya Okafor"},            # research lead
    "researcher": {"email": f"researcher@{DOMAIN}", "name": "Daniel Reyes"},  # field researcher
    "designer": {"email": f"designer@{DOMAIN}", "name": "Priya Natarajan"},   # product designer
    "viewer": {"email": f"viewer@{DOMAIN}", "name": "Graham Whitlock"},       # VP Customer Success
}

STUDY = {
    "name": "Onboarding at mid-size accounts",
    "audience": "customer",
    "status": "fieldwork",
    "goal": ("Mid-size customers take 11 weeks on average to pay their first supplier invoice through "
             "Ledgerline, against 4 weeks for small ones, and a third of them churn in the first year. "
             "We visit finance and operations teams in their first 90 days to see who really sets the "
             "product up, what they re-key from old systems, where approvals stall, and which "
             "workarounds appear, so we can cut time-to-first-invoice and early churn."),
}

TAGS = ["re-keying", "spreadsheet workaround", "approval delays", "month-end crunch",
        "duplicate vendor records", "training gap", "shadow IT", "email as workflow"]

# Participants are keyed by pseudonym; "role" is a name from the study's B2B roles.
# Real names are fictional and only study owners ever see them.
VISITS = [
    {
        "days_ago": 16,
        "organisation": "Halloran Regional Logistics",
        "place": "Finance office and dispatch floor, Brighouse depot",
        "researchers": ["owner", "researcher"],
        "summary": (
            "Third week live. Two AP clerks key every supplier invoice twice: once into Ledgerline, once "
            "into the fuel-card spreadsheet the transport director trusts. Approvals over £5,000 wait for "
            "the finance lead, who is on the road two days a week and approves from printouts left on "
            "her desk. Dispatch raises purchase orders by phone and tells AP afterwards."),
        "participants": [
            {"pseudonym": "P1 Finance lead", "role": "Finance executive", "real_name": "Janet Ellery",
             "consent": ["notes", "quotes", "photos", "audio"]},
            {"pseudonym": "P2 AP clerk", "role": "End user", "real_name": "Kieran Doyle",
             "consent": ["notes", "quotes", "photos", "audio"]},
            {"pseudonym": "P3 Transport ops director", "role": "Line-of-business executive",
             "consent": ["notes", "quotes", "photos", "audio"]},
        ],
    },
    {
        "days_ago": 9,
        "organisation": "Meridian Dental Supply",
        "place": "Purchasing team, head office (Reading)",
        "researchers": ["researcher"],
        "summary": (
            "Six weeks after signing, still running the old ERP in parallel. The IT manager will not "
            "switch off the nightly vendor export until the integration contractor signs off, so every "
            "new supplier exists twice with slightly different names. The purchasing manager keeps a "
            "shared spreadsheet of 'which record is the real one'."),
        "participants": [
            {"pseudonym": "P4 Purchasing manager", "role": "Departmental manager", "real_name": "Alison Park",
             "consent": ["notes", "quotes", "photos", "audio"]},
            # Agreed to everything but being recorded.
            {"pseudonym": "P5 IT manager", "role": "CIO",
             "consent": ["notes", "quotes", "photos"]},
            {"pseudonym": "P6 ERP integration contractor", "role": "Technical expert",
             "consent": ["notes", "quotes", "photos", "audio"]},
        ],
    },
    {
        "days_ago": 3,
        "organisation": "Riverbend Community Credit Union",
        "place": "Back-office operations centre",
        "researchers": ["researcher", "owner"],
        "summary": (
            "Month-end close week. The CFO wants every payment over $2,500 approved by two people, "
            "which Ledgerline supports, but nobody found the setting; the AP specialist emails PDFs for "
            "sign-off and pastes the replies into the invoice notes as proof. The systems analyst built "
            "a macro to reformat the bank file the payment run produces."),
        "participants": [
            {"pseudonym": "P7 CFO", "role": "Finance executive", "real_name": "Marcus Bell",
             "consent": ["notes", "quotes", "photos", "audio"]},
            # Asked not to be photographed: her screen shows members' account numbers.
            {"pseudonym": "P8 AP specialist", "role": "End user", "real_name": "Dana Whitfield",
             "consent": ["notes", "quotes", "audio"]},
            {"pseudonym": "P9 Systems analyst", "role": "Technical expert",
             "consent": ["notes", "quotes", "photos", "audio"]},
        ],
    },
]

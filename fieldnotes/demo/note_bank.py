"""Sentences for the demo notes: what researchers really write down, keyed by touchpoint.

Each entry is (kind, text, expected or None, tags). Text may name {supplier},
{amount}, {days}, {count}, {tool} or {colleague}; the generator fills them so
no two visits read alike. Quotes are in the customer's own words.
"""

FILLERS = {
    "supplier": ["Northgate Fuels", "Pennine Tyre Co", "Aldous Office Supply", "Crestway Couriers",
                 "BrightPath Cleaning", "Kestrel Lab Consumables", "Harbour Print", "Summit Uniforms"],
    "amount": ["£480", "£1,250", "£5,400", "£12,900", "$2,750", "$860", "$7,300"],
    "days": ["two", "three", "five", "eight", "eleven"],
    "count": ["14", "23", "37", "60", "112"],
    "tool": ["the old ERP", "a shared Excel workbook", "the bank portal", "Outlook folders", "a Google Sheet"],
    "colleague": ["the finance lead", "the transport director", "her manager", "the CFO", "the IT manager"],
}

BANK = {
    "Research": [
        ("quote", "“We picked three tools off a comparison site and only Ledgerline answered the phone.”", None, []),
        ("observation", "Shortlist was built from what {colleague} had used at a previous job, not from a requirements list.", None, []),
        ("breakdown", "Pricing page did not say whether approvals were in the mid-tier plan; they booked a demo just to ask.",
         "To see on the pricing page which plan has two-step approval", ["approval delays"]),
        ("idea", "Publish a mid-size checklist: which legacy exports we import, what needs cleaning first.", None, []),
        ("quote", "“Every vendor says implementation takes a week. Nobody says whose week.”", None, ["training gap"]),
        ("observation", "Kept the evaluation notes in {tool}; the scoring column was added after the decision was made.", None, ["spreadsheet workaround"]),
    ],
    "Purchase": [
        ("delight", "Signed the contract on a phone between two depot visits; “that was the easy part.”", None, []),
        ("quote", "“Procurement wanted a security questionnaire, IT wanted a call, finance wanted a discount. Three weeks.”", None, ["approval delays"]),
        ("breakdown", "The order form asked for the number of approvers before anyone knew what an approver was in Ledgerline.",
         "To decide approval rules after seeing how the tool works", ["training gap"]),
        ("observation", "Purchase approved at {amount} a month by {colleague}, who never saw a demo.", None, []),
        ("workaround", "Printed the quote and walked it to {colleague}'s desk because the e-sign email went to spam.", None, ["email as workflow"]),
        ("delight", "Liked that the contract allowed monthly terms: “no twelve-month bet on something we haven't used.”", None, []),
    ],
    "Implementation": [
        ("breakdown", "Vendor import failed on {count} suppliers whose names had trailing spaces; they fixed them by hand, one by one.",
         "To have the import clean names or tell them which rows to fix", ["duplicate vendor records", "re-keying"]),
        ("workaround", "Runs {tool} in parallel for the first month, re-keying every supplier invoice into both.", None, ["re-keying", "spreadsheet workaround"]),
        ("quote", "“The nightly export still runs, so every new supplier turns up twice with a slightly different name.”", None, ["duplicate vendor records"]),
        ("observation", "The integration contractor keeps the field mapping in a personal notebook; nobody else has a copy.", None, ["shadow IT"]),
        ("breakdown", "Go-live slipped {days} weeks waiting for IT to sign off the single sign-on setup.",
         "To start with passwords and switch on sign-on later", ["approval delays"]),
        ("artifact", "Photo: the whiteboard list of “which vendor record is the real one”, {count} rows long.", None, ["duplicate vendor records"]),
        ("workaround", "Built a lookup sheet mapping old supplier codes to new ones; pastes codes across before every payment run.", None, ["spreadsheet workaround", "re-keying"]),
        ("idea", "Offer a duplicate-supplier review during import, grouped by bank account number.", None, ["duplicate vendor records"]),
    ],
    "Instruction": [
        ("breakdown", "Training video covered the owner's settings, not the clerk's daily screen; she learnt by trial and error.",
         "A five-minute guide to the screen she uses all day", ["training gap"]),
        ("quote", "“I found the approval rules by accident, in a menu called Workflow Preferences. Who calls it that?”", None, ["training gap"]),
        ("workaround", "Keeps a laminated cheat sheet of the {count}-step invoice entry beside the monitor.", None, ["training gap"]),
        ("observation", "New starter shadowed a colleague for {days} days instead of using the help centre.", None, ["training gap"]),
        ("artifact", "Photo: sticky notes on the monitor bezel with the keyboard shortcuts for coding cost centres.", None, []),
        ("delight", "The in-app tip on the bank-details screen stopped a wrong sort code: “that saved me a nasty phone call.”", None, []),
    ],
    "Use": [
        ("breakdown", "Approvals over {amount} wait for {colleague}, who is on the road and approves from printouts left on her desk.",
         "To approve from her phone between site visits", ["approval delays"]),
        ("workaround", "Emails PDFs of invoices for sign-off and pastes the replies into the invoice notes as proof.", None, ["email as workflow", "approval delays"]),
        ("quote", "“I type every invoice twice: once here, once in the fuel-card sheet the director trusts.”", None, ["re-keying", "spreadsheet workaround"]),
        ("workaround", "Re-keys orders from the dispatch phone log into {tool} before they exist in Ledgerline.", None, ["re-keying", "spreadsheet workaround"]),
        ("delight", "Bulk-matched {count} invoices to purchase orders in one go: “that used to be my whole Friday.”", None, []),
        ("observation", "Month-end: three people share one screen to chase unapproved invoices from {supplier}.", None, ["month-end crunch"]),
        ("breakdown", "The payment run file needs a macro to reformat it before the bank portal accepts it.",
         "To upload the file straight to the bank", ["shadow IT"]),
        ("quote", "“If it's not in my spreadsheet, it didn't happen. Ledgerline is for the auditors.”", None, ["spreadsheet workaround"]),
        ("delight", "Found the supplier statement reconciliation and cleared {count} lines in minutes; smiled and called a colleague over.", None, []),
        ("breakdown", "Searched for {supplier} and got two records; picked the wrong one and the payment bounced.",
         "One record per supplier, or a warning before paying", ["duplicate vendor records"]),
        ("observation", "Checks the bank portal, Ledgerline and {tool} side by side before releasing any payment over {amount}.", None, []),
    ],
    "Support": [
        ("breakdown", "Support asked for a screenshot; the clerk's screen shows account numbers, so she typed it all out instead.",
         "To share what she sees without exposing members' details", []),
        ("delight", "Chat answered in four minutes with the exact setting: “faster than asking our own IT.”", None, []),
        ("quote", "“I don't raise tickets any more. I ask {colleague}, who asks someone on LinkedIn.”", None, ["shadow IT"]),
        ("workaround", "Keeps a folder in {tool} of support replies, because the help centre search never finds them again.", None, ["email as workflow"]),
        ("observation", "Ticket about the bank file format has been open {days} weeks; the macro is now the permanent fix.", None, ["shadow IT"]),
        ("breakdown", "During month-end the support line queue was over an hour; they paid {supplier} late.",
         "Priority help in the last week of the month", ["month-end crunch"]),
    ],
    "Repurchase": [
        ("quote", "“Renewal? Ask me after month-end. If the approvals work by then, yes.”", None, ["approval delays", "month-end crunch"]),
        ("observation", "Renewal is decided by {colleague} from a one-page summary the purchasing manager writes.", None, []),
        ("idea", "Send the buyer a before-and-after: days from invoice to payment, this quarter against the last.", None, []),
        ("breakdown", "The renewal quote arrived as a PDF to an ex-employee's address; found by chance in a shared inbox.",
         "Renewal sent to whoever owns the account now", ["email as workflow"]),
        ("delight", "Added a second entity without a new contract: “that's why we'll stay.”", None, []),
    ],
}

# Notes with no participant: what the researcher saw of the place itself.
SITE_NOTES = [
    ("observation", "Four AP desks, one printer, a tray labelled “WAITING FOR SIGNATURE” stacked two inches deep.", ["approval delays"]),
    ("artifact", "Photo: the wall planner with month-end close days circled in red.", ["month-end crunch"]),
    ("observation", "No one used a second monitor; Ledgerline and {tool} are flipped between with Alt-Tab all day.", []),
    ("idea", "Follow up: who owns supplier master data? Three people said “not me”.", ["duplicate vendor records"]),
]

"""When two organisation names are the same account, and when they only look alike.

Exactly the same after trimming is one account: the migration and every writer link such names to one
row. Anything else that looks alike, letter case included ("Halloran Ltd", "halloran, limited",
"Haloran"), is only *suggested*: the team confirms a merge, since "Acme UK" and "Acme US" are not one.
"""
import re
import unicodedata

# Legal forms say nothing about which customer it is; dropped before comparing.
LEGAL_FORMS = {"ltd", "limited", "inc", "incorporated", "llc", "llp", "plc", "gmbh", "ag", "sa", "sas", "sarl",
               "bv", "nv", "co", "corp", "corporation", "company", "pty", "srl", "spa", "oy", "ab", "as", "kg"}
NOT_WORD = re.compile(r"[\W_]+")


def account_name(name):
    """The name an account is stored and matched by: trimmed, and one way of writing each accent
    (NFC), which looks the same and so cannot be told apart by the team."""
    return unicodedata.normalize("NFC", name.strip())


def comparable(name):
    """The name without case, accents, punctuation or legal form: "Halloran Logistics, Ltd." is
    "halloran logistics"."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    words = [w for w in NOT_WORD.sub(" ", plain).split() if w not in LEGAL_FORMS]
    return " ".join(words)


def edit_distance(a, b, limit):
    """Levenshtein distance, stopping once it must exceed `limit` (then limit + 1)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def allowed_typos(word):
    # One slip in a word of five letters or more, two from twelve; a short word must match exactly, so
    # "Acme UK" and "Acme US", or "Acme" and "Apex", stay different customers.
    return 0 if len(word) < 5 else 1 if len(word) < 12 else 2


def near(a, b):
    """Whether names a and b are probably one organisation written two ways: the same once case,
    accents, punctuation and legal form are set aside, or the same words with a slip in a long one."""
    ca, cb = comparable(a).split(), comparable(b).split()
    if not ca or not cb or len(ca) != len(cb):
        return False
    slips = 0
    for wa, wb in zip(ca, cb):
        if wa != wb:
            limit = allowed_typos(min(wa, wb, key=len))
            distance = edit_distance(wa, wb, limit)
            if distance > limit:
                return False
            slips += distance
    return slips <= 2

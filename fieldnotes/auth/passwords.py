"""What makes a password acceptable (ASVS 6.2)."""
from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 512  # long passphrases are welcome; scrypt hashes all of it, never truncates
ZXCVBN_MAX = 72   # zxcvbn 4.5 refuses to judge a longer password (ValueError: a 500 before this)


def password_problems(password, *user_inputs):
    """Return a list of reasons `password` is refused, empty when it is fine."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    # zxcvbn knows the common-password lists and the user's own email and name. It raises past
    # ZXCVBN_MAX characters, so longer passphrases are judged by their start (scrypt still hashes all).
    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=[u for u in user_inputs if u])
    if result["score"] < 3:
        advice = result["feedback"].get("warning") or "It is too easy to guess."
        return [f"Choose a less guessable password. {advice}".strip()]
    return []

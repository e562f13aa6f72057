"""Which passwords are refused, after NIST SP 800-63B §3.1.1.2 (memorised secrets).

No composition rules (no "one digit, one capital"). Besides the length (10 to 128
characters, in the request schema) a password is refused when it is easy to guess:
a common or breached password, a repeated character, a sequence, a keyboard walk,
a dictionary word with look-alike substitutions, or one built on a context-specific
word — the username, the person's name, the service's name.

zxcvbn estimates how many guesses a password takes. Score 3 means at least 10^8
guesses: "safely unguessable" against an offline attack on a slow hash, which is what
our argon2 hashes are; 4 would refuse many passphrases people can remember.

A password that contains the username is judged without it: the username is no secret,
so whatever else the password holds must be strong on its own. (A passphrase that merely
mentions the username is fine; ``wang.fang2024`` for ``wang.fang`` is not.)
"""

import asyncio
import re
import threading
from collections.abc import Iterable

from zxcvbn import zxcvbn

from app.errors import UnprocessableEntity

MIN_SCORE = 3
# zxcvbn's own bound: its time grows with the length, to seconds for long inputs dense in
# look-alike characters. A prefix that scores MIN_SCORE makes the whole at least as strong.
EVALUATED_LENGTH = 72
SERVICE_WORDS = ("govflow",)
# zxcvbn keeps the user inputs of the call in a module-level dictionary.
_zxcvbn_lock = threading.Lock()


def weakness(password: str, username: str, context: Iterable[str] = ()) -> str | None:
    """Why this password is refused for this user, or None when it is strong enough."""
    words = [username, *re.split(r"[._@\-]", username), *context, *SERVICE_WORDS]
    user_inputs = sorted({word.lower() for word in words if len(word) >= 3})
    remainder = re.sub(re.escape(username), "", password, flags=re.IGNORECASE)
    if not remainder.strip():
        # Nothing but the username (zxcvbn cannot even score an empty string).
        return "The password is too easy to guess. It is built on the username."
    with _zxcvbn_lock:
        result = zxcvbn(remainder[:EVALUATED_LENGTH], user_inputs=user_inputs)
    if result["score"] >= MIN_SCORE:
        return None
    if remainder != password:
        warning = "It is built on the username."
    else:
        warning = result["feedback"]["warning"] or "It is easy to guess."
    return " ".join(
        ["The password is too easy to guess.", warning, *result["feedback"]["suggestions"]]
    )


async def check_password(
    password: str, username: str, context: Iterable[str] = (), field: str = "password"
) -> None:
    """422 ``weak_password`` naming the field and the reason when the password is refused.

    Scoring is CPU work of up to a few seconds for hostile input: it runs off the event loop.
    """
    reason = await asyncio.to_thread(weakness, password, username, tuple(context))
    if reason is not None:
        raise UnprocessableEntity(
            reason,
            code="weak_password",
            errors=[{"loc": ["body", field], "msg": reason}],
        )

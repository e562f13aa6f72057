"""Check digits of the two national identifiers applicants and case parties give.

- Resident identity number (公民身份号码, GB 11643-1999): 17 digits and an ISO 7064
  MOD 11-2 check character (``0``-``9`` or ``X``), with the birth date at positions 7-14.
- Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a
  31-character alphabet, the last a MOD 31 check character.

python-stdnum (``stdnum.cn.ric``, ``stdnum.cn.uscc``) does the same; these two short
functions spare a dependency for the only two formats the agency takes.
"""

import re
from datetime import date

_RESIDENT_ID = re.compile(r"^[1-9][0-9]{16}[0-9X]$")  # ASCII only: \d would match "٣" too
_RESIDENT_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
_RESIDENT_CHECK = "10X98765432"  # indexed by the weighted sum mod 11

_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_CREDIT_CODE = re.compile(rf"^[{_CREDIT_ALPHABET}]{{18}}$")
_CREDIT_WEIGHTS = tuple(3**i % 31 for i in range(17))


def normalise(value: str) -> str:
    return value.strip().upper()


def is_resident_id(value: str) -> bool:
    """An 18-character resident identity number with a real birth date and check character."""
    number = normalise(value)
    if not _RESIDENT_ID.match(number):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _RESIDENT_WEIGHTS, strict=True))
    return number[17] == _RESIDENT_CHECK[total % 11]


def is_unified_social_credit_code(value: str) -> bool:
    """An 18-character unified social credit code with a valid MOD 31 check character."""
    code = normalise(value)
    if not _CREDIT_CODE.match(code):
        return False
    total = sum(
        _CREDIT_ALPHABET.index(char) * weight
        for char, weight in zip(code[:17], _CREDIT_WEIGHTS, strict=True)
    )
    return code[17] == _CREDIT_ALPHABET[(31 - total % 31) % 31]


def checked_id_number(holder_type: str, value: str) -> str:
    """The normalised number, if valid for a ``person`` or an ``organisation``; else ValueError."""
    number = normalise(value)
    if holder_type == "person" and not is_resident_id(number):
        raise ValueError("id_number is not a valid resident ID number (GB 11643 check digit)")
    if holder_type == "organisation" and not is_unified_social_credit_code(number):
        raise ValueError(
            "id_number is not a valid unified social credit code (GB 32100 check character)"
        )
    return number

"""Who sees a record's personal data, and how much: one rule for every module.

Each module says which of its staff are entitled to the person in full (the reporter,
applicant or party) and whether whistle-blower protection applies; this module turns that
into one of three disclosures for the caller and applies it the same way to responses,
event payloads, exports and event actors.

个人信息保护法 第六条 (minimisation): another agency's system (an API client) never sees
a person in full, whatever its scopes; 第二十八条: ID numbers are sensitive data.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.actor import Actor
from app.errors import Forbidden

Mask = Callable[[str | None], str | None]


class Disclosure(StrEnum):
    FULL = "full"
    MASKED = "masked"  # each field through its mask (138****5678)
    HIDDEN = "hidden"  # a protected reporter: who it is is not shown at all


def disclosure_for(
    actor: Actor, *, entitled: bool, protected: bool = False, own: bool = False
) -> Disclosure:
    """``entitled``: the module's policy gives this staff member the person in full;
    ``protected``: a confidential or anonymous reporter; ``own``: the caller filed it."""
    if actor.kind == "user" and (entitled or own):
        return Disclosure.FULL
    return Disclosure.HIDDEN if protected else Disclosure.MASKED


REDACTED = "［已隐去］"
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# A phone as people write it: +86 / 0086 before it, spaces or hyphens between the groups
# (138-1234-5678, 0086-138 1234 5678), a landline with its area code (010-12345678).
_COUNTRY = r"(?:(?:\+|00) ?86[ \-－]?)"
_SEP = r"[ \-－]?"
MOBILE = re.compile(rf"(?<![\d+]){_COUNTRY}?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}(?!\d)")
LANDLINE = re.compile(
    rf"(?<![\d+])(?:{_COUNTRY}\d{{2,3}}|[(（]0\d{{2,3}}[)）]|0\d{{2,3}}){_SEP}\d{{7,8}}(?!\d)"
)


def redact_numbers(text: str, keep: str | None = None) -> str:
    """Free text meant for the public with ID numbers and phone numbers removed (个人信息
    保护法 第二十八条); ``keep`` is an organisation's credit code, which is a public fact."""
    text = ID_NUMBER.sub(lambda m: m.group(0) if m.group(0) == keep else REDACTED, text)
    text = MOBILE.sub(REDACTED, text)
    return LANDLINE.sub(REDACTED, text)


def mask_phone(phone: str | None) -> str | None:
    """138****5678: the carrier prefix and last four digits stay."""
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(value: str | None) -> str | None:
    """110101********1234: region code and last four characters stay."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


# The province and city lead a Chinese address; past the first 市 a "区" may as well be a
# housing estate's (幸福小区) as a district, so the city is as far as a masked viewer reads.
_CITY = re.compile(r"^[^\d\s]{1,10}?市")


def mask_address(address: str | None) -> str | None:
    """浙江省杭州市**** : the province and city stay, the rest goes."""
    if not address:
        return address
    city = _CITY.match(address)
    return (city.group(0) if city else "") + "****"


def mask_name(name: str | None) -> str | None:
    """张** : the family name stays."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


@dataclass(frozen=True)
class PersonalFields:
    """Where a module keeps a person: the nested key in payloads (``reporter``), the column
    prefix in edits' changes (``reporter_``), each field's mask, and what hiding removes."""

    nested: str
    prefix: str
    masks: Mapping[str, Mask]
    hidden: frozenset[str] = field(default_factory=frozenset)
    # An organisation's name is public; a person's is personal data.
    public_for_organisations: frozenset[str] = frozenset({"name"})

    def _mask_for(self, name: str, level: Disclosure, organisation: bool) -> Mask | None:
        if level is Disclosure.HIDDEN and name in self.hidden:
            return lambda value: None
        if organisation and name in self.public_for_organisations:
            return None
        return self.masks.get(name)

    def apply(
        self, values: Mapping[str, Any], level: Disclosure, *, organisation: bool = False
    ) -> dict[str, Any]:
        """The person's fields (``name``, ``phone``, …) as ``level`` shows them."""
        if level is Disclosure.FULL:
            return dict(values)
        return {
            name: _masked(value, mask)
            if (mask := self._mask_for(name, level, organisation))
            else value
            for name, value in values.items()
        }

    def redact_text(
        self,
        text: str,
        values: Mapping[str, str | None],
        level: Disclosure,
        *,
        organisation: bool = False,
    ) -> str:
        """Free text with the person's own data, where written in it, as ``level`` shows
        that data (a hidden datum becomes ［已隐去］). A datum under two characters is left:
        it would blank every word that shares it."""
        if level is Disclosure.FULL:
            return text
        shown = self.apply(values, level, organisation=organisation)
        for name, value in values.items():
            if value and len(value) >= 2 and shown.get(name) != value:
                text = text.replace(value, shown.get(name) or REDACTED)
        return text

    def apply_payload(
        self, payload: dict[str, Any], level: Disclosure, *, organisation: bool = False
    ) -> dict[str, Any]:
        """An event's payload or changes: the nested person, and edits of its columns."""
        if level is Disclosure.FULL:
            return payload
        shown = dict(payload)
        person = payload.get(self.nested)
        if isinstance(person, dict):
            is_organisation = organisation or person.get("type") == "organisation"
            shown[self.nested] = self.apply(person, level, organisation=is_organisation)
        columns = {key[len(self.prefix) :]: value for key, value in payload.items()
                   if key.startswith(self.prefix)}  # fmt: skip
        for name, value in self.apply(columns, level, organisation=organisation).items():
            shown[self.prefix + name] = value
        return shown


def redact_free_text(
    payload: dict[str, Any], keys: frozenset[str], redact: Callable[[str], str]
) -> dict[str, Any]:
    """An event's payload or changes with the free text under ``keys`` (an edit's before
    and after too) passed through ``redact``."""
    shown = dict(payload)
    for key in keys & payload.keys():
        shown[key] = _redacted(payload[key], redact)
    return shown


def _redacted(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, dict):  # a change: {"before": ..., "after": ...}
        return {side: _redacted(inner, redact) for side, inner in value.items()}
    return redact(value) if isinstance(value, str) else value


def _masked(value: Any, mask: Mask) -> Any:
    if isinstance(value, dict):  # a change: {"before": ..., "after": ...}
        return {side: _masked(inner, mask) for side, inner in value.items()}
    return mask(value) if isinstance(value, str) or value is None else value


def refuse_personal_search(actor: Actor, entitled: bool, what: str) -> None:
    """Searching by a personal datum is for those who see it in full: a match alone tells
    who reported or who is a party."""
    if actor.kind != "user":
        raise Forbidden(
            f"API clients may not search by {what}: another agency's system receives personal "
            "data only masked (个人信息保护法 第六条)",
            code="personal_search_refused",
        )
    if not entitled:
        raise Forbidden(f"Only those who see {what} in full search by it")

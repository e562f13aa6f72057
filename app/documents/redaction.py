"""What may be published of a decision (公示) about a natural person or an organisation.

政府信息公开条例 第十五条 and 个人信息保护法 第二十八条: a natural person's name is reduced
to the surname, and identity numbers, phone numbers and addresses are removed; an
organisation's name and unified social credit code are public facts and are kept
(行政处罚法 第四十八条 publishes the decision, not the person). Free text is scrubbed of
the party's own data and of anything shaped like an ID or mobile number.
"""

from typing import Any

from app.core.masking import REDACTED, redact_numbers
from app.workflow.document_declaration import Recipient

# Two-character surnames (复姓) that stay whole.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容",
        "长孙", "宇文", "司徒", "夏侯", "令狐", "端木", "独孤", "南宫", "西门",
    }
)  # fmt: skip


def surname_only(name: str) -> str:
    """张三丰 -> 张某某: one 某 per hidden character (two-character surnames stay whole)."""
    if not name:
        return name
    compound = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:compound] + "某" * max(1, len(name) - compound)


def public_party(recipient: Recipient) -> dict[str, Any]:
    if recipient.is_person:
        return {"type": "person", "name": surname_only(recipient.name)}
    return {"type": "organisation", "name": recipient.name, "credit_code": recipient.id_number}


def document_recipient(data: dict[str, Any], type_: str, name: str) -> Recipient:
    """The party as the document was issued to it (``data["party"]``, every datum), or
    as its row names it when the data predates that key."""
    party = data.get("party")
    if isinstance(party, dict) and isinstance(party.get("name"), str):
        fields = ("id_number", "phone", "address")
        given = {key: party[key] for key in fields if isinstance(party.get(key), str)}
        return Recipient(type=str(party.get("type") or type_), name=party["name"], **given)
    return Recipient(type=type_, name=name)


def scrub_text(text: str, recipient: Recipient) -> str:
    """Free text with the party's personal data and ID/phone-shaped numbers removed."""
    # Numbers first: the whole of "+86 138…" goes, not the party's phone inside it.
    text = redact_numbers(text, keep=None if recipient.is_person else recipient.id_number)
    if recipient.is_person:
        for datum in (recipient.id_number, recipient.phone, recipient.address):
            if datum:
                text = text.replace(datum, REDACTED)
        if recipient.name:
            text = text.replace(recipient.name, surname_only(recipient.name))
    return text


def redact(value: Any, recipient: Recipient) -> Any:
    """Every string of ``value`` scrubbed, at any depth."""
    if isinstance(value, str):
        return scrub_text(value, recipient)
    if isinstance(value, dict):
        return {key: redact(item, recipient) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, recipient) for item in value]
    return value

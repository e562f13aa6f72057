"""Masking of personal data for those who may not see it in full."""


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


def mask_name(name: str | None) -> str | None:
    """张** : the family name stays."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)

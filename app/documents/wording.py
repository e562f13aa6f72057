"""Sentences the law fixes, shared by every module's documents."""

from decimal import Decimal

# 行政复议法 第二十条 (60 days) and 行政诉讼法 第四十六条 (6 months): the remedies and their
# time limits every adverse decision states (行政处罚法 第五十九条(五), 行政许可法 第三十八条).
REMEDIES = (
    "如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议"
    "（《中华人民共和国行政复议法》第二十条），或者在六个月内依法向人民法院提起行政诉讼"
    "（《中华人民共和国行政诉讼法》第四十六条）。"
)

SERVICE_METHODS = {
    "in_person": "直接送达",
    "left_at_address": "留置送达",
    "entrusted": "委托送达",
    "by_post": "邮寄送达",
    "electronic": "电子送达",
    "by_publication": "公告送达",
}

PENALTY_KINDS = {
    "warning": "警告",
    "fine": "罚款",
    "confiscation": "没收违法所得、没收非法财物",
    "suspension": "责令停产停业",
    "licence_revocation": "吊销许可证件",
    "other": "其他行政处罚",
}


def yuan(amount: Decimal | str | None) -> str:
    if amount is None:
        return ""
    return f"{Decimal(amount):.2f}"


def penalty_text(kinds: list[str] | None, fine: Decimal | None, confiscated: str | None) -> str:
    parts = []
    for kind in kinds or ():
        label = PENALTY_KINDS.get(kind, kind)
        if kind == "fine" and fine is not None:
            label = f"罚款人民币{yuan(fine)}元"
        if kind == "confiscation" and confiscated:
            label = f"没收{confiscated}"
        parts.append(label)
    return "；".join(parts)

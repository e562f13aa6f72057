"""Enforcement cases and their statistics as spreadsheets: Chinese headers, the caller's
view of the party, money as exact two-decimal text."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.actor import Actor
from app.cases.service import facts_view, party_view, text_view
from app.cases.stats import PENALTY_KINDS, CaseStats
from app.models.base import utcnow
from app.models.case import EnforcementCase
from app.records.exports import Column
from app.workflow.clock import is_overdue_now

STATUSES = {
    "registered": "已登记", "investigating": "调查中", "legal_review": "法制审核中",
    "review_passed": "审核通过", "notified": "已告知", "hearing": "听证中",
    "pending_decision": "待决定", "decided": "已决定", "served": "已送达",
    "enforcement_applied": "已申请强制执行", "executed": "已执行", "closed": "已结案",
    "dismissed": "不予立案", "transferred": "已移送",
}  # fmt: skip
SOURCES = {"inspection": "巡查发现", "ticket": "热线转办", "report": "投诉举报",
           "transfer": "部门移送", "other": "其他"}  # fmt: skip
PARTY_TYPES = {"person": "个人", "organisation": "单位"}
PROCEDURES = {"simple": "简易程序", "ordinary": "普通程序"}
PENALTY_KIND_NAMES = {
    "warning": "警告", "fine": "罚款", "confiscation": "没收", "suspension": "责令停产停业",
    "licence_revocation": "吊销许可证件", "other": "其他",
}  # fmt: skip
DISPOSITIONS = {"penalty": "给予处罚", "no_penalty": "不予处罚", "dismissed": "不予立案",
                "transferred": "移送"}  # fmt: skip
TRANSFER_ORGANS = {"police": "公安机关", "judicial": "司法机关"}


def _party(field: str) -> Any:
    def value(case: EnforcementCase, actor: Actor) -> Any:
        return getattr(party_view(case, actor), field)

    return value


def _label(field: str, labels: Mapping[str, str]) -> Any:
    def value(case: EnforcementCase, actor: Actor) -> Any:
        raw = getattr(case, field)
        return labels.get(raw, raw)

    return value


def _penalty_kinds(case: EnforcementCase, actor: Actor) -> str | None:
    if case.penalty_kinds is None:
        return None
    return "、".join(PENALTY_KIND_NAMES.get(kind, kind) for kind in case.penalty_kinds)


CASE_COLUMNS = (
    Column("案件编号", lambda c, _: c.number),
    Column("案件名称", lambda c, actor: text_view(c.title, c, actor)),
    Column("来源", _label("source", SOURCES)),
    Column("违法类型", lambda c, _: c.category_code),
    Column("当事人类型", _label("party_type", PARTY_TYPES)),
    Column("当事人", _party("name")),
    Column("证件号码", _party("id_number")),
    Column("联系电话", _party("phone")),
    Column("违法地点", lambda c, _: c.address),
    Column("所属区", lambda c, _: c.district),
    Column("违法事实", facts_view),
    Column("违法行为发生日期", lambda c, _: c.violation_occurred_on),
    Column("承办部门", lambda c, _: c.department_id),
    Column("程序", _label("procedure", PROCEDURES)),
    Column("状态", _label("status", STATUSES)),
    Column("立案时间", lambda c, _: c.filed_at),
    Column("处理结果", _label("disposition", DISPOSITIONS)),
    Column("移送机关", _label("transferred_to", TRANSFER_ORGANS)),
    Column("处罚种类", _penalty_kinds),
    Column("罚款金额", lambda c, _: c.penalty_fine_amount),
    Column("决定书文号", lambda c, _: c.decision_number),
    Column("决定时间", lambda c, _: c.decided_at),
    Column("送达时间", lambda c, _: c.served_at),
    Column("缴款金额", lambda c, _: c.paid_amount),
    Column("加处罚款", lambda c, _: c.paid_surcharge),
    Column("缴款时间", lambda c, _: c.paid_at),
    Column("是否超期", lambda c, _: is_overdue_now(c, utcnow())),
    Column("登记时间", lambda c, _: c.created_at),
    Column("结案时间", lambda c, _: c.closed_at),
)

STATS_HEADERS = [
    "分组", "登记数", "立案数", "简易程序", "不予立案", "在办数", "作出处罚决定", "不予处罚",
    *(f"处罚:{PENALTY_KIND_NAMES[kind]}" for kind in PENALTY_KINDS),
    "决定罚款(元)", "实缴罚款(元)", "加处罚款(元)", "听证", "申请法院强制执行", "移送公安机关",
    "移送司法机关", "采取强制措施", "超期", "逾期决定", "撤销决定",
]  # fmt: skip


def _yuan(amount: Decimal) -> str:
    return format(amount, "f")


def stats_rows(stats: CaseStats) -> list[list[Any]]:
    """The statistics table; statuses by their names, money as exact text."""
    labels = STATUSES if stats.group_by == "status" else {}
    return [
        [
            labels.get(row.group, row.group) if row.group is not None else None,
            row.registered,
            row.filed,
            row.simple_procedure,
            row.dismissed,
            row.open,
            row.decided,
            row.no_penalty,
            *(row.penalties_by_kind[kind] for kind in PENALTY_KINDS),
            _yuan(row.fines_decided),
            _yuan(row.fines_collected),
            _yuan(row.surcharges_collected),
            row.hearings,
            row.court_enforcement,
            row.transferred_to_police,
            row.transferred_to_judicial,
            row.measures_taken,
            row.overdue,
            row.decided_late,
            row.revoked,
        ]
        for row in stats.rows
    ]

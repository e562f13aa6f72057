"""Approval applications and their statistics as spreadsheets: Chinese headers, the
caller's view of the applicant, deadlines as the API reports them."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.actor import Actor
from app.approvals.catalogue import list_services
from app.approvals.service import applicant_view, phase_deadlines, text_view
from app.approvals.stats import ApprovalStats
from app.models.approval import ApprovalApplication
from app.models.base import utcnow
from app.records.exports import Column
from app.workflow.clock import is_overdue_now

STATUSES = {
    "submitted": "待受理", "awaiting_supplement": "待补正", "under_review": "审查中",
    "suspended": "中止审查", "pending_decision": "待决定", "approved": "准予许可",
    "rejected": "不予许可", "completed": "已办结", "not_accepted": "不予受理",
    "withdrawn": "已撤回",
}  # fmt: skip
CHANNELS = {"counter": "窗口", "online": "网上", "door_to_door": "上门"}
APPLICANT_TYPES = {"person": "个人", "organisation": "单位"}
DECISIONS = {"approved": "准予许可", "rejected": "不予许可"}
DELIVERY_METHODS = {"counter": "窗口领取", "mail": "邮寄", "electronic": "电子送达"}


def _applicant(field: str) -> Any:
    def value(application: ApprovalApplication, actor: Actor) -> Any:
        return getattr(applicant_view(application, actor), field)

    return value


def _label(field: str, labels: Mapping[str, str]) -> Any:
    def value(application: ApprovalApplication, actor: Actor) -> Any:
        raw = getattr(application, field)
        return labels.get(raw, raw)

    return value


def _deadline(phase: str) -> Any:
    def value(application: ApprovalApplication, actor: Actor) -> Any:
        return phase_deadlines(application)[phase]

    return value


def approval_columns(service_names: Mapping[str, str]) -> tuple[Column, ...]:
    return (
        Column("申请编号", lambda a, _: a.number),
        Column("事项", _label("service_code", service_names)),
        Column("事项编码", lambda a, _: a.service_code),
        Column("申请标题", lambda a, actor: text_view(a.title, a, actor)),
        Column("申请人类型", _label("applicant_type", APPLICANT_TYPES)),
        Column("申请人", _applicant("name")),
        Column("证件号码", _applicant("id_number")),
        Column("联系电话", _applicant("phone")),
        Column("渠道", _label("channel", CHANNELS)),
        Column("绿色通道", lambda a, _: a.green_channel),
        Column("承办部门", lambda a, _: a.department_id),
        Column("状态", _label("status", STATUSES)),
        Column("收件时间", lambda a, _: a.received_at),
        Column("受理时间", lambda a, _: a.accepted_at),
        Column("受理时限", _deadline("acceptance_due_at")),
        Column("办结时限", _deadline("decision_due_at")),
        Column("是否超期", lambda a, _: is_overdue_now(a, utcnow())),
        Column("决定", _label("decision", DECISIONS)),
        Column("决定时间", lambda a, _: a.decided_at),
        Column("许可证号", lambda a, _: a.licence_number),
        Column("有效期至", lambda a, _: a.valid_until),
        Column("送达方式", _label("delivery_method", DELIVERY_METHODS)),
        Column("送达时间", lambda a, _: a.delivered_at),
    )


async def service_names(session: AsyncSession) -> dict[str, str]:
    """The catalogue's names by code: a few hundred services at most, read once per export."""
    return {service.code: service.name for service in await list_services(session, None)}


STATS_HEADERS = [
    "分组", "收件量", "受理量", "准予许可", "不予许可", "不予受理", "撤回", "在办量", "超期量",
    "已决定", "平均办理时长(工作日)", "平均承诺时限(工作日)", "即办率",
]  # fmt: skip


def stats_rows(stats: ApprovalStats, names: Mapping[str, str]) -> list[list[Any]]:
    """The statistics table; services and channels by their names."""
    labels = {"service": names, "channel": CHANNELS}.get(stats.group_by, {})
    return [
        [
            labels.get(row.group, row.group) if row.group is not None else None,
            row.received,
            row.accepted,
            row.approved,
            row.rejected,
            row.not_accepted,
            row.withdrawn,
            row.in_progress,
            row.overdue,
            row.decided,
            row.average_decision_working_days,
            row.average_committed_limit_days,
            row.on_the_spot_share,
        ]
        for row in stats.rows
    ]

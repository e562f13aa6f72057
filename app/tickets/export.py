"""The ticket list as a spreadsheet: Chinese headers, the caller's view of personal data."""

from typing import Any

from app.actor import Actor
from app.models.ticket import Ticket
from app.records.exports import Column
from app.tickets.service import reporter_view, text_view

CHANNELS = {"phone": "电话", "web": "网站", "app": "App", "wechat": "微信", "email": "邮件",
            "agency": "部门转办"}  # fmt: skip
TYPES = {"consultation": "咨询", "help": "求助", "complaint": "投诉", "report": "举报",
         "suggestion": "建议"}  # fmt: skip
STATUSES = {
    "new": "待派单", "dispatched": "已派单", "in_progress": "办理中", "returned": "已退单",
    "replied": "已答复", "closed": "已办结", "merged": "已合并", "cancelled": "已撤销",
}  # fmt: skip
MODES = {"service": "服务", "management": "管理", "enforcement": "执法"}
SATISFACTION = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


def _reporter(field: str) -> Any:
    def value(ticket: Ticket, actor: Actor) -> Any:
        return getattr(reporter_view(ticket, actor), field)

    return value


def _label(field: str, labels: dict[str, str]) -> Any:
    def value(ticket: Ticket, actor: Actor) -> Any:
        raw = getattr(ticket, field)
        return labels.get(raw, raw)

    return value


TICKET_COLUMNS = (
    Column("工单编号", lambda t, a: t.number),
    Column("受理渠道", _label("channel", CHANNELS)),
    Column("诉求类型", _label("type", TYPES)),
    Column("分类代码", lambda t, a: t.category_code),
    Column("标题", lambda t, a: text_view(t.title, t, a)),
    Column("诉求内容", lambda t, a: text_view(t.content, t, a)),
    Column("地址", lambda t, a: t.address),
    Column("所属区", lambda t, a: t.district),
    Column("反映人", _reporter("name")),
    Column("联系电话", _reporter("phone")),
    Column("紧急程度", lambda t, a: "紧急" if t.priority == "urgent" else "一般"),
    Column("承办部门", lambda t, a: t.department_id),
    Column("状态", _label("status", STATUSES)),
    Column("办理时限", lambda t, a: t.due_at),
    Column("是否超期", lambda t, a: t.is_overdue),
    Column("处置方式", _label("resolution_mode", MODES)),
    Column("答复内容", lambda t, a: text_view(t.reply, t, a)),
    Column("满意度", _label("satisfaction", SATISFACTION)),
    Column("督办次数", lambda t, a: t.supervised),
    Column("登记时间", lambda t, a: t.created_at),
    Column("办结时间", lambda t, a: t.closed_at),
)

"""The approval service catalogue (事项清单), managed by administrators.

The seeded services have no department: departments are created after the first start,
so an administrator assigns each service to one before it takes applications.
"""

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.approvals.schemas import ServiceCreate, ServiceUpdate
from app.core.catalogue_checks import check_department, flush_unique
from app.core.versioning import check_if_match, save_versioned
from app.errors import NotFound, UnprocessableEntity
from app.models.approval import ApprovalService

APPLICATION_FORM = {"code": "shenqingshu", "name": "申请书", "required": True}
APPLICANT_PROOF = {"code": "zhuti_zhengming", "name": "申请人身份证明或营业执照", "required": True}
POWER_OF_ATTORNEY = {"code": "weituoshu", "name": "授权委托书（委托办理时）", "required": False}

# Working-day limits: 行政许可法 第四十二条 gives 20 unless a law says otherwise.
SEED_SERVICES: tuple[dict[str, Any], ...] = (
    {
        "code": "huwai_guanggao_shezhi",
        "name": "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批",
        "legal_limit_days": 20,
        "committed_limit_days": 10,
        "required_materials": [
            APPLICATION_FORM,
            APPLICANT_PROOF,
            {"code": "sheji_tu", "name": "设计效果图及设置位置示意图", "required": True},
            {"code": "changdi_xieyi", "name": "场地产权证明或使用协议", "required": True},
            {"code": "jiegou_anquan", "name": "结构安全检测报告", "required": True},
            POWER_OF_ATTORNEY,
        ],
    },
    {
        "code": "chengshi_daolu_zhanyong_wajue",
        "name": "城市道路占用、挖掘审批",
        "legal_limit_days": 20,
        "committed_limit_days": 5,
        "required_materials": [
            APPLICATION_FORM,
            APPLICANT_PROOF,
            {"code": "shigong_fangan", "name": "施工方案及占用、挖掘位置平面图", "required": True},
            {"code": "jiaotong_yijian", "name": "公安交通管理部门意见", "required": True},
            POWER_OF_ATTORNEY,
        ],
    },
    {
        "code": "jianzhu_laji_chuzhi",
        "name": "建筑垃圾处置核准",
        "legal_limit_days": 20,
        "committed_limit_days": 3,
        "required_materials": [
            APPLICATION_FORM,
            APPLICANT_PROOF,
            {"code": "chuzhi_fangan", "name": "建筑垃圾处置方案", "required": True},
            {"code": "yunshu_hetong", "name": "运输车辆及运输合同", "required": True},
            {"code": "xiaona_zhengming", "name": "消纳场所证明", "required": True},
        ],
    },
)


async def seed_services(session: AsyncSession) -> None:
    """Seed a few city-management licensing services on first start."""
    if await session.scalar(select(func.count()).select_from(ApprovalService)):
        return
    for service in SEED_SERVICES:
        session.add(ApprovalService(**service, fee=Decimal("0.00")))
    await session.commit()  # a race with another process: app/seeds.py


async def list_services(session: AsyncSession, is_active: bool | None) -> list[ApprovalService]:
    query = select(ApprovalService).order_by(col(ApprovalService.code))
    if is_active is not None:
        query = query.where(col(ApprovalService.is_active).is_(is_active))
    return list((await session.scalars(query)).all())


async def get_service(session: AsyncSession, service_id: uuid.UUID) -> ApprovalService:
    service = await session.get(ApprovalService, service_id)
    if service is None:
        raise NotFound("No such approval service")
    return service


async def service_by_code(session: AsyncSession, code: str) -> ApprovalService | None:
    query = select(ApprovalService).where(col(ApprovalService.code) == code)
    return (await session.scalars(query)).first()


async def create_service(session: AsyncSession, data: ServiceCreate) -> ApprovalService:
    await check_department(session, data.department_id)
    service = ApprovalService(**data.model_dump())
    session.add(service)
    await flush_unique(session, f"Approval service {data.code!r}")
    return service


async def update_service(
    session: AsyncSession, service: ApprovalService, data: ServiceUpdate, if_match: str | None
) -> ApprovalService:
    check_if_match(if_match, service.version)
    changes = data.model_dump(exclude_unset=True)
    emptied = sorted(name for name, value in changes.items() if value is None)
    if emptied:
        raise UnprocessableEntity(f"{', '.join(emptied)} cannot be emptied")
    await check_department(session, changes.get("department_id"))
    legal = changes.get("legal_limit_days", service.legal_limit_days)
    if changes.get("committed_limit_days", service.committed_limit_days) > legal:
        raise UnprocessableEntity("committed_limit_days must not exceed legal_limit_days")
    await save_versioned(session, service, service.version, changes)
    return service

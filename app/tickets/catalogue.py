"""The ticket category catalogue and the routing rules, managed by administrators."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.catalogue_checks import check_department, flush_unique
from app.core.versioning import check_if_match, save_versioned
from app.errors import NotFound, UnprocessableEntity
from app.models.ticket import RoutingRule, TicketCategory
from app.tickets.categories import catalogue
from app.tickets.schemas import (
    CategoryCreate,
    CategoryUpdate,
    RoutingRuleCreate,
    RoutingRuleUpdate,
)

# (code, name, parent): the city-management tree seeded on first start.
SEED_CATEGORIES = (
    ("chengshi_guanli", "城市管理", None),
    ("weifa_jianshe", "违法建设", "chengshi_guanli"),
    ("zhandao_jingying", "占道经营", "chengshi_guanli"),
    ("xiao_guanggao", "乱贴乱画小广告", "chengshi_guanli"),
    ("huwai_guanggao", "户外广告牌匾", "chengshi_guanli"),
    ("cheliang_luanting", "车辆乱停乱放", "chengshi_guanli"),
    ("jianzhu_gongdi", "建筑工地", "chengshi_guanli"),
    ("daolu_yisa", "道路遗撒", "chengshi_guanli"),
    ("limian_kongjian", "立面空间", "chengshi_guanli"),
    ("jisi_fenshao", "祭祀焚烧", "chengshi_guanli"),
    ("huanjing_weisheng", "环境卫生", "chengshi_guanli"),
    ("shizheng_sheshi", "市政设施", "chengshi_guanli"),
    ("zixun", "政策咨询", None),
    ("qita", "其他", None),
)


async def seed_categories(session: AsyncSession) -> None:
    if await session.scalar(select(func.count()).select_from(TicketCategory)):
        return
    for code, name, parent in SEED_CATEGORIES:
        session.add(TicketCategory(code=code, name=name, parent_code=parent))
    await catalogue.changed(session)
    await session.commit()  # a race with another process: app/seeds.py


async def _check_parent(session: AsyncSession, code: str | None) -> None:
    if code is None:
        return
    query = select(col(TicketCategory.id)).where(col(TicketCategory.code) == code)
    if (await session.scalars(query)).first() is None:
        raise UnprocessableEntity("parent_code names no category", code="unknown_category")


async def list_categories(session: AsyncSession) -> list[TicketCategory]:
    query = select(TicketCategory).order_by(col(TicketCategory.code))
    return list((await session.scalars(query)).all())


async def get_category(session: AsyncSession, category_id: uuid.UUID) -> TicketCategory:
    category = await session.get(TicketCategory, category_id)
    if category is None:
        raise NotFound("No such category")
    return category


async def create_category(session: AsyncSession, data: CategoryCreate) -> TicketCategory:
    await check_department(session, data.default_department_id, "default_department_id")
    await _check_parent(session, data.parent_code)
    category = TicketCategory(**data.model_dump())
    session.add(category)
    await flush_unique(session, f"Category {data.code!r}")
    await catalogue.changed(session)
    return category


async def update_category(
    session: AsyncSession, category: TicketCategory, data: CategoryUpdate, if_match: str | None
) -> TicketCategory:
    check_if_match(if_match, category.version)
    changes = data.model_dump(exclude_unset=True)
    await check_department(session, changes.get("default_department_id"), "default_department_id")
    await _check_parent(session, changes.get("parent_code"))
    await save_versioned(session, category, category.version, changes)
    await catalogue.changed(session)
    return category


async def list_rules(session: AsyncSession) -> list[RoutingRule]:
    query = select(RoutingRule).order_by(col(RoutingRule.created_at), col(RoutingRule.id))
    return list((await session.scalars(query)).all())


async def get_rule(session: AsyncSession, rule_id: uuid.UUID) -> RoutingRule:
    rule = await session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound("No such routing rule")
    return rule


async def create_rule(session: AsyncSession, data: RoutingRuleCreate) -> RoutingRule:
    await check_department(session, data.department_id)
    rule = RoutingRule(**data.model_dump())
    session.add(rule)
    await session.flush()
    return rule


async def update_rule(
    session: AsyncSession, rule: RoutingRule, data: RoutingRuleUpdate, if_match: str | None
) -> RoutingRule:
    check_if_match(if_match, rule.version)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("department_id") is None:
        changes.pop("department_id", None)
    await check_department(session, changes.get("department_id"))
    await save_versioned(session, rule, rule.version, changes)
    return rule


async def delete_rule(session: AsyncSession, rule: RoutingRule) -> None:
    await session.delete(rule)
    await session.flush()

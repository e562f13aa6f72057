"""The Administrative Penalty Law's numbers, as pure functions (行政处罚法, 2021).

Limitation (第三十六条), the simple procedure's limits (第五十一条), the hearing thresholds
(第六十三条), "not heavier than notified" (第六十二条) and the late-payment surcharge
(第七十二条, 第七十三条). Nothing here touches the database.
"""

import calendar
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from app.config import Settings
from app.models.money import to_yuan

ZERO = Decimal("0.00")
LIMITATION_YEARS = 2
# 第三十六条: five years where citizens' life, health or financial safety is endangered
# and harm resulted.
SERIOUS_HARM_LIMITATION_YEARS = 5
# 第五十一条: the simple procedure decides on the spot a warning, or a fine of at most
# 200 yuan for a citizen or 3,000 yuan for an organisation.
ON_THE_SPOT_KINDS = frozenset({"warning", "fine"})
ON_THE_SPOT_FINE_LIMIT = {"person": Decimal("200"), "organisation": Decimal("3000")}
# 第六十三条: these penalties always entitle the party to a hearing.
HEARING_KINDS = frozenset({"suspension", "licence_revocation"})
# 第七十二条: 3% of the fine per day overdue, never more than the fine itself.
DAILY_SURCHARGE_RATE = Decimal("0.03")


@dataclass(frozen=True)
class PenaltyTerms:
    kinds: frozenset[str]
    fine_amount: Decimal | None = None

    @property
    def fine(self) -> Decimal:
        return self.fine_amount if "fine" in self.kinds and self.fine_amount else ZERO


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February falls back to the 28th.

    民法典 第二百零二条: with no corresponding day, the period ends on the month's last day.
    """
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def limitation_ends_on(occurred_on: date, serious_harm: bool) -> date:
    years = SERIOUS_HARM_LIMITATION_YEARS if serious_harm else LIMITATION_YEARS
    return add_years(occurred_on, years)


def time_barred(occurred_on: date, discovered_on: date, serious_harm: bool) -> str | None:
    """第三十六条: no penalty for a violation not discovered within two (five) years."""
    last_day = limitation_ends_on(occurred_on, serious_harm)
    if discovered_on <= last_day:
        return None
    return (
        f"The violation of {occurred_on.isoformat()} was discovered on "
        f"{discovered_on.isoformat()}, after the limitation period ended on "
        f"{last_day.isoformat()}: no penalty may be imposed (第三十六条)"
    )


def on_the_spot_refusal(party_type: str, penalty: PenaltyTerms) -> str | None:
    """Why the simple procedure may not impose ``penalty`` on this party, if it may not."""
    other = penalty.kinds - ON_THE_SPOT_KINDS
    if other:
        return (
            "A decision on the spot imposes only a warning or a fine, "
            f"not {', '.join(sorted(other))} (第五十一条): file the case instead"
        )
    limit = ON_THE_SPOT_FINE_LIMIT[party_type]
    if penalty.fine > limit:
        return (
            f"A decision on the spot fines a {party_type} at most {limit} yuan, "
            f"not {penalty.fine} (第五十一条): file the case instead"
        )
    return None


def hearing_threshold(party_type: str, settings: Settings) -> Decimal:
    if party_type == "organisation":
        return settings.hearing_threshold_organisation
    return settings.hearing_threshold_person


def hearing_refusal(party_type: str, penalty: PenaltyTerms, settings: Settings) -> str | None:
    """第六十三条: a hearing for a large fine, suspension or licence revocation only."""
    if penalty.kinds & HEARING_KINDS:
        return None
    threshold = hearing_threshold(party_type, settings)
    if penalty.fine >= threshold:
        return None
    return (
        f"The proposed penalty gives no right to a hearing: it needs a fine of at least "
        f"{threshold} yuan for a {party_type}, a suspension or a licence revocation (第六十三条)"
    )


def heavier_than(decided: PenaltyTerms, notified: PenaltyTerms) -> str | None:
    """Why ``decided`` is heavier than ``notified``: a kind not notified, or a larger fine.

    第六十二条 (and 第四十五条: defence may not bring a heavier penalty): a heavier decision
    needs a new prior notice.
    """
    added = decided.kinds - notified.kinds
    if added:
        return (
            f"The decision adds {', '.join(sorted(added))}, which the party was not notified "
            "of: notify the heavier penalty first (第六十二条)"
        )
    if decided.fine > notified.fine:
        return (
            f"The fine of {decided.fine} yuan is higher than the {notified.fine} notified: "
            "notify the heavier penalty first (第六十二条)"
        )
    return None


@dataclass(frozen=True)
class Interval:
    """Days from ``start`` to ``end`` inclusive; ``end`` None while still running."""

    start: date
    end: date | None = None


def surcharge_days(due_on: date, paid_on: date, excluded: Sequence[Interval] = ()) -> int:
    """Days after ``due_on`` up to ``paid_on`` on which the surcharge accrues.

    第七十三条: no surcharge is counted while administrative review or litigation is
    pending; both the filing and the concluding day count as pending.
    """
    days = 0
    day = due_on + timedelta(days=1)
    while day <= paid_on:
        if not any(i.start <= day and (i.end is None or day <= i.end) for i in excluded):
            days += 1
        day += timedelta(days=1)
    return days


def late_surcharge(fine: Decimal, days: int) -> Decimal:
    """第七十二条: 3% of the fine per day overdue, capped at the fine itself."""
    if days <= 0 or fine <= 0:
        return ZERO
    return min(to_yuan(fine), to_yuan(fine * DAILY_SURCHARGE_RATE * days))


def amount_due(
    fine: Decimal, due_on: date | None, paid_on: date, excluded: Collection[Interval] = ()
) -> tuple[Decimal, Decimal, int]:
    """(fine + surcharge, surcharge, surcharge days) owed when paying on ``paid_on``."""
    if due_on is None:
        return to_yuan(fine), ZERO, 0
    days = surcharge_days(due_on, paid_on, list(excluded))
    surcharge = late_surcharge(fine, days)
    return to_yuan(fine) + surcharge, surcharge, days

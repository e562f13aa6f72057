"""The arithmetic of the department scorecard, apart from the database.

Each item turns a measured share into points: without a target, the item's share of its
score (max × rate, or × (1 − rate) where lower is better); with a target, the full score at
or beyond it and ``deduction_per_point`` off per percentage point short, down to nothing.
An item with nothing to count (a department that decides no cases) is not scored: the
items measured are scaled up to the whole scheme's maximum, so no department gains or
loses by the business it does not have. Every step is a line that says why.
"""

from dataclasses import dataclass
from decimal import Decimal

from app.oversight.scorecard_figures import Count
from app.oversight.scorecard_schemas import LOWER_IS_BETTER, ScorecardItem, ScorecardScheme
from app.oversight.scoring import ZERO, Line, competition_places, percent, points

RATE = Decimal("0.0001")
HUNDRED = Decimal(100)


@dataclass
class DepartmentScore:
    department_id: str
    name: str
    figures: list[dict[str, object]]
    lines: list[Line]
    total: Decimal = ZERO
    rank: int = 0

    def public(self) -> dict[str, object]:
        return {
            "department_id": self.department_id,
            "department_name": self.name,
            "rank": self.rank,
            "figures": self.figures,
            "total": str(points(self.total)),
            "lines": [line.public() for line in self.lines],
        }


def _item_points(item: ScorecardItem, rate: Decimal, facts: str, lines: list[Line]) -> Decimal:
    lower = item.measure in LOWER_IS_BETTER
    if item.target is None or item.deduction_per_point is None:
        share = 1 - rate if lower else rate
        earned = item.max_score * share
        lines.append(
            Line(item.code, "share", earned, f"{facts}：{item.max_score} 分 × {percent(share)}")
        )
        return earned
    short = rate - item.target if lower else item.target - rate
    bound = "不高于" if lower else "不低于"
    lines.append(
        Line(item.code, "full", item.max_score, f"{facts}，目标{bound} {percent(item.target)}")
    )
    if short <= 0:
        return item.max_score
    deducted = min(item.max_score, item.deduction_per_point * short * HUNDRED)
    lines.append(
        Line(
            item.code,
            "short_of_target",
            -deducted,
            f"差 {(short * HUNDRED).quantize(Decimal('0.01'))} 个百分点，"
            f"每个百分点扣 {item.deduction_per_point} 分",
        )
    )
    return item.max_score - deducted


def score_department(
    scheme: ScorecardScheme, department_id: str, name: str, counts: dict[str, Count]
) -> DepartmentScore:
    score = DepartmentScore(department_id, name, figures=[], lines=[])
    earned_sum, measured_max = ZERO, ZERO
    for item in scheme.items:
        count = counts.get(item.measure, Count())
        figure: dict[str, object] = {
            "code": item.code, "name": item.name, "measure": item.measure, "counted": count.counted,
            "qualifying": count.qualifying, "rate": None, "points": None,
            "max_score": str(item.max_score),
        }  # fmt: skip
        score.figures.append(figure)
        if not count.counted:
            score.lines.append(
                Line(item.code, "not_measured", ZERO, f"{item.name}：本季度无可计数的业务，不计分")
            )
            continue
        rate = Decimal(count.qualifying) / Decimal(count.counted)
        facts = f"{item.name} {count.qualifying}/{count.counted}（{percent(rate)}）"
        earned = points(_item_points(item, rate, facts, score.lines))
        figure["rate"], figure["points"] = str(rate.quantize(RATE)), str(earned)
        earned_sum += earned
        measured_max += item.max_score
    full = sum((item.max_score for item in scheme.items), ZERO)
    total = earned_sum
    if measured_max and measured_max != full:
        total = earned_sum * full / measured_max
        score.lines.append(
            Line(None, "scaled", total - earned_sum,
                 f"按已考核项目折算：{earned_sum} ÷ {measured_max} × {full}")
        )  # fmt: skip
    if total > scheme.total_cap:
        score.lines.append(
            Line(None, "cap", scheme.total_cap - total, f"合计封顶 {scheme.total_cap} 分")
        )
        total = scheme.total_cap
    score.total = points(total)
    return score


def rank(scores: list[DepartmentScore]) -> list[DepartmentScore]:
    ranked = sorted(scores, key=lambda s: (-s.total, s.name))
    for score, place in zip(ranked, competition_places([s.total for s in ranked]), strict=True):
        score.rank = place
    return ranked

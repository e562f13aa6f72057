"""The arithmetic of a scored assessment (考评), apart from the database.

A quarter's score of one unit: each item from the unit's report for the quarter's last
month against the schedule (时序进度), less late reports and inspection findings; the sum
capped; then the penalty for a report found false, the adjustments supervisors made with a
reason, and the bonus (ranking places and bonus items, capped, lost with a false report).
Every step that moves a score is a line that says why, so a unit can check its figure.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from app.oversight.assessment_schemas import AssessmentScheme, ItemRule
from app.oversight.report_schemas import ReportItemSpec

POINT = Decimal("0.01")
TENTH = Decimal("0.1")
ZERO = Decimal(0)


def points(value: Decimal) -> Decimal:
    return value.quantize(POINT, rounding=ROUND_HALF_UP)


def percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(TENTH, rounding=ROUND_HALF_UP)}%"


def expected_share(item: ReportItemSpec, month: int) -> Decimal:
    """The share of the year's target due by the end of ``month``: the schedule's
    checkpoints joined by straight lines from nothing at the start of the year."""
    before_month, before_share = 0, ZERO
    for checkpoint in item.schedule:
        if month <= checkpoint.month:
            span = checkpoint.month - before_month
            return before_share + (checkpoint.share - before_share) * (month - before_month) / span
        before_month, before_share = checkpoint.month, checkpoint.share
    return before_share


@dataclass(frozen=True)
class MonthReport:
    """A unit's current report for one month (the latest correction counts)."""

    completed: dict[str, Decimal]
    preparation_done: frozenset[str]
    late: bool


@dataclass(frozen=True)
class Finding:
    kind: str  # "deduction" (of an item), "bonus", "false_report"
    points: Decimal
    reason: str
    item: str | None = None


@dataclass(frozen=True)
class UnitInputs:
    department_id: str
    name: str
    targets: dict[str, Decimal]
    reports: Sequence[MonthReport | None]  # the quarter's months in order; None: not reported
    findings: Sequence[Finding] = ()
    adjustments: Sequence[Finding] = ()


@dataclass
class Line:
    item: str | None
    kind: str
    points: Decimal
    reason: str

    def public(self) -> dict[str, str | None]:
        return {
            "item": self.item,
            "kind": self.kind,
            "points": str(points(self.points)),
            "reason": self.reason,
        }


@dataclass
class UnitScore:
    department_id: str
    name: str
    items: dict[str, Decimal] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    subtotal: Decimal = ZERO
    penalty: Decimal = ZERO
    adjustment: Decimal = ZERO
    bonus: Decimal = ZERO
    rank: int = 0
    false_report: bool = False

    @property
    def base(self) -> Decimal:
        """The score without the bonus: what the year's weighted formula takes."""
        return points(self.subtotal - self.penalty + self.adjustment)

    @property
    def total(self) -> Decimal:
        return points(self.base + self.bonus)


def _progress_item(
    rule: ItemRule, spec: ReportItemSpec, unit: UnitInputs, month: int, score: UnitScore
) -> Decimal:
    report = unit.reports[-1]
    target = unit.targets[spec.code]
    completed = report.completed.get(spec.code, ZERO) if report else ZERO
    actual = min(completed / target, Decimal(1))
    expected = expected_share(spec, month)
    facts = (
        f"完成 {completed}{spec.unit}/{target}{spec.unit}（{percent(actual)}），"
        f"时序进度 {percent(expected)}"
    )
    if actual >= expected:
        score.lines.append(Line(rule.code, "on_schedule", rule.max_score, f"{facts}：满分"))
        return rule.max_score
    prepared = report is not None and spec.code in report.preparation_done
    if completed == ZERO and prepared and rule.preparation_share is not None:
        earned = rule.max_score * rule.preparation_share
        score.lines.append(
            Line(
                rule.code,
                "preparation",
                earned,
                f"{facts}：前期准备完成、尚未开工，得 {percent(rule.preparation_share)}",
            )
        )
        return earned
    steps = math.floor((expected - actual) / TENTH)
    deducted = min(rule.max_score, rule.deduction_per_10pct_short * steps)
    score.lines.append(Line(rule.code, "on_schedule", rule.max_score, f"{facts}：满分起算"))
    if deducted:
        score.lines.append(
            Line(
                rule.code,
                "behind_schedule",
                -deducted,
                f"低于时序进度 {steps} 个 10%，每个扣 {rule.deduction_per_10pct_short} 分",
            )
        )
    return rule.max_score - deducted


def _late_reports(rule: ItemRule, unit: UnitInputs, score: UnitScore) -> Decimal:
    late = sum(1 for report in unit.reports if report is None or report.late)
    if not late or not rule.late_report_deduction:
        return ZERO
    deducted = rule.late_report_deduction * late
    if rule.late_report_cap is not None:
        deducted = min(deducted, rule.late_report_cap)
    score.lines.append(
        Line(
            rule.code,
            "late_reports",
            -deducted,
            f"{late} 次月报逾期或未报，每次扣 {rule.late_report_deduction} 分"
            + (
                f"，本项最多扣 {rule.late_report_cap} 分"
                if rule.late_report_cap is not None
                else ""
            ),
        )
    )
    return deducted


def _score_item(
    rule: ItemRule,
    scheme_items: dict[str, ReportItemSpec],
    unit: UnitInputs,
    month: int,
    score: UnitScore,
) -> Decimal:
    if rule.measures is not None:
        earned = _progress_item(rule, scheme_items[rule.measures], unit, month, score)
    else:
        earned = rule.max_score
        score.lines.append(Line(rule.code, "full", rule.max_score, "本项满分起算"))
    earned -= _late_reports(rule, unit, score)
    for finding in unit.findings:
        if finding.kind == "deduction" and finding.item == rule.code:
            earned -= finding.points
            score.lines.append(Line(rule.code, "finding", -finding.points, finding.reason))
    return max(earned, ZERO)


def score_unit(
    scheme: AssessmentScheme, items: Iterable[ReportItemSpec], unit: UnitInputs, month: int
) -> UnitScore:
    specs = {spec.code: spec for spec in items}
    score = UnitScore(unit.department_id, unit.name)
    for rule in scheme.items:
        score.items[rule.code] = points(_score_item(rule, specs, unit, month, score))
    subtotal = sum(score.items.values(), ZERO)
    if subtotal > scheme.total_cap:
        score.lines.append(
            Line(None, "cap", scheme.total_cap - subtotal, f"合计封顶 {scheme.total_cap} 分")
        )
        subtotal = scheme.total_cap
    score.subtotal = subtotal
    for finding in unit.findings:
        if finding.kind == "false_report":
            penalty = min(finding.points, scheme.false_report.max_penalty)
            score.penalty += penalty
            score.false_report = True
            score.lines.append(Line(None, "false_report", -penalty, finding.reason))
    for adjustment in unit.adjustments:
        score.adjustment += adjustment.points
        score.lines.append(Line(None, "adjustment", adjustment.points, adjustment.reason))
    return score


def competition_places(scores: Sequence[Decimal]) -> list[int]:
    """Standard competition ranking (1, 1, 3) of scores sorted best first: ties share a place."""
    places: list[int] = []
    for index, score in enumerate(scores):
        places.append(places[-1] if index and score == scores[index - 1] else index + 1)
    return places


def _ranking_bonus(scheme: AssessmentScheme, ranked: list[UnitScore]) -> None:
    """Tied units share a place and its bonus."""
    for score, place in zip(ranked, competition_places([s.base for s in ranked]), strict=True):
        score.rank = place
        if place <= len(scheme.bonus.ranking):
            bonus = scheme.bonus.ranking[place - 1]
            score.lines.append(
                Line(None, "ranking_bonus", bonus, f"本季度排名第 {place}，加 {bonus} 分")
            )
            score.bonus += bonus


def rank_and_add_bonus(
    scheme: AssessmentScheme, scores: list[UnitScore], findings: Mapping[str, Sequence[Finding]]
) -> list[UnitScore]:
    ranked = sorted(scores, key=lambda s: (-s.base, s.name))
    _ranking_bonus(scheme, ranked)
    for score in ranked:
        for finding in findings.get(score.department_id, ()):
            if finding.kind == "bonus":
                score.bonus += finding.points
                score.lines.append(Line(None, "bonus", finding.points, finding.reason))
        if score.bonus > scheme.bonus.cap:
            score.lines.append(
                Line(
                    None,
                    "bonus_cap",
                    scheme.bonus.cap - score.bonus,
                    f"加分最多 {scheme.bonus.cap} 分",
                )
            )
            score.bonus = scheme.bonus.cap
        if score.false_report and scheme.false_report.loses_bonus and score.bonus:
            score.lines.append(Line(None, "bonus_lost", -score.bonus, "报送虚假数据，取消加分"))
            score.bonus = ZERO
    return ranked


@dataclass(frozen=True)
class QuarterResult:
    base: Decimal
    bonus: Decimal


def year_score(
    scheme: AssessmentScheme, quarters: dict[str, QuarterResult]
) -> tuple[Decimal, list[Line]]:
    """The year-end formula, e.g. Q2 × 20% + Q3 × 20% + Q4 × 60% + bonus (capped)."""
    lines: list[Line] = []
    total = ZERO
    for quarter, weight in scheme.year_weights.items():
        weighted = quarters[quarter].base * weight
        total += weighted
        lines.append(
            Line(
                None,
                "quarter",
                weighted,
                f"{quarter} {quarters[quarter].base} 分 × {percent(weight)}",
            )
        )
    bonus = min(sum((q.bonus for q in quarters.values()), ZERO), scheme.bonus.cap)
    if bonus:
        lines.append(Line(None, "bonus", bonus, f"全年加分（最多 {scheme.bonus.cap} 分）"))
    return points(total + bonus), lines

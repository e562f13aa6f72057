"""The ranking table the supervising office circulates."""

from fastapi.responses import StreamingResponse

from app.models.oversight import ReportProgramme
from app.oversight.assessment_schemas import AssessmentRunPublic, SchemePublic
from app.oversight.scorecard_schemas import ScorecardRunPublic
from app.records.exports import ExportFormat, table_response


def ranking_table(
    export_format: ExportFormat,
    programme: ReportProgramme,
    scheme: SchemePublic,
    run: AssessmentRunPublic,
) -> StreamingResponse:
    quarterly = bool(run.units and run.units[0].items)
    rules = scheme.items if quarterly else []
    item_headers = [f"{rule.name}（{rule.max_score}分）" for rule in rules]
    headers = ["排名", "单位", *item_headers, "扣分（虚报）", "调整", "加分", "总分"]
    rows = [
        [
            unit.rank,
            unit.department_name,
            *[unit.items.get(rule.code, "") for rule in rules],
            unit.penalty,
            unit.adjustment,
            unit.bonus,
            unit.total,
        ]
        for unit in sorted(run.units, key=lambda u: u.rank)
    ]
    return table_response(export_format, f"{programme.code}-{run.period}-考评", headers, rows)


def scorecard_table(export_format: ExportFormat, run: ScorecardRunPublic) -> StreamingResponse:
    """Rank, department, each item's measured share and points, and the total: the items
    as the run scored them, whatever the scheme says since."""
    items = run.departments[0].figures if run.departments else []
    headers = ["排名", "部门"]
    for item in items:
        headers += [f"{item.name}（比率）", f"{item.name}（{item.max_score}分）"]
    headers.append("总分")
    rows = [
        [unit.rank, unit.department_name,
         *(cell for figure in unit.figures for cell in (figure.rate or "", figure.points or "")),
         unit.total]
        for unit in sorted(run.departments, key=lambda u: u.rank)
    ]  # fmt: skip
    return table_response(export_format, f"{run.period}-部门考评", headers, rows)

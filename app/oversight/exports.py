"""The ranking table the supervising office circulates."""

from fastapi.responses import StreamingResponse

from app.models.oversight import ReportProgramme
from app.oversight.schemas import AssessmentRunPublic, SchemePublic
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

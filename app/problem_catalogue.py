"""Every problem ``code`` the API answers, with its status, what it means and what to do.

A problem document's ``type`` is ``/problems/<code>`` (a relative URI, RFC 9457 §3.1.1),
served from this catalogue by ``app.routers.problems``; a test checks that every code
raised in ``app/`` has an entry here.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ProblemKind:
    status: int
    means: str
    fix: str


def _kind(status: int, means: str, fix: str) -> ProblemKind:
    return ProblemKind(status, means, fix)


RETRY = "Retry after the seconds in `Retry-After`."
RELOAD = "Reload the record (GET), check `allowed_actions` and its state, then act again."

PROBLEMS: dict[str, ProblemKind] = {
    # 400
    "bad_request": _kind(400, "The request could not be read.", "Check the `detail`."),
    "malformed_json": _kind(
        400,
        "The body is not valid JSON; `position` says where reading stopped.",
        "Send one JSON document with `Content-Type: application/json`.",
    ),
    "invalid_cursor": _kind(
        400,
        "The `cursor` is not one this API gave out.",
        "Pass back `next_cursor` exactly as received, or start without a cursor.",
    ),
    "invalid_idempotency_key": _kind(
        400,
        "The `Idempotency-Key` header is empty or too long.",
        "Send a fresh UUID per operation.",
    ),
    # 401
    "not_authenticated": _kind(
        401,
        "No credentials came with the request.",
        "Send `Authorization: Bearer <token>` from `POST /api/v1/auth/token`, or `X-API-Key`.",
    ),
    "invalid_credentials": _kind(
        401,
        "The username or the password is wrong (which one is not said).",
        "Check both; after repeated failures sign-in locks for a while (`rate_limited`).",
    ),
    "invalid_token": _kind(
        401, "The bearer token is not genuine or has expired.", "Sign in again for a new token."
    ),
    "token_revoked": _kind(
        401,
        "The token was issued before a password change, a deactivation or a sign-out everywhere.",
        "Sign in again.",
    ),
    "inactive_account": _kind(
        401, "The account is deactivated.", "Ask an administrator to reactivate it."
    ),
    "invalid_api_key": _kind(
        401,
        "The API key is unknown, rotated out or its client is disabled (Open311 answers "
        "403, as that standard says).",
        "Ask an administrator for the client's current key.",
    ),
    # 403
    "forbidden": _kind(
        403, "Your role may not do this.", "Ask someone with the role the `detail` names."
    ),
    "insufficient_scope": _kind(
        403,
        "The API client's key lacks the scope this operation needs.",
        "Ask an administrator to add the scope the `detail` names to the client.",
    ),
    "other_department": _kind(
        403,
        "The record or person belongs to another department.",
        "Act within your own department, or ask a supervisor.",
    ),
    "personal_search_refused": _kind(
        403,
        "Searching by personal data (a phone, an ID number) is not allowed to this caller.",
        "Search by number or other fields; the hotline and supervisors may search by phone.",
    ),
    "staff_only_field": _kind(
        403,
        "The field named in `errors` is set by staff, not by the citizen filing.",
        "Leave the field out.",
    ),
    "attachment_forbidden": _kind(
        403,
        "You may not add or remove this file on this record.",
        "Files are added by the record's own staff or filer; removed by the uploader or the "
        "owning department while the record's state allows.",
    ),
    "wrong_current_password": _kind(
        403,
        "The current password sent to change it is wrong.",
        "Send your current password; repeated failures lock like sign-in.",
    ),
    # 404 / 405 / 406
    "not_found": _kind(
        404,
        "No such thing, or not one you may see.",
        "Check the id; records of other departments are not shown to you.",
    ),
    "unknown_action": _kind(
        404,
        "The workflow has no action of that name.",
        "See `GET /api/v1/workflows` for the actions of each workflow.",
    ),
    "method_not_allowed": _kind(
        405, "The path exists but not with this method.", "Use a method listed in `Allow`."
    ),
    "not_acceptable": _kind(
        406, "The answer cannot be given in the format asked for.", "Send `Accept: */*`."
    ),
    # 409 / 412 / 413 / 415
    "conflict": _kind(409, "The request conflicts with the current data.", RELOAD),
    "already_exists": _kind(
        409, "Something with that code or name exists already.", "Choose another code or name."
    ),
    "transition_not_allowed": _kind(
        409, "The action is not allowed in the record's current state.", RELOAD
    ),
    "idempotency_key_reused": _kind(
        409,
        "The `Idempotency-Key` was used before for a different request.",
        "Use a new key for each distinct operation.",
    ),
    "idempotency_request_in_progress": _kind(
        409,
        "A request with this `Idempotency-Key` is still running.",
        "Wait a moment and retry with the same key to get its answer.",
    ),
    "already_rated": _kind(
        409, "This record was rated already.", "A rating is given once; see the existing one."
    ),
    "decision_number_taken": _kind(
        409, "The decision number is in use.", "Choose the next free number."
    ),
    "programme_exists": _kind(409, "A programme with that code exists.", "Choose another code."),
    "version_mismatch": _kind(
        412,
        "The record changed since you read it (`If-Match` does not match its `ETag`).",
        "GET it again, reapply your change, send the new `ETag` in `If-Match`.",
    ),
    "payload_too_large": _kind(
        413, "The request body is over the size limit.", "Send a smaller body or file."
    ),
    "unsupported_media_type": _kind(
        415,
        "The body's `Content-Type` is not what the operation takes.",
        "Send the type the `detail` names (the token endpoint takes form fields).",
    ),
    # 422
    "validation_error": _kind(
        422,
        "A field is missing or not valid; `errors` lists each with its location.",
        "Fix the fields named in `errors[].loc`.",
    ),
    "guard_failed": _kind(
        422,
        "A rule of the workflow refuses the action (a required field, a deadline, a role).",
        "Read the `detail`: it names the rule and what satisfies it.",
    ),
    "not_editable": _kind(
        422,
        "The record's details can no longer be edited in its state.",
        "Edit before the state the `detail` names, or use the workflow's actions.",
    ),
    "weak_password": _kind(
        422,
        "The password is easy to guess (NIST SP 800-63B).",
        "Choose a longer passphrase not built on the username or the name.",
    ),
    "password_unchanged": _kind(
        422, "The new password is the current one.", "Choose a different new password."
    ),
    "invalid_channel": _kind(
        422,
        "Citizens file through the app or the web only.",
        "Send `channel` `app` or `web`.",
    ),
    "invalid_dates": _kind(422, "The dates are out of order or range.", "Check the dates."),
    "invalid_period": _kind(
        422, "The reporting period is not valid.", "Send a period in the form the `detail` gives."
    ),
    "invalid_id_number": _kind(
        422,
        "The resident ID or unified social credit code fails its check digit.",
        "Check the number (18 characters).",
    ),
    "invalid_webhook_url": _kind(
        422,
        "The webhook URL is not a public HTTPS address.",
        "Use a public https:// URL; private, loopback and metadata addresses are refused.",
    ),
    "invalid_attachment_kind": _kind(
        422, "The file's kind is not one this record takes.", "Send a kind the `detail` lists."
    ),
    "attachment_not_allowed": _kind(
        422,
        "Files cannot be added in the record's current state.",
        "Add files in a state that allows them.",
    ),
    "attachment_immutable": _kind(
        422,
        "The file is part of the record's evidence and cannot be removed now.",
        "Evidence stays; add a correcting file instead.",
    ),
    "no_routing_rule": _kind(
        422,
        "No routing rule matches the ticket, so it cannot be dispatched automatically.",
        "Send `department_id`, or have an administrator add a routing rule.",
    ),
    "service_not_assigned": _kind(
        422,
        "The approval service has no department to handle it.",
        "An administrator assigns it (PATCH /api/v1/approval-services/{id} with "
        "`department_id`, or `python -m app setup`).",
    ),
    "unknown_category": _kind(
        422, "No active ticket category has that code.", "See GET /api/v1/ticket-categories."
    ),
    "unknown_department": _kind(422, "No department has that id.", "See GET /api/v1/departments."),
    "unknown_service": _kind(
        422, "No active approval service has that code.", "See GET /api/v1/approval-services."
    ),
    "unknown_material": _kind(
        422, "The service asks for no material of that code.", "Use the service's material codes."
    ),
    "unknown_event_type": _kind(
        422,
        "The webhook event type matches no kind of record.",
        "Use `<kind>.<event>` patterns such as `ticket.*`.",
    ),
    "unknown_file": _kind(
        422, "No uploaded file has that id on this record.", "Upload the file first."
    ),
    "unknown_item": _kind(
        422, "The programme has no item of that code.", "Use the programme template's items."
    ),
    "not_a_reporting_unit": _kind(
        422, "The unit does not report for this programme.", "Use one of the programme's units."
    ),
    "quarter_not_computed": _kind(
        422, "The quarter's scores are not computed yet.", "POST …/compute first."
    ),
    "not_rateable": _kind(
        422, "The record cannot be rated in its state.", "Rate once it is concluded."
    ),
    "rated_by_callback": _kind(
        422,
        "A ticket is rated by its callback, not through POST /api/v1/ratings.",
        "Close the ticket with `satisfaction` (the `close` action): that is its rating.",
    ),
    "department_required": _kind(
        422,
        "A role that works within a department was given without `department_id`.",
        "Give `department_id` (GET /api/v1/departments lists them), or another role.",
    ),
    "document_not_served": _kind(
        422, "This kind of document is not served on a party.", "Serve the decision it goes with."
    ),
    "document_superseded": _kind(
        422,
        "A newer document superseded this one.",
        "Serve or correct the newest document (its `superseded_by`).",
    ),
    "already_served": _kind(
        409,
        "The document was served already.",
        "To change the service date or method, send `correction_reason` with the new facts.",
    ),
    "nothing_to_correct": _kind(
        422, "There is no service to correct yet.", "Record the service first."
    ),
    "invalid_correction": _kind(
        422,
        "The correction names fields the document does not have, or changes nothing.",
        "Send `corrections` with the document's own fields and their corrected text.",
    ),
    "not_correctable": _kind(
        422,
        "A 送达回证 is corrected by correcting the service it proves.",
        "POST …/service again with `correction_reason`.",
    ),
    "no_issuing_department": _kind(
        422,
        "The record has no department to issue its documents in.",
        "Dispatch or assign the record to a department first.",
    ),
    "unknown_document_kind": _kind(
        422, "No workflow declares a document of that kind.", "GET /api/v1/workflows lists them."
    ),
    "invalid_number_template": _kind(
        422,
        "A number template needs `{year}` and `{seq}`, and only the known fields.",
        "Write it like `{dept_abbr}综执罚〔{year}〕{seq}号`.",
    ),
    "invalid_template": _kind(
        422,
        "The document template is not valid Jinja2, or uses what the sandbox forbids.",
        "Fix the template's syntax; `detail` says where.",
    ),
    "template_failed": _kind(
        422,
        "The document template failed while rendering this record.",
        "Fix the template (or restore an earlier version) and act again.",
    ),
    "template_conflict": _kind(
        409, "Another version of the template was stored meanwhile.", "Reload and retry."
    ),
    # 429 / 500 / 503
    "rate_limited": _kind(
        429, "Too many requests, or too many failed sign-ins.", RETRY + " Sign-in locks pass."
    ),
    "internal_error": _kind(
        500,
        "An unexpected error on the server; nothing was changed.",
        "Retry; if it persists, give the administrators the `X-Request-ID` of the answer.",
    ),
    "http_error": _kind(
        400, "An HTTP-level error without a more specific code.", "Check the status and `detail`."
    ),
    "service_unavailable": _kind(
        503, "The database is not reachable right now; nothing was changed.", RETRY
    ),
    "storage_unavailable": _kind(
        503,
        "The file storage cannot be written right now; nothing was stored.",
        RETRY + " Administrators: check the storage folder or bucket.",
    ),
}

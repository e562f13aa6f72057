"""Control characters: refused on the way in, replaced on the way out.

PostgreSQL cannot store NUL in text, and XML 1.0 (so XLSX and Open311's XML) cannot
carry any C0 control character but tab, line feed and carriage return; a lone surrogate
is no character at all, and U+FFFE / U+FFFF are not allowed in XML either. One check runs
on every request before its handler — path and query parameters, JSON bodies (keys and
values, however deep) and form fields alike — so no text field can be forgotten, whatever
its type. Rows stored before the check existed are cleaned where they leave as XML/XLSX.
"""

import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


def without_control_characters(text: str) -> str:
    """``text`` with every character XML cannot carry replaced by U+FFFD."""
    return NOT_TEXT.sub(REPLACEMENT, text)


def _issue(loc: list[str | int], text: str) -> dict[str, Any] | None:
    found = NOT_TEXT.search(text)
    if found is None:
        return None
    return {
        "type": "control_character",
        # A key may be the offending text: named, but not echoed raw.
        "loc": tuple(without_control_characters(p) if isinstance(p, str) else p for p in loc),
        "msg": f"contains U+{ord(found.group()):04X}: text may not contain control "
        "characters other than tab, line feed and carriage return",
        "input": None,  # never echo the value: it may be personal data
    }


def _walk(value: Any, loc: list[str | int], issues: list[dict[str, Any]]) -> None:
    if isinstance(value, str):
        issue = _issue(loc, value)
        if issue:
            issues.append(issue)
    elif isinstance(value, dict):
        for key, item in value.items():
            key_issue = _issue([*loc, key], key)
            if key_issue:
                issues.append(key_issue)
            _walk(item, [*loc, key], issues)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, [*loc, index], issues)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def _body_issues(request: Request, issues: list[dict[str, Any]]) -> None:
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith(_FORM_TYPES):
        form = await request.form()  # already parsed (and cached) for routes taking a form
        for name, value in form.multi_items():
            # Uploaded files are bytes; their names are cleaned where they are stored.
            _walk(value, ["body", name], issues)
    elif _is_json(content_type) and await request.body():
        try:
            data = await request.json()  # cached: the route parsed it already
        except ValueError:
            return  # the route answers malformed JSON itself
        _walk(data, ["body"], issues)


async def refuse_control_characters(request: Request) -> None:
    """A 422 naming every parameter or field that holds a character text may not contain."""
    issues: list[dict[str, Any]] = []
    if request.path_params:
        _walk(dict(request.path_params), ["path"], issues)
    if request.scope["query_string"]:
        for name, value in request.query_params.multi_items():
            _walk({name: value}, ["query"], issues)
    if request.method not in _BODILESS:  # their routes read no body
        await _body_issues(request, issues)
    if issues:
        raise RequestValidationError(issues)

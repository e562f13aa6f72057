"""Jinja2's sandbox with limits on what a stored template may cost to render.

The sandbox stops a template reaching Python internals but not ``{{ 'a' * 10**8 }}``,
a nested loop over ``range(100000)`` or a macro calling itself twice per level: any of
them holds the worker (and the render lock after it) for minutes. Here every operator
that can grow a value, every call and every loop turn is counted or bounded, and the
output is cut at ``MAX_OUTPUT`` characters; past a limit the render stops with
``TemplateTooCostly``.
"""

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

MAX_ITEMS = 100_000  # characters of a string, items of a list, built by an operator or call
MAX_OUTPUT = 200_000  # characters of a rendered body: about 100 pages, laid out in seconds
MAX_STEPS = 200_000  # loop turns and calls, together, in one render
MAX_EXPONENT = 1_000
_LOOP_GUARD = "__govflow_loop_guard"
_WIDE_PRINTF = re.compile(r"%[^%a-zA-Z]*\d{6,}")


class TemplateTooCostly(jinja2.TemplateError):
    pass


_steps: ContextVar[list[int]] = ContextVar("template_steps")


def _step() -> None:
    counter = _steps.get(None)
    if counter is None:
        return
    counter[0] += 1
    if counter[0] > MAX_STEPS:
        raise TemplateTooCostly(f"more than {MAX_STEPS} loop turns and calls")


def _bounded(value: Any) -> Any:
    if isinstance(value, str | list | tuple | bytes) and len(value) > MAX_ITEMS:
        raise TemplateTooCostly(f"a value longer than {MAX_ITEMS} characters or items")
    return value


def _guard_loop(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        _step()
        yield item


def _limited(apply: Callable[..., Any]) -> Callable[..., Any]:
    """A filter counted as a step whose result is bounded (``center(10**8)``)."""

    @functools.wraps(apply)  # keeps Jinja's pass_context marks
    def limited(*args: Any, **kwargs: Any) -> Any:
        _step()
        return _bounded(apply(*args, **kwargs))

    return limited


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple | bytes) else None


def _check_binop(op: str, left: Any, right: Any) -> None:
    if op == "*":
        for sized, times in ((left, right), (right, left)):
            length = _size(sized)
            if length is not None and isinstance(times, int) and length * times > MAX_ITEMS:
                raise TemplateTooCostly(f"a value longer than {MAX_ITEMS} characters or items")
    elif op == "**":
        if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise TemplateTooCostly(f"an exponent over {MAX_EXPONENT}")
    elif op == "%" and isinstance(left, str) and _WIDE_PRINTF.search(left):
        raise TemplateTooCostly("a %-format wider than 99999")


class LimitedEnvironment(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals[_LOOP_GUARD] = _guard_loop
        self.filters = {name: _limited(apply) for name, apply in self.filters.items()}

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        try:
            return _bounded(super().call_binop(context, operator, left, right))
        except (ArithmeticError, MemoryError) as error:
            raise TemplateTooCostly(f"{operator}: {error}") from None

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _step()
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def guarded(self, body: str) -> jinja2.Template:
        """``body`` compiled with every ``for`` loop counting its turns."""
        tree = self.parse(body)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Call(nodes.Name(_LOOP_GUARD, "load"), [loop.iter], [], None, None)
        return self.from_string(tree)

    def render_limited(self, body: str, data: dict[str, Any]) -> str:
        token = _steps.set([0])
        try:
            size, parts = 0, []
            for part in self.guarded(body).generate(**data):
                size += len(part)
                if size > MAX_OUTPUT:
                    raise TemplateTooCostly(f"an output over {MAX_OUTPUT} characters")
                parts.append(part)
            return "".join(parts)
        except RecursionError:
            raise TemplateTooCostly("macros nested too deep") from None
        finally:
            _steps.reset(token)

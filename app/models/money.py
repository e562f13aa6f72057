"""Money columns: exact yuan with two decimals, never floating point.

PostgreSQL stores ``NUMERIC(12, 2)``. SQLite has no decimal type: a NUMERIC value with a
fraction is stored there as a binary float, so on SQLite the amount is kept as a whole
number of fen (分) instead. Either way Python sees a ``Decimal`` quantized to the fen,
and sums computed in SQL stay exact.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

FEN = Decimal("0.01")
FEN_PER_YUAN = 100


def to_yuan(value: Decimal | int | str) -> Decimal:
    """An amount quantized to the fen, half up."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


class Money(TypeDecorator[Decimal]):
    impl = Numeric(12, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(12, 2))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money is never a float: pass a Decimal")
        amount = to_yuan(value)
        if dialect.name == "sqlite":
            return int(amount * FEN_PER_YUAN)
        return amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return to_yuan(Decimal(value) / FEN_PER_YUAN)
        return to_yuan(value)

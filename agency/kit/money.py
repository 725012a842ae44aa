"""Money as integer minor units plus an ISO 4217 currency.

No floats anywhere money flows.  Conversions from major units go through ``Decimal``
and refuse more digits than the currency has; percentages round half-up, explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, list_currencies

_KNOWN = frozenset(list_currencies())


class MoneyError(ValueError):
    """A value that cannot be money: unknown currency, too many digits, mixed currencies."""


def check_currency(code: str) -> str:
    """Return ``code`` upper-cased if it is an ISO 4217 currency, else raise MoneyError."""
    upper = code.strip().upper()
    if len(upper) != 3 or upper not in _KNOWN:
        raise MoneyError(f"unknown currency {code!r}")
    return upper


def minor_digits(currency: str) -> int:
    """Number of minor-unit digits of ``currency``: 2 for USD, 0 for JPY, 3 for KWD."""
    return int(get_currency_precision(check_currency(currency)))


@dataclass(frozen=True, slots=True, order=False)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise MoneyError("minor units must be an integer")
        object.__setattr__(self, "currency", check_currency(self.currency))

    @classmethod
    def from_major(cls, amount: Decimal | str | int, currency: str) -> Money:
        """``Money.from_major("1234.56", "USD") == Money(123456, "USD")``.

        Refuses more decimal places than the currency has rather than rounding them away.
        """
        try:
            value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
        except InvalidOperation as exc:
            raise MoneyError(f"{amount!r} is not an amount") from exc
        if not value.is_finite():
            raise MoneyError(f"{amount!r} is not an amount")
        digits = minor_digits(currency)
        scaled = value.scaleb(digits)
        if scaled != scaled.to_integral_value():
            raise MoneyError(f"{amount} has more than {digits} decimal places for {currency}")
        return cls(int(scaled), currency)

    @property
    def major(self) -> Decimal:
        """The amount in major units, exact."""
        return Decimal(self.minor).scaleb(-minor_digits(self.currency))

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise MoneyError(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def percent(self, rate: Decimal) -> Money:
        """``rate`` percent of this amount, rounded half-up to the minor unit."""
        exact = Decimal(self.minor) * rate / Decimal(100)
        return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)), self.currency)

    def format(self, locale: str = "en_US") -> str:
        """Human form for screens: ``$1,234.56``, ``£12.00``, ``A$3.50``."""
        return str(format_currency(self.major, self.currency, locale=locale))

    def __str__(self) -> str:
        return self.format()

"""Money as integer minor units plus an ISO 4217 currency.

No floats anywhere money flows.  Conversions from major units go through ``Decimal``
and refuse more digits than the currency has; percentages round half-up, explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    list_currencies,
)

_KNOWN = frozenset(list_currencies())
# The largest amount anywhere (a balance bucket, a balance, a payment): less than a
# billion major units, 999,999,999.99 in dollars.  Sums of millions of such amounts stay
# far inside a 64-bit integer (the money columns), on SQLite's SUM() too.
MAX_WHOLE_DIGITS = 9
# The longest text read as an amount: "USD 999,999,999.999" is 19 characters.
MAX_AMOUNT_TEXT = 32


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


def max_minor(currency: str) -> int:
    """The largest amount in minor units of ``currency`` (99999999999 for USD)."""
    return int(10 ** (MAX_WHOLE_DIGITS + minor_digits(currency)) - 1)


def largest(currency: str) -> str:
    """The largest amount as text: ``999,999,999.99`` (USD), ``999,999,999`` (JPY)."""
    digits = minor_digits(currency)
    return f"{10**MAX_WHOLE_DIGITS - 1:,}" + ("." + "9" * digits if digits else "")


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

        Refuses more decimal places than the currency has rather than rounding them away,
        and amounts above ``largest(currency)`` (never a billion-digit integer).
        """
        if isinstance(amount, bool):
            raise MoneyError("true/false is not an amount")
        if isinstance(amount, Decimal | int):
            value = Decimal(amount)
        else:
            text = str(amount).strip()
            if len(text) > MAX_AMOUNT_TEXT:
                raise MoneyError(f"{text[:MAX_AMOUNT_TEXT]!r}… is too long to be an amount")
            try:
                value = Decimal(text)
            except InvalidOperation:
                raise MoneyError(f"{text!r} is not an amount") from None
        if not value.is_finite():
            raise MoneyError("an amount must be a finite number")
        if value.adjusted() >= MAX_WHOLE_DIGITS:  # checked unscaled: 1e1000000000 is short
            raise MoneyError(f"is more than {largest(currency)}, the largest amount accepted")
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
        """Human form for screens: ``$1,234.56``, ``£12.00``, ``A$3.50`` — Babel's, made
        by ``_formatter`` when it can."""
        fast = _formatter(self.currency, locale)
        if fast is not None:
            return fast(self.minor)
        return str(format_currency(self.major, self.currency, locale=locale))

    def __str__(self) -> str:
        return self.format()


# Amounts a formatter must write exactly as Babel does before it is used (minor units).
_PROBES = (0, 1, 7, 99, 100, 1_234, 123_456, 12_345_678, 123_456_789_012)


@lru_cache(maxsize=512)
def _formatter(currency: str, locale: str) -> Callable[[int], str] | None:
    """A formatter of minor units equal to Babel's ``format_currency`` for ``currency``
    in ``locale``, at a tenth of its cost (a message's variables format four amounts;
    a strategy batch composes hundreds of messages) — or None where the locale's pattern
    is not the plain kind (groups of three, a prefix and a suffix), or the formatter
    and Babel disagree on any probe, positive or negative: Babel then formats."""
    try:
        loc = Locale.parse(locale)
    except (ValueError, TypeError):
        return None
    pattern = loc.currency_formats["standard"]
    if pattern.exp_prec or "@" in pattern.pattern or "¤¤" in pattern.pattern:
        return None
    if pattern.grouping != (3, 3):
        return None
    digits = get_currency_precision(currency)
    group, point = get_group_symbol(loc), get_decimal_symbol(loc)
    symbol = get_currency_symbol(currency, loc)

    def affix(text: str) -> str:
        return re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", text.replace("¤", symbol))

    prefix = (affix(pattern.prefix[0]), affix(pattern.prefix[1]))
    suffix = (affix(pattern.suffix[0]), affix(pattern.suffix[1]))
    scale = 10**digits

    def fast(minor: int) -> str:
        negative = minor < 0
        whole, fraction = divmod(-minor if negative else minor, scale)
        number = f"{whole:,}".replace(",", group)
        if digits:
            number += point + f"{fraction:0{digits}d}"
        return prefix[negative] + number + suffix[negative]

    for probe in _PROBES:
        for minor in (probe, -probe):
            expected = format_currency(Decimal(minor).scaleb(-digits), currency, locale=loc)
            if fast(minor) != expected:
                return None
    return fast

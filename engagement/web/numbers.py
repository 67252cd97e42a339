"""Numbers as the pages show them and as their forms take them back."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def plain_decimal(value) -> Decimal | None:
    """`value` without the zeros its column pads it with: 12.5 rather than 12.5000."""
    try:
        return Decimal(format(Decimal(value).normalize(), "f"))
    except (TypeError, ValueError, InvalidOperation):
        return None


# Japanese names of the currencies a partnership is valued in; another code is shown as is.
CURRENCY_JA = {
    "JPY": "円",
    "USD": "米ドル",
    "EUR": "ユーロ",
    "SGD": "シンガポールドル",
    "MYR": "リンギット",
    "THB": "バーツ",
    "VND": "ドン",
    "IDR": "ルピア",
    "PHP": "フィリピンペソ",
}


def _grouped(n: float, decimals: int = 0) -> str:
    text = f"{n:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if decimals else text


def amount_ja(value: Decimal | float | int, currency: str, *, short: bool = False) -> str:
    """An amount as Japanese business documents write it: 4,000万円, 15億円, 1億5,000万円,
    41,234,567円; other currencies the same way with their Japanese name (1,500万米ドル).
    `short` rounds to 万 or to 0.1億 (charts, cards, totals)."""
    unit = CURRENCY_JA.get(currency, f" {currency}")
    v = float(value)
    sign, v = ("-" if v < 0 else ""), abs(v)
    if short:
        if v >= 1e8:
            return f"{sign}{_grouped(round(v / 1e8, 1), 1)}億{unit}"
        if v >= 1e4:
            return f"{sign}{_grouped(round(v / 1e4))}万{unit}"
        return f"{sign}{_grouped(round(v))}{unit}"
    whole = round(v)
    if whole != v or whole < 1e4 or whole % 10_000:
        return f"{sign}{v:,.0f}{unit}" if whole == v else f"{sign}{v:,.2f}{unit}"
    oku, man = divmod(whole // 10_000, 10_000)
    text = (f"{_grouped(oku)}億" if oku else "") + (f"{_grouped(man)}万" if man else "")
    return f"{sign}{text}{unit}"

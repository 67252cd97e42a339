"""Amounts as Japanese business documents write them."""

from decimal import Decimal

import pytest

from engagement.web.numbers import amount_ja


@pytest.mark.parametrize(
    ("value", "currency", "short", "text"),
    [
        (40_000_000, "JPY", False, "4,000万円"),
        (1_500_000_000, "JPY", False, "15億円"),
        (150_000_000, "JPY", False, "1億5,000万円"),
        (41_234_567, "JPY", False, "41,234,567円"),
        (9_800, "JPY", False, "9,800円"),
        (41_234_567, "JPY", True, "4,123万円"),
        (1_550_000_000, "JPY", True, "15.5億円"),
        (1_500_000_000, "JPY", True, "15億円"),
        (15_000_000, "USD", False, "1,500万米ドル"),
        (2_500.5, "USD", False, "2,500.50米ドル"),
        (-40_000_000, "JPY", False, "-4,000万円"),
        (50_000, "KRW", False, "5万 KRW"),
    ],
)
def test_an_amount_reads_as_japanese_business_writing(value, currency, short, text):
    assert amount_ja(value, currency, short=short) == text


def test_the_money_filter_writes_the_reader_s_language():
    from django.utils import translation

    from engagement.templatetags.crm import money

    with translation.override("en"):
        english = [money(Decimal("40000000.00"), "JPY"), money(None, "JPY")]
    with translation.override("ja"):
        japanese = [money(Decimal("40000000.00"), "JPY"), money(Decimal("2500.50"), "USD")]

    assert english == ["JPY 40,000,000", "—"]
    assert japanese == ["4,000万円", "2,500.50米ドル"]

from decimal import Decimal

from briefing.money import format_millions, millions, pence_from_millions, round_millions


def test_millions_to_pence_is_exact():
    assert pence_from_millions(211.083) == 21_108_300_000
    assert pence_from_millions(-0.015) == -1_500_000
    assert pence_from_millions(0.1) + pence_from_millions(0.2) == pence_from_millions(0.3)
    assert pence_from_millions(None) is None


def test_sum_of_many_small_amounts_does_not_drift():
    amounts = [0.1] * 10_000
    assert sum(pence_from_millions(a) for a in amounts) == 100_000_000_000
    assert sum(amounts) != 1000.0  # the float sum drifts; the pence sum above does not


def test_rounding_is_half_up_at_display_only():
    assert round_millions(pence_from_millions(7.25)) == Decimal("7.3")
    assert round_millions(pence_from_millions(-7.25)) == Decimal("-7.3")
    assert format_millions(pence_from_millions(7.15)) == "£7.2m"
    assert format_millions(pence_from_millions(-1.349)) == "-£1.3m"
    assert format_millions(pence_from_millions(2.4), sign=True) == "+£2.4m"
    assert format_millions(pence_from_millions(-0.04)) == "£0.0m"
    assert millions(150_000_000) == 1.5

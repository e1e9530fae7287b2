"""The monthly run goes out on the first Belgian working day: weekends and public holidays are skipped."""

from datetime import date

import pytest

from invoicing.services.calendar import first_working_day, monthly_run_due, next_monthly_run


@pytest.mark.parametrize(("year", "month", "expected"), [
    (2026, 6, date(2026, 6, 1)),  # a Monday
    (2026, 8, date(2026, 8, 3)),  # 1 August is a Saturday
    (2026, 11, date(2026, 11, 2)),  # 1 November: Sunday and All Saints
    (2026, 5, date(2026, 5, 4)),  # 1 May (Friday) is Labour Day, then the weekend
    (2027, 1, date(2027, 1, 4)),  # New Year on a Friday
    (2024, 4, date(2024, 4, 2)),  # 1 April 2024 was Easter Monday
    (2029, 1, date(2029, 1, 2)),  # New Year on a Monday
])
def test_first_working_day_skips_weekends_and_belgian_holidays(year, month, expected):
    assert first_working_day(year, month) == expected


def test_the_run_is_due_from_the_first_working_day_on_and_invoices_the_month_before():
    assert monthly_run_due(date(2026, 11, 1)) is None
    assert monthly_run_due(date(2026, 11, 2)) == date(2026, 10, 1)
    assert monthly_run_due(date(2026, 11, 24)) == date(2026, 10, 1)  # a beat that was down catches up
    assert monthly_run_due(date(2027, 1, 4)) == date(2026, 12, 1)  # over the year's end
    assert monthly_run_due(date(2027, 1, 3)) is None


def test_next_run_day():
    assert next_monthly_run(date(2026, 10, 31)) == date(2026, 11, 2)
    assert next_monthly_run(date(2026, 11, 2)) == date(2026, 11, 2)
    assert next_monthly_run(date(2026, 11, 3)) == date(2026, 12, 1)
    assert next_monthly_run(date(2026, 12, 15)) == date(2027, 1, 4)

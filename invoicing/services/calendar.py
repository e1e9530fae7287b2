"""Belgian working days: the monthly billing run goes out on the first working day of the month.

Weekends and Belgian public holidays (the `holidays` package: New Year, Easter Monday, 1 May, Ascension, Whit
Monday, 21 July, 15 August, 1 and 11 November, Christmas) are not working days.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _belgian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("BE", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _belgian_holidays(day.year)


def first_working_day(year: int, month: int) -> date:
    day = date(year, month, 1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    """The first day of the month before `day`'s month."""
    return (month_start(day) - timedelta(days=1)).replace(day=1)


def month_end(period: date) -> date:
    """The last day of the month that starts on `period`."""
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def monthly_run_due(today: date) -> date | None:
    """The month to invoice when the monthly run is due on `today` (from the first working day of the month
    on, so a beat that was down that day catches up the next), else None."""
    if today < first_working_day(today.year, today.month):
        return None
    return previous_month(today)


def next_monthly_run(today: date) -> date:
    """The day the next monthly run is due (today when it is due today)."""
    this_month = first_working_day(today.year, today.month)
    if today <= this_month:
        return this_month
    following = month_end(month_start(today)) + timedelta(days=1)
    return first_working_day(following.year, following.month)

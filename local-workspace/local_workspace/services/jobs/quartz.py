"""Quartz cron expressions, as job schedules use them: `sec min hour day-of-month month day-of-week [year]`.

Supported in each field: `*`, `?`, numbers, names (JAN-DEC, SUN-SAT), ranges `a-b`, steps `*/n`,
`a/n`, `a-b/n` and lists. Quartz's day of week runs 1-7 from SUNDAY (unlike Unix cron's 0-6),
which is why croniter is not used. `L`, `W` and `#` are refused with a clear error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
# (name, low, high, names numbered from `low`)
FIELDS = [("seconds", 0, 59, None), ("minutes", 0, 59, None), ("hours", 0, 23, None),
          ("day-of-month", 1, 31, None), ("month", 1, 12, MONTHS), ("day-of-week", 1, 7, DAYS),
          ("year", 1970, 2199, None)]


class QuartzError(ValueError):
    """An expression this parser cannot read."""


def _value(text: str, name: str, low: int, high: int, names: list[str] | None) -> int:
    upper = text.upper()
    if names and upper in names:
        return names.index(upper) + low
    if not text.isdigit():
        raise QuartzError(f"'{text}' is not a valid {name} value")
    number = int(text)
    if not low <= number <= high:
        raise QuartzError(f"{name} value {number} is outside {low}-{high}")
    return number


def parse_field(text: str, index: int) -> set[int] | None:
    """The values a field allows; None for `*` or `?` (any value)."""
    name, low, high, names = FIELDS[index]
    if text in ("*", "?"):
        if text == "?" and name not in ("day-of-month", "day-of-week"):
            raise QuartzError(f"'?' is allowed only in day-of-month or day-of-week, not in {name}")
        return None
    if any(c in text.upper() for c in "LW#") and not (names and any(n in text.upper() for n in names)):
        raise QuartzError(f"{name} '{text}': L, W and # are not supported by this local workspace")
    allowed: set[int] = set()
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise QuartzError(f"{name} '{part}': the step must be a positive number")
        if span == "*":
            first, last = low, high
        elif "-" in span:
            a, b = span.split("-", 1)
            first, last = _value(a, name, low, high, names), _value(b, name, low, high, names)
        else:
            first = _value(span, name, low, high, names)
            last = high if step else first
        values = range(first, last + 1) if first <= last else [*range(first, high + 1), *range(low, last + 1)]
        allowed.update(list(values)[::step or 1])
    return allowed


class QuartzCron:
    def __init__(self, expression: str):
        parts = expression.split()
        if len(parts) not in (6, 7):
            raise QuartzError(f"expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week "
                              f"[year]), found {len(parts)}")
        self.expression = expression
        self.fields = [parse_field(text, i) for i, text in enumerate(parts)]
        if (parts[3] == "?") == (parts[5] == "?"):
            raise QuartzError("use '?' in exactly one of day-of-month and day-of-week")

    def _allows(self, index: int, value: int) -> bool:
        return self.fields[index] is None or value in self.fields[index]

    def _day_matches(self, day: datetime) -> bool:
        quartz_weekday = (day.isoweekday() % 7) + 1  # SUN=1 ... SAT=7
        return (self._allows(3, day.day) and self._allows(5, quartz_weekday) and self._allows(4, day.month)
                and (len(self.fields) < 7 or self._allows(6, day.year)))

    def next_after(self, after: datetime, zone: str) -> datetime | None:
        """The first time strictly after `after` (aware) that the expression fires, in zone; None if never."""
        local = after.astimezone(ZoneInfo(zone)).replace(microsecond=0, tzinfo=None) + timedelta(seconds=1)
        limit = local + timedelta(days=366 * 5)
        while local < limit:
            if not self._day_matches(local):
                local = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0)
            elif not self._allows(2, local.hour):
                local = (local + timedelta(hours=1)).replace(minute=0, second=0)
            elif not self._allows(1, local.minute):
                local = (local + timedelta(minutes=1)).replace(second=0)
            elif not self._allows(0, local.second):
                local += timedelta(seconds=1)
            else:
                return local.replace(tzinfo=ZoneInfo(zone))
        return None

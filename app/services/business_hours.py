"""Due-time arithmetic for SLA targets: business hours (a department's time zone, weekly opening
hours and holidays) or calendar hours (every second counts).

Pure functions of their arguments, no database: ``add(start, seconds)`` is the instant at which
``seconds`` of open time have passed since ``start``; ``elapsed(start, end)`` is how much open
time lies between two instants. Opening hours are wall-clock times in the calendar's zone, so a
09:00-17:00 day is eight real hours on the days clocks change too, and a day open around the
clock (00:00-24:00) is 23 or 25 real hours on them. A time that does not exist on the day the
clocks go forward is read as the zone's offset before the change (``fold=0``, as ``zoneinfo``
does); every length is measured between real (UTC) instants.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from app.i18n import Msg

MINUTES_PER_DAY = 24 * 60
MAX_DAYS = 2 * 366
"""How far ahead ``add`` looks for open time: a target spanning more than two years of
holidays is refused rather than looped over."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)|24:00")


class Hours(Protocol):
    """Either kind of clock: business hours or calendar hours."""

    def add(self, start: datetime, seconds: float) -> datetime: ...

    def elapsed(self, start: datetime, end: datetime) -> float: ...


class CalendarHours:
    """Every second counts (a target in calendar hours)."""

    def add(self, start: datetime, seconds: float) -> datetime:
        # In UTC: Python adds to an aware time in wall-clock terms within its own zone.
        return start.astimezone(UTC) + timedelta(seconds=max(seconds, 0))

    def elapsed(self, start: datetime, end: datetime) -> float:
        return max((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds(), 0.0)


CALENDAR = CalendarHours()


class NoOpenTime(ValueError):
    """The calendar has no open time in reach (no weekly hours, or holidays all the way)."""


@dataclass(frozen=True)
class BusinessHours:
    """``weekly[d]``: the open windows of weekday ``d`` (0 = Monday) as (start, end) minutes
    after local midnight, 0 <= start < end <= 1440, sorted and not overlapping."""

    zone: ZoneInfo
    weekly: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly hours need seven days")
        for windows in self.weekly:
            last = -1
            for start, end in windows:
                if not (0 <= start < end <= MINUTES_PER_DAY) or start < last:
                    raise ValueError(f"bad opening hours {windows!r}")
                last = end

    def _local(self, day: date, minute: int) -> datetime:
        if minute >= MINUTES_PER_DAY:
            day, minute = day + timedelta(days=1), minute - MINUTES_PER_DAY
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone)

    def windows(self, first_day: date, days: int) -> Iterator[tuple[datetime, datetime]]:
        """The open windows (UTC) of ``days`` local days from ``first_day``, in order."""
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            if day in self.holidays:
                continue
            for start, end in self.weekly[day.weekday()]:
                yield (
                    self._local(day, start).astimezone(UTC),
                    self._local(day, end).astimezone(UTC),
                )

    def add(self, start: datetime, seconds: float) -> datetime:
        start = start.astimezone(UTC)
        if seconds <= 0:
            return start
        remaining = float(seconds)
        first_day = start.astimezone(self.zone).date() - timedelta(days=1)
        for opens, closes in self.windows(first_day, MAX_DAYS):
            if closes <= start:
                continue
            begin = max(opens, start)
            available = (closes - begin).total_seconds()
            if remaining <= available:
                return begin + timedelta(seconds=remaining)
            remaining -= available
        raise NoOpenTime("no open time in reach: check the opening hours and holidays")

    def elapsed(self, start: datetime, end: datetime) -> float:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return 0.0
        first_day = start.astimezone(self.zone).date() - timedelta(days=1)
        days = (end.astimezone(self.zone).date() - first_day).days + 2
        total = 0.0
        for opens, closes in self.windows(first_day, days):
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += (finish - begin).total_seconds()
        return total


# Reading and checking what admins enter -----------------------------------------------------


def parse_minute(text: str) -> int:
    """``"09:30"`` -> 570; ``"24:00"`` (the end of a day) -> 1440. ValueError otherwise."""
    if not _HHMM.fullmatch(text or ""):
        raise ValueError(Msg("{text} is not a time as HH:MM.", text=repr(text)))
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


_HOST_SPECIFIC = frozenset({"localtime", "Factory", "posixrules"})
"""Files some hosts' zone databases hold that name no real zone (the host's own setting, a
placeholder): not accepted, so a calendar means the same on every machine."""


def _canonical(name: str) -> bool:
    return (
        name not in _HOST_SPECIFIC
        and not name.startswith(("posix/", "right/"))
        and name in available_timezones()
    )


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError when there is none such."""
    if not name or not _canonical(name):
        raise ValueError(
            Msg("{name} is not a time zone (use an IANA name like Europe/Berlin).", name=repr(name))
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(Msg("{name} is not a time zone.", name=repr(name))) from exc


def weekly_from(windows: Iterable[tuple[int, int, int]]) -> tuple[tuple[tuple[int, int], ...], ...]:
    """(weekday 0-6, start minute, end minute) triples as ``BusinessHours.weekly``; ValueError
    for a window that ends before it starts or overlaps another of its day."""
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for weekday, start, end in windows:
        if not 0 <= weekday <= 6:
            raise ValueError(Msg("The weekday must be 1 (Monday) to 7 (Sunday)."))
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise ValueError(
                Msg(
                    "{day} {opens}-{closes}: a window must close after it opens, within the day.",
                    day=WEEKDAYS[weekday],
                    opens=format_minute(start),
                    closes=format_minute(end),
                )
            )
        days[weekday].append((start, end))
    for weekday, day in enumerate(days):
        day.sort()
        for (_, end), (start, _) in pairwise(day):
            if start < end:
                raise ValueError(Msg("{day}: windows overlap.", day=WEEKDAYS[weekday]))
    if not any(days):
        raise ValueError(Msg("Open at least one window a week."))
    return tuple(tuple(day) for day in days)


def to_json(weekly: Sequence[Sequence[tuple[int, int]]]) -> dict[str, list[list[str]]]:
    return {
        WEEKDAYS[d]: [[format_minute(s), format_minute(e)] for s, e in weekly[d]]
        for d in range(7)
        if weekly[d]
    }


def from_json(
    data: Mapping[str, Sequence[Sequence[str]]],
) -> tuple[tuple[tuple[int, int], ...], ...]:
    return weekly_from(
        (WEEKDAYS.index(day), parse_minute(start), parse_minute(end))
        for day, spans in data.items()
        for start, end in spans
    )

"""The due-time arithmetic, as tables: each row a start, a target and the due time a person
would work out with a calendar in hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.services.business_hours import (
    CALENDAR,
    BusinessHours,
    NoOpenTime,
    from_json,
    parse_minute,
    to_json,
    weekly_from,
    zone,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = 3600

NINE_TO_FIVE = from_json({d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
SPLIT_DAY = from_json(
    {d: [["08:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
)
AROUND_THE_CLOCK = from_json(
    {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)


def local(tz: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=tz)  # type: ignore[misc]


# 2026-03-02 is a Monday. Berlin goes to summer time on Sunday 2026-03-29 (02:00 -> 03:00) and
# back on Sunday 2026-10-25 (03:00 -> 02:00); New York on 2026-03-08 and 2026-11-01.
ADD_CASES = [
    # (name, zone, weekly, holidays, start, seconds, due)
    (
        "inside hours, same day",
        BERLIN,
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 2, 10, 0),
        4 * H,
        local(BERLIN, 2026, 3, 2, 14, 0),
    ),
    (
        "spans the night",
        BERLIN,
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 2, 15, 0),
        4 * H,
        local(BERLIN, 2026, 3, 3, 11, 0),
    ),
    (
        "ends exactly at closing",
        BERLIN,
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 2, 9, 0),
        8 * H,
        local(BERLIN, 2026, 3, 2, 17, 0),
    ),
    (
        "opened before hours",
        BERLIN,
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 2, 6, 30),
        1 * H,
        local(BERLIN, 2026, 3, 2, 10, 0),
    ),
    (
        "opened after hours",
        BERLIN,
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 2, 20, 0),
        1 * H,
        local(BERLIN, 2026, 3, 3, 10, 0),
    ),
    (
        "opened on Friday evening: Monday",
        BERLIN,
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 6, 18, 0),
        2 * H,
        local(BERLIN, 2026, 3, 9, 11, 0),
    ),
    (
        "opened on Saturday",
        BERLIN,
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 7, 12, 0),
        30 * 60,
        local(BERLIN, 2026, 3, 9, 9, 30),
    ),
    (
        "spans the weekend",
        BERLIN,
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 6, 16, 0),
        2 * H,
        local(BERLIN, 2026, 3, 9, 10, 0),
    ),
    (
        "spans several days",
        BERLIN,
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 2, 9, 0),
        24 * H,
        local(BERLIN, 2026, 3, 4, 17, 0),
    ),
    (
        "a week of business hours",
        BERLIN,
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 2, 12, 0),
        40 * H,
        local(BERLIN, 2026, 3, 9, 12, 0),
    ),
    (
        "holiday skipped",
        BERLIN,
        NINE_TO_FIVE,
        (date(2026, 3, 3),),
        local(BERLIN, 2026, 3, 2, 16, 0),
        2 * H,
        local(BERLIN, 2026, 3, 4, 10, 0),
    ),
    (
        "opened on a holiday",
        BERLIN,
        NINE_TO_FIVE,
        (date(2026, 3, 2),),
        local(BERLIN, 2026, 3, 2, 10, 0),
        H,
        local(BERLIN, 2026, 3, 3, 10, 0),
    ),
    (
        "holiday before a weekend",
        BERLIN,
        NINE_TO_FIVE,
        (date(2026, 3, 6),),
        local(BERLIN, 2026, 3, 5, 16, 0),
        2 * H,
        local(BERLIN, 2026, 3, 9, 10, 0),
    ),
    (
        "lunch break",
        BERLIN,
        SPLIT_DAY,
        (),
        local(BERLIN, 2026, 3, 2, 11, 0),
        2 * H,
        local(BERLIN, 2026, 3, 2, 14, 0),
    ),
    (
        "opened during lunch",
        BERLIN,
        SPLIT_DAY,
        (),
        local(BERLIN, 2026, 3, 2, 12, 30),
        H,
        local(BERLIN, 2026, 3, 2, 14, 0),
    ),
    (
        "spring forward: business day unchanged",
        BERLIN,
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 27, 16, 0),
        2 * H,
        local(BERLIN, 2026, 3, 30, 10, 0),
    ),
    (
        "spring forward: the short Sunday",
        BERLIN,
        AROUND_THE_CLOCK,
        (),
        local(BERLIN, 2026, 3, 29, 0, 0),
        24 * H,
        local(BERLIN, 2026, 3, 30, 1, 0),
    ),
    (
        "fall back: the long Sunday",
        BERLIN,
        AROUND_THE_CLOCK,
        (),
        local(BERLIN, 2026, 10, 25, 0, 0),
        24 * H,
        local(BERLIN, 2026, 10, 25, 23, 0),
    ),
    (
        "fall back in New York",
        NEW_YORK,
        NINE_TO_FIVE,
        (),
        local(NEW_YORK, 2026, 10, 30, 16, 0),
        2 * H,
        local(NEW_YORK, 2026, 11, 2, 10, 0),
    ),
    (
        "start given in UTC, zone elsewhere",
        NEW_YORK,
        NINE_TO_FIVE,
        (),
        datetime(2026, 3, 2, 13, 0, tzinfo=UTC),
        H,
        local(NEW_YORK, 2026, 3, 2, 10, 0),
    ),
    (
        "zero target is the start itself",
        BERLIN,
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 7, 12, 0),
        0,
        local(BERLIN, 2026, 3, 7, 12, 0),
    ),
]


@pytest.mark.parametrize(
    ("tz", "weekly", "holidays", "start", "seconds", "due"),
    [case[1:] for case in ADD_CASES],
    ids=[case[0] for case in ADD_CASES],
)
def test_due_time(tz, weekly, holidays, start, seconds, due) -> None:
    hours = BusinessHours(zone=tz, weekly=weekly, holidays=frozenset(holidays))
    got = hours.add(start, seconds)
    assert got == due, f"{got.astimezone(tz)} != {due}"
    # and back: exactly the target's open time lies between the start and the due time
    assert hours.elapsed(start, got) == pytest.approx(seconds)


ELAPSED_CASES = [
    (
        "inside one day",
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 2, 10),
        local(BERLIN, 2026, 3, 2, 12),
        2 * H,
    ),
    (
        "over a night",
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 2, 16),
        local(BERLIN, 2026, 3, 3, 10),
        2 * H,
    ),
    (
        "over a weekend",
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 6, 16),
        local(BERLIN, 2026, 3, 9, 10),
        2 * H,
    ),
    (
        "all outside hours",
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 7, 8),
        local(BERLIN, 2026, 3, 8, 20),
        0,
    ),
    (
        "a holiday counts nothing",
        NINE_TO_FIVE,
        (date(2026, 3, 3),),
        local(BERLIN, 2026, 3, 3, 8),
        local(BERLIN, 2026, 3, 3, 20),
        0,
    ),
    (
        "end before start",
        NINE_TO_FIVE,
        (),
        local(BERLIN, 2026, 3, 2, 12),
        local(BERLIN, 2026, 3, 2, 10),
        0,
    ),
    (
        "the long Sunday is 25 hours",
        AROUND_THE_CLOCK,
        (),
        local(BERLIN, 2026, 10, 25, 0),
        local(BERLIN, 2026, 10, 26, 0),
        25 * H,
    ),
]


@pytest.mark.parametrize(
    ("weekly", "holidays", "start", "end", "seconds"),
    [case[1:] for case in ELAPSED_CASES],
    ids=[case[0] for case in ELAPSED_CASES],
)
def test_elapsed(weekly, holidays, start, end, seconds) -> None:
    hours = BusinessHours(zone=BERLIN, weekly=weekly, holidays=frozenset(holidays))
    assert hours.elapsed(start, end) == seconds


def test_calendar_hours_count_every_second_nights_weekends_and_clock_changes() -> None:
    start = local(BERLIN, 2026, 3, 28, 22, 0)  # Saturday night before spring forward
    assert CALENDAR.add(start, 4 * H) == start.astimezone(UTC) + timedelta(hours=4)
    assert CALENDAR.add(start, 4 * H).astimezone(BERLIN).hour == 3  # 02:00 does not exist
    # two calendar days later on the wall clock are 47 real hours: the night lost one
    assert CALENDAR.elapsed(start, start + timedelta(days=2)) == 47 * H


def test_no_open_time_is_refused_not_looped() -> None:
    only_monday = weekly_from([(0, 540, 600)])
    every_monday = {date(2026, 3, 2) + timedelta(weeks=w) for w in range(200)}
    hours = BusinessHours(zone=BERLIN, weekly=only_monday, holidays=frozenset(every_monday))
    with pytest.raises(NoOpenTime):
        hours.add(local(BERLIN, 2026, 3, 1, 12), H)


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ([(0, 600, 540)], "close after it opens"),
        ([(0, 540, 720), (0, 700, 800)], "overlap"),
        ([], "at least one window"),
        ([(7, 540, 600)], "weekday"),
    ],
)
def test_bad_hours_are_refused(windows, message) -> None:
    with pytest.raises(ValueError, match=message):
        weekly_from(windows)


def test_times_and_zones_are_read_strictly() -> None:
    assert parse_minute("24:00") == 1440
    assert parse_minute("09:30") == 570
    for bad in ("9:30", "24:01", "12:60", "noon", ""):
        with pytest.raises(ValueError):
            parse_minute(bad)
    assert zone("Europe/Berlin") == BERLIN
    for bad in ("Mars/Olympus", "", "../etc/passwd", "localtime", "Factory", "posixrules"):
        with pytest.raises(ValueError):
            zone(bad)
    assert from_json(to_json(SPLIT_DAY)) == SPLIT_DAY

"""Reports: each kind is one function answering a table (columns and labelled rows of numbers)
from SQL aggregates, on PostgreSQL and SQLite alike (the same numbers for the same data).

Adding a kind is adding one function ``async def _kind(q: ReportQuery) -> Table`` and one
``KINDS`` entry; ``report`` checks access and input once for all of them.

Times are whole seconds (both databases truncate the same way); periods are UTC days, ISO weeks
(Monday) and months; busiest hours count in the department's business-hours time zone, or UTC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections

from app.auth import policy
from app.auth.actor import Actor
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.i18n import Msg, Translator, translate
from app.infra.clock import now
from app.models import BusinessCalendar, Department, TicketStatus, User
from app.services.search_query import Sql

MAX_SPAN = timedelta(days=731)
"""The longest span a report covers (two years)."""

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
"""Reports cover dates in this range (periods near year 9999 would overflow)."""

SQLITE_ROWS = 200_000
"""SQLite computes percentiles from the ordered durations themselves: at most this many."""


class ReportKind(str, Enum):
    TICKET_VOLUME = "ticket_volume"
    BACKLOG = "backlog"
    RESPONSE_TIMES = "response_times"
    SLA_COMPLIANCE = "sla_compliance"
    BUSIEST_HOURS = "busiest_hours"
    SATISFACTION = "satisfaction"


class Granularity(str, Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Unit(str, Enum):
    COUNT = "count"
    SECONDS = "seconds"
    PERCENT = "percent"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: Unit


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    values: tuple[float | None, ...]
    group: str | None = None


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    timezone: str = "UTC"


@dataclass(frozen=True)
class ReportQuery:
    kind: ReportKind
    start: datetime
    end: datetime
    granularity: Granularity
    department_id: int | None
    departments: list[int] | None
    """The departments covered (None: every one)."""

    @property
    def postgres(self) -> bool:
        return connections.get("default").capabilities.dialect == "postgres"


@dataclass(frozen=True)
class Report:
    query: ReportQuery
    table: Table


async def report(
    *,
    actor: Actor | None,
    kind: ReportKind,
    start: datetime,
    end: datetime,
    department_id: int | None = None,
    granularity: Granularity | None = None,
) -> Report:
    actor = policy.require_user(actor)
    if not policy.sees_reports(actor):
        raise PermissionDenied("Reports are for staff.")
    start, end = _utc(start), _utc(end)
    if end <= start:
        raise ValidationFailed.single("to", "The end must be after the start.")
    if end - start > MAX_SPAN:
        raise ValidationFailed.single("to", "A report covers at most two years.")
    for name, moment in (("from", start), ("to", end)):
        if not EARLIEST <= moment <= LATEST:
            raise ValidationFailed.single(name, "Give a date between 1970 and 2999.")
    if department_id is not None:
        visible = Department.filter(policy.department_scope(actor), id=department_id)
        if not await visible.exists():
            raise NotFound("Department was not found.", field="departmentId")
        departments: list[int] | None = [department_id]
    else:
        departments = policy.report_departments(actor)
    q = ReportQuery(kind, start, end, granularity or Granularity.DAY, department_id, departments)
    return Report(q, await KINDS[kind](q))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# SQL pieces (both dialects) -------------------------------------------------------------------


def _departments(sql: Sql, q: ReportQuery, column: str = "department_id") -> str:
    if q.departments is None:
        return ""
    if not q.departments:
        return " AND 1 = 0"
    return f" AND {column} IN ({sql.many(q.departments)})"


def _within(sql: Sql, q: ReportQuery, column: str) -> str:
    return f"{column} >= {sql.p(q.start)} AND {column} < {sql.p(q.end)}"


def _period(q: ReportQuery, column: str) -> str:
    """The start (YYYY-MM-DD) of the UTC period holding ``column``."""
    if q.postgres:
        unit = q.granularity.value
        return f"to_char(date_trunc('{unit}', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
    if q.granularity is Granularity.DAY:
        return f"date({column})"
    if q.granularity is Granularity.WEEK:
        return f"date({column}, 'weekday 0', '-6 days')"
    return f"strftime('%Y-%m-01', {column})"


def _epoch(q: ReportQuery, column: str) -> str:
    """Whole seconds since 1970 (fractions dropped, as SQLite's strftime does)."""
    if q.postgres:
        return f"CAST(extract(epoch FROM date_trunc('second', {column})) AS bigint)"
    return f"CAST(strftime('%s', {column}) AS integer)"


async def _rows(sql: Sql, text: str) -> list[Any]:
    _, rows = await connections.get("default").execute_query(text, sql.params)
    return list(rows)


def _periods(q: ReportQuery) -> list[tuple[str, datetime, datetime]]:
    """(key, start, end) of each period overlapping the span; the last ends at the span's end."""
    first = q.start.replace(hour=0, minute=0, second=0, microsecond=0)
    if q.granularity is Granularity.WEEK:
        first -= timedelta(days=first.weekday())
    elif q.granularity is Granularity.MONTH:
        first = first.replace(day=1)
    periods = []
    at = first
    while at < q.end:
        if q.granularity is Granularity.MONTH:
            following = (at + timedelta(days=32)).replace(day=1)
        else:
            following = at + timedelta(days=7 if q.granularity is Granularity.WEEK else 1)
        periods.append((at.date().isoformat(), at, min(following, q.end)))
        at = following
    return periods


# The kinds ------------------------------------------------------------------------------------


async def _ticket_volume(q: ReportQuery) -> Table:
    """Tickets opened (created) and closed (closed_at, the last close) in each period."""
    sql = Sql("postgres" if q.postgres else "sqlite")
    text = (
        f"SELECT k, SUM(o), SUM(c) FROM ("
        f"SELECT {_period(q, 'created_at')} AS k, 1 AS o, 0 AS c FROM tickets "
        f"WHERE {_within(sql, q, 'created_at')}{_departments(sql, q)} UNION ALL "
        f"SELECT {_period(q, 'closed_at')}, 0, 1 FROM tickets "
        f"WHERE {_within(sql, q, 'closed_at')}{_departments(sql, q)}) x GROUP BY k"
    )
    counts = {row[0]: (int(row[1]), int(row[2])) for row in await _rows(sql, text)}
    return Table(
        columns=(
            Column("opened", Msg("Opened"), Unit.COUNT),
            Column("closed", Msg("Closed"), Unit.COUNT),
        ),
        rows=tuple(
            Row(key, key, tuple(float(n) for n in counts.get(key, (0, 0))))
            for key, _, _ in _periods(q)
        ),
    )


BACKLOG_STATUSES = tuple(s for s in TicketStatus if s is not TicketStatus.CLOSED)
STATUS_LABELS = {
    TicketStatus.OPEN: Msg("Open"),
    TicketStatus.ANSWERED: Msg("Answered"),
    TicketStatus.CUSTOMER_REPLY: Msg("Customer Reply"),
    TicketStatus.IN_PROGRESS: Msg("In Progress"),
    TicketStatus.ON_HOLD: Msg("On Hold"),
}


async def _backlog(q: ReportQuery) -> Table:
    """Tickets in each status other than Closed at the end of each period: today's counts
    minus the changes (creations, status changes in the audit trail) made since."""
    periods = _periods(q)
    sql = Sql("postgres" if q.postgres else "sqlite")
    open_now = sql.many([s.value for s in BACKLOG_STATUSES])  # Closed ones need not be read
    current = await _rows(
        sql,
        f"SELECT status, COUNT(*) FROM tickets WHERE status IN ({open_now})"
        f"{_departments(sql, q)} GROUP BY 1",
    )
    since = periods[0][2]
    sql = Sql("postgres" if q.postgres else "sqlite")

    def key(column: str) -> str:
        return f"CASE WHEN {column} >= {sql.p(q.end)} THEN 'after' ELSE {_period(q, column)} END"

    text = f"SELECT k, o, n, COUNT(*) FROM (SELECT {key('created_at')} AS k, "
    text += "CAST(NULL AS varchar(255)) AS o, 'OPEN' AS n FROM tickets "
    text += f"WHERE created_at >= {sql.p(since)}{_departments(sql, q)} UNION ALL "
    text += f"SELECT {key('a.created_at')}, a.old_value, a.new_value FROM audit_entries a "
    if q.departments is not None:  # every department: no need to read the tickets
        text += "JOIN tickets t ON t.id = a.ticket_id "
    text += f"WHERE a.field = 'status' AND a.created_at >= {sql.p(since)}"
    text += _departments(sql, q, "t.department_id")
    text += ") x GROUP BY k, o, n"
    later: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    statuses = TicketStatus.__members__  # the audit trail writes a status by its name
    for k, old, new, n in await _rows(sql, text):
        if old in statuses:
            later[k][statuses[old].value] -= int(n)
        if new in statuses:
            later[k][statuses[new].value] += int(n)
    counts: dict[str, int] = defaultdict(int, {row[0]: int(row[1]) for row in current})
    for status, n in later["after"].items():
        counts[status] -= n
    rows = []
    for index in range(len(periods) - 1, -1, -1):
        key_, _, _ = periods[index]
        values = tuple(float(counts[s.value]) for s in BACKLOG_STATUSES)
        rows.append(Row(key_, key_, values))
        for status, n in later[key_].items():
            counts[status] -= n
    return Table(
        columns=tuple(Column(s.value, STATUS_LABELS[s], Unit.COUNT) for s in BACKLOG_STATUSES),
        rows=tuple(reversed(rows)),
    )


def percentile(ordered: Sequence[float], share: float) -> float:
    """PostgreSQL's percentile_cont: linear between the two nearest ranks."""
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


Group = tuple[str, int | None]
Figures = tuple[float | None, float | None, int]
DONE = ("first_response_at", "closed_at")


def _figures(ordered: Sequence[float]) -> Figures:
    if not ordered:
        return None, None, 0
    return round(percentile(ordered, 0.5), 1), round(percentile(ordered, 0.9), 1), len(ordered)


async def _durations(q: ReportQuery) -> dict[Group, tuple[Figures, Figures]]:
    """Per department and per assignee (None: unassigned): median, p90 and count of the
    first response times (of tickets first answered in the span) and of the resolution times
    (of tickets closed in it), in whole seconds since creation; one pass over the tickets."""
    sql = Sql("postgres" if q.postgres else "sqlite")
    created = _epoch(q, "created_at")
    measured = [
        f"CASE WHEN {_within(sql, q, done)} THEN {_epoch(q, done)} - {created} END" for done in DONE
    ]
    either = " OR ".join(f"({_within(sql, q, done)})" for done in DONE)
    inner = (
        f"SELECT department_id, assignee_id, {measured[0]} AS f, {measured[1]} AS r "
        f"FROM tickets WHERE ({either}){_departments(sql, q)}"
    )
    found: dict[Group, tuple[Figures, Figures]] = {}
    if q.postgres:
        aggregates = ", ".join(
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {c}), "
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {c}), COUNT({c})"
            for c in ("f", "r")
        )
        text = (
            f"SELECT GROUPING(department_id), department_id, assignee_id, {aggregates} "
            f"FROM ({inner}) x GROUP BY GROUPING SETS ((department_id), (assignee_id))"
        )
        for by_staff, dept, staff, *numbers in await _rows(sql, text):
            group = ("staff", staff) if by_staff else ("department", dept)
            pairs = [
                (
                    None if numbers[i] is None else round(float(numbers[i]), 1),
                    None if numbers[i + 1] is None else round(float(numbers[i + 1]), 1),
                    int(numbers[i + 2]),
                )
                for i in (0, 3)
            ]
            found[group] = (pairs[0], pairs[1])
        return found
    rows = await _rows(sql, f"{inner} LIMIT {SQLITE_ROWS + 1}")
    if len(rows) > SQLITE_ROWS:
        raise ValidationFailed.single("from", "Too many tickets for this span; narrow it.")
    groups: dict[Group, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for dept, staff, first, resolved in rows:
        for group in (("department", dept), ("staff", staff)):
            for index, seconds in enumerate((first, resolved)):
                if seconds is not None:
                    groups[group][index].append(float(seconds))
    for group, (firsts, resolutions) in groups.items():
        found[group] = (_figures(sorted(firsts)), _figures(sorted(resolutions)))
    return found


async def _response_times(q: ReportQuery) -> Table:
    """First response (first staff reply) and resolution (close) times since creation, in
    calendar seconds, per department and per assignee, of tickets answered / closed in the
    span."""
    durations = await _durations(q)
    groups = set(durations)
    departments = dict(
        await Department.filter(id__in=[i for g, i in groups if g == "department"]).values_list(
            "id", "name"
        )
    )
    staff = dict(
        await User.filter(id__in=[i for g, i in groups if g == "staff" and i]).values_list(
            "id", "name"
        )
    )
    rows = []
    for group, ident in groups:
        names = departments if group == "department" else staff
        label = names.get(ident, UNASSIGNED) if ident else UNASSIGNED
        first, resolved = durations[(group, ident)]
        values = (*first, *resolved)
        rows.append(Row(f"{group}:{ident or 0}", label, values, group))
    rows.sort(key=lambda r: (r.group != "department", r.label, r.key))
    return Table(
        columns=(
            Column("first_response_median", Msg("First response median"), Unit.SECONDS),
            Column("first_response_p90", Msg("First response p90"), Unit.SECONDS),
            Column("first_response_count", Msg("First responses"), Unit.COUNT),
            Column("resolution_median", Msg("Resolution median"), Unit.SECONDS),
            Column("resolution_p90", Msg("Resolution p90"), Unit.SECONDS),
            Column("resolution_count", Msg("Resolved"), Unit.COUNT),
        ),
        rows=tuple(rows),
    )


async def _sla_compliance(q: ReportQuery) -> Table:
    """Of the tickets opened in the span with a target: met (done by the due time), breached
    (done later, or not done and past due now) and pending; share met of met + breached."""
    sql = Sql("postgres" if q.postgres else "sqlite")
    parts = []
    for done, due in (
        ("first_response_at", "first_response_due_at"),
        ("closed_at", "resolution_due_at"),
    ):
        parts += [
            f"SUM(CASE WHEN {due} IS NOT NULL AND {done} <= {due} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {due} IS NOT NULL AND ({done} > {due} OR ({done} IS NULL AND "
            f"{due} < {sql.p(now())})) THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {due} IS NOT NULL AND {done} IS NULL AND {due} >= {sql.p(now())} "
            "THEN 1 ELSE 0 END)",
        ]
    text = f"SELECT {', '.join(parts)} FROM tickets WHERE "
    text += f"{_within(sql, q, 'created_at')}{_departments(sql, q)}"
    (row,) = await _rows(sql, text)
    numbers = [int(n or 0) for n in row]
    rows = []
    for index, (key, label) in enumerate(
        (("first_response", Msg("First response")), ("resolution", Msg("Resolution")))
    ):
        met, breached, pending = numbers[index * 3 : index * 3 + 3]
        share = round(100 * met / (met + breached), 1) if met + breached else None
        rows.append(Row(key.upper(), label, (float(met), float(breached), float(pending), share)))
    return Table(
        columns=(
            Column("met", Msg("Met"), Unit.COUNT),
            Column("breached", Msg("Breached"), Unit.COUNT),
            Column("pending", Msg("Pending"), Unit.COUNT),
            Column("met_share", Msg("Met %"), Unit.PERCENT),
        ),
        rows=tuple(rows),
    )


WEEKDAYS = (
    Msg("Monday"),
    Msg("Tuesday"),
    Msg("Wednesday"),
    Msg("Thursday"),
    Msg("Friday"),
    Msg("Saturday"),
    Msg("Sunday"),
)
QUARTER = 900


async def _busiest_hours(q: ReportQuery) -> Table:
    """Tickets opened in the span by local weekday and hour: in the department's business-hours
    time zone when one department is asked for and it has business hours, else UTC. Counted
    per UTC quarter hour in SQL (any zone's offset is whole quarters), placed locally here."""
    zone = "UTC"
    if q.department_id is not None:
        calendar = await BusinessCalendar.get_or_none(department_id=q.department_id)
        zone = calendar.timezone if calendar else "UTC"
    sql = Sql("postgres" if q.postgres else "sqlite")
    text = f"SELECT {_epoch(q, 'created_at')} / {QUARTER} AS k, COUNT(*) FROM tickets "
    text += f"WHERE {_within(sql, q, 'created_at')}{_departments(sql, q)} GROUP BY 1"
    grid = [[0] * 24 for _ in WEEKDAYS]
    tz = ZoneInfo(zone)
    for quarter, n in await _rows(sql, text):
        local = datetime.fromtimestamp(int(quarter) * QUARTER, UTC).astimezone(tz)
        grid[local.weekday()][local.hour] += int(n)
    return Table(
        columns=tuple(Column(f"{h:02d}", f"{h:02d}:00", Unit.COUNT) for h in range(24)),
        rows=tuple(
            Row(str(day + 1), name, tuple(float(n) for n in grid[day]))
            for day, name in enumerate(WEEKDAYS)
        ),
        timezone=zone,
    )


async def _satisfaction(q: ReportQuery) -> Table:
    """Clients' current ratings given in each period (app/services/ratings.py keeps one current
    rating per ticket; a later rating replaces it), Good and Bad, and Good's share of them."""
    sql = Sql("postgres" if q.postgres else "sqlite")
    text = (
        f"SELECT {_period(q, 'r.rated_at')} AS k,"
        f" SUM(CASE WHEN r.score = {sql.p('good')} THEN 1 ELSE 0 END), COUNT(*)"
        f" FROM ticket_ratings r JOIN tickets t ON t.id = r.ticket_id"
        f" WHERE r.current AND {_within(sql, q, 'r.rated_at')}"
        f"{_departments(sql, q, 't.department_id')} GROUP BY k"
    )
    counts = {row[0]: (int(row[1]), int(row[2])) for row in await _rows(sql, text)}
    rows = []
    for key, _, _ in _periods(q):
        good, total = counts.get(key, (0, 0))
        score = round(100 * good / total, 1) if total else None
        rows.append(Row(key, key, (float(good), float(total - good), score)))
    return Table(
        columns=(
            Column("good", Msg("Good"), Unit.COUNT),
            Column("bad", Msg("Bad"), Unit.COUNT),
            Column("score", Msg("CSAT (% Good)"), Unit.PERCENT),
        ),
        rows=tuple(rows),
    )


KINDS: dict[ReportKind, Callable[[ReportQuery], Awaitable[Table]]] = {
    ReportKind.TICKET_VOLUME: _ticket_volume,
    ReportKind.BACKLOG: _backlog,
    ReportKind.RESPONSE_TIMES: _response_times,
    ReportKind.SLA_COMPLIANCE: _sla_compliance,
    ReportKind.BUSIEST_HOURS: _busiest_hours,
    ReportKind.SATISFACTION: _satisfaction,
}


def _cell(text: str) -> str:
    """A name as a spreadsheet shows it, never as a formula (a department or staff name may
    start with ``=``, ``+``, ``-`` or ``@``)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


GROUP_LABELS = {"department": Msg("department"), "staff": Msg("staff")}
UNASSIGNED = Msg("Unassigned")


def marked(t: Translator, text: str) -> str:
    """A label in ``t``'s language when the code wrote it (a ``Msg``); names people gave
    (departments, staff) and dates stay as they are."""
    return translate(t, text) if isinstance(text, Msg) else text


def to_csv(result: Report, t: Translator | None = None) -> str:
    """The report's table as CSV (a header row, then one line per row; empty: no value).
    With a translator: the header and the labels in its language; without: the stable
    machine form (``group``, ``key``, the column keys; the rows by key)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    table = result.table
    grouped = any(row.group for row in table.rows)
    if t is None:
        header = (["group"] if grouped else []) + ["key"] + [c.key for c in table.columns]
    else:
        group, label = t._("group"), t._("label")
        header = ([group] if grouped else []) + [label]
        header += [marked(t, c.label) for c in table.columns]
    writer.writerow(header)
    for row in table.rows:
        values = ["" if v is None else f"{v:g}" for v in row.values]
        if t is None:
            first = [row.group or ""] if grouped else []
            name = row.key
        else:
            first = [marked(t, GROUP_LABELS.get(row.group or "", ""))] if grouped else []
            name = marked(t, row.label)
        writer.writerow([*first, _cell(name), *values])
    return out.getvalue()

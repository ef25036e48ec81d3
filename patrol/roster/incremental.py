"""Re-planning only what changed: a fingerprint per piece (a pool's week) of everything its roster rests on.

A piece is one pool (a station's police and auxiliary officers, a school's guards and volunteers; see
``patrol.roster.pools``) in one week. Its fingerprint covers its shifts (post, day, window, times,
staffing), the posts' gates and schools, the pool's people (role, place, limits), their leave in
the week, the liaison officers of its schools, the rules (travel speed, rest, default limits) and the
assignments on its places. Every generation stores the fingerprints with each piece's numbers for
the report (``STATE_KEY`` in ``Roster.report``). A re-plan scans the term as plain rows (``term_scan``;
no solver data is built), re-plans the pieces whose fingerprint differs (``pieces_to_replan``) and keeps
the others as they are: their assignments stay and their numbers come from the stored report
(``report_merge``). A shift shared by a station's piece to re-plan and a school's piece that stays is
planned for the station's places only. Pools share no person, so this is what a full re-plan does with
the unchanged pieces (it keeps them); the duties left out carry their load into the fairness term week by
week, and those of the planned pools' people in the planned weeks are checked against
(``Problem.context``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from campus.models import Term
from common.dates import monday_of
from patrol.models import DutyAssignment, DutyShift, DutyStaff, Leave, Post
from patrol.roster.piece import Assignment
from patrol.roster.pools import piece_key, pool_key
from patrol.roster.problem import GUARD, POLICE, ROLES, SCHOOL_ROLES, Problem, Shift, liaison_load, problem_load
from patrol.roster.report import load_spread

STATE_KEY = "state"
# Raised when what a fingerprint covers changes: a stored state of another version re-plans everything.
STATE_VERSION = 1
# Above this share of the term's shifts to re-plan, a full re-plan costs about the same: it is used.
INCREMENTAL_MAX_SHARE = 0.5


def _digest(value) -> str:
    text = value if isinstance(value, str) else repr(value)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _epoch_s(value) -> int:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite's rows are UTC without a zone
        value = value.replace(tzinfo=dt.UTC)
    return int(value.timestamp())


def _rows(queryset) -> list[tuple]:
    """A ``values_list`` query's rows as the database driver returns them, without Django's per-value
    conversion (a term is tens of thousands of rows; the scan only compares and counts them)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Where a role's piece is in a ``Scan.shifts`` row: the station's or the school's.
_SIDE = {role: 8 if role in SCHOOL_ROLES else 7 for role in ROLES}


@dataclass
class Scan:
    """The term from ``from_date`` on as plain rows, cut into pieces with their fingerprints."""

    from_date: dt.date
    posts: dict[int, tuple]  # post id -> (school id, station id, lat, lon, post, gate, school name)
    # shift id -> (post id, date, kind, start, end (as the database writes them), staffing text, week,
    # its station's piece, its school's piece, the day's ordinal, the sides (7, 8) its staffing needs,
    # its post-day-window and that of a week before, for continuity)
    shifts: dict[int, tuple]
    assignments: list[Assignment]  # on those shifts, now
    staff_pool: dict[int, str]  # active person -> their pool
    shifts_of_piece: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    inputs: dict[str, str] = field(default_factory=dict)  # piece -> digest of all but its assignments
    fingerprints: dict[str, str] = field(default_factory=dict)  # piece -> digest with its assignments now
    _keys: dict[tuple, str] = field(default_factory=dict)

    def key(self, post_id: int, week: dt.date, role: str) -> str:
        """The piece of a ``role`` place on a post in a week (asked once per assignment: cached)."""
        school_side = role in SCHOOL_ROLES
        found = self._keys.get((post_id, week, school_side))
        if found is None:
            school_id, station_id = self.posts[post_id][:2]
            found = self._keys[(post_id, week, school_side)] = piece_key(pool_key(role, school_id, station_id), week)
        return found

    def piece_of(self, shift_id: int, role: str) -> str:
        return self.shifts[shift_id][_SIDE[role]]

    def fingerprint(self, piece: str, assignments: list[Assignment]) -> str:
        return _digest(self.inputs[piece] + repr(sorted(assignments)))


def term_scan(*, term: Term, from_date: dt.date) -> Scan:
    """Read ``term`` from ``from_date`` on as plain rows and fingerprint each piece (see the module).

    Days and times are read as the database writes them (text): they are compared, not computed with.
    """
    posts = {
        row[0]: row[1:]
        for row in Post.objects.values_list(
            "id",
            "gate__school_id",
            "gate__school__responsible_station_id",
            "gate__lat",
            "gate__lon",
            "name",
            "gate__name",
            "gate__school__name",
        )  # fmt: skip
    }
    shift_rows = _rows(
        DutyShift.objects.filter(term=term, date__gte=from_date)
        .annotate(
            needs=Cast("requirements", TextField()),
            day=Cast("date", TextField()),
            begins=Cast("start", TextField()),
            ends=Cast("end", TextField()),
        )
        .values_list("id", "post_id", "day", "kind", "begins", "ends", "needs")
    )
    assignments = _rows(
        DutyAssignment.objects.filter(shift__term=term, shift__date__gte=from_date).values_list(
            "shift_id", "staff_id", "role"
        )
    )
    staff_rows = list(
        DutyStaff.objects.filter(active=True)
        .order_by("id")
        .values_list("id", "role", "station_id", "school_id", "max_per_day", "max_per_week")
    )
    scan = Scan(
        from_date=from_date,
        posts=posts,
        shifts={},
        assignments=[tuple(row) for row in assignments],
        staff_pool={row[0]: pool_key(row[1], row[3], row[2]) for row in staff_rows},
    )
    members: dict[str, list[tuple]] = defaultdict(list)
    for row in staff_rows:
        members[scan.staff_pool[row[0]]].append(row)
    leaves: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for staff_id, start, end in Leave.objects.filter(end__gte=dt.datetime.combine(
        from_date - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC
    )).values_list("staff_id", "start", "end"):  # fmt: skip
        leaves[staff_id].append((_epoch_s(start), _epoch_s(end)))
    liaison = liaison_load()
    rules = (
        STATE_VERSION,
        float(settings.PATROL_TRAVEL_SPEED_KMH),
        int(settings.PATROL_MIN_REST_MIN),
        settings.PATROL_MAX_DUTIES_PER_DAY,
        settings.PATROL_MAX_DUTIES_PER_WEEK,
    )

    sides_of: dict[str, tuple[int, ...]] = {}
    keys_of: dict[tuple[int, dt.date], tuple[str, str]] = {}
    days: dict[str, tuple[dt.date, dt.date, int]] = {}
    piece_rows: dict[str, list[str]] = defaultdict(list)
    piece_posts: dict[str, set[int]] = defaultdict(set)
    shifts_of_piece = scan.shifts_of_piece
    for row in shift_rows:
        id_, post_id, day, kind, start, end, needs = row
        sides = sides_of.get(needs)
        if sides is None:
            roles = [role for role, n in (json.loads(needs) if needs else {}).items() if role in ROLES and int(n) > 0]
            sides = sides_of[needs] = tuple(sorted({_SIDE[role] for role in roles}))
        found = days.get(day)
        if found is None:
            date = dt.date.fromisoformat(day[:10])
            found = days[day] = (date, monday_of(date), date.toordinal())
        date, week, ordinal = found
        keys = keys_of.get((post_id, week))
        if keys is None:
            keys = keys_of[(post_id, week)] = (scan.key(post_id, week, POLICE), scan.key(post_id, week, GUARD))
        shift = scan.shifts[id_] = (
            post_id, date, kind, start, end, needs, week, *keys, ordinal, sides, (post_id, ordinal, kind),
            (post_id, ordinal - 7, kind),
        )  # fmt: skip
        text = f"{id_}|{post_id}|{day}|{kind}|{start}|{end}|{needs}"
        for side in sides:
            key = shift[side]
            piece_rows[key].append(text)
            piece_posts[key].add(post_id)
            shifts_of_piece[key].append(id_)
    assigned: dict[str, list[Assignment]] = defaultdict(list)
    for item in scan.assignments:
        shift = scan.shifts[item[0]]
        side = _SIDE[item[2]]
        key = shift[side]
        if side not in shift[10]:
            # A place the shift no longer needs (the staffing changed): the piece must drop it.
            shifts_of_piece[key].append(item[0])
            piece_rows[key].append(f"stale {item[0]}")
        assigned[key].append(item)

    # A person's name is not the solver's concern: renaming someone re-plans nothing.
    pool_text = {pool: repr([row[:6] for row in rows]) for pool, rows in members.items()}
    post_text = {p: repr((p, row, liaison.get(row[0], 0))) for p, row in posts.items()}
    rules_text = repr(rules)
    for key, rows in piece_rows.items():
        pool = key.split("@")[0]
        people = [p for p in members.get(pool, ()) if p[0] in leaves]
        away = []
        if people:
            # Leave matters where it overlaps the piece's shifts: from the first start to the last end.
            times = [scan.shifts[shift_id] for shift_id in shifts_of_piece[key]]
            low, high = _epoch_s(min(t[3] for t in times)), _epoch_s(max(t[4] for t in times))
            away = [(p[0], span) for p in people for span in leaves[p[0]] if span[0] < high and span[1] > low]
        places = [post_text[p] for p in sorted(piece_posts.get(key, ()))]
        scan.inputs[key] = _digest("\n".join([rules_text, key, pool_text.get(pool, ""), repr(away), *rows, *places]))
        scan.fingerprints[key] = scan.fingerprint(key, assigned.get(key, []))
    return scan


def state_of(report: dict | None) -> dict | None:
    state = (report or {}).get(STATE_KEY)
    return state if isinstance(state, dict) and state.get("version") == STATE_VERSION else None


def pieces_to_replan(scan: Scan, state: dict | None) -> set[str] | None:
    """The pieces whose fingerprint changed since ``state`` was stored; None when there is nothing to
    compare with (no stored state, or one of another version): then everything is re-planned."""
    if state is None:
        return None
    stored = state.get("pieces", {})
    dirty = {key for key, fp in scan.fingerprints.items() if (stored.get(key) or [None])[0] != fp}
    if scan.from_date.weekday() != 0:
        # Part of a week: its duties before from_date are outside the plan, and the fingerprint knows
        # nothing of them.
        week = monday_of(scan.from_date).isoformat()
        dirty |= {key for key in scan.fingerprints if key.endswith(week)}
    return dirty


def problem_for_pieces(*, term: Term, scan: Scan, pieces: set[str]) -> Problem:
    """The problem of ``pieces`` only: their shifts with only their places (a shift of a station's piece
    to re-plan keeps its guard's place out when the school's piece stays), the assignments on those
    places, the load of the rest carried week by week (``outside_load``), the same people's other duties
    in the planned weeks to check against (``context``) and last week's posts (``prior_posts``)."""
    shift_ids = sorted({shift_id for key in pieces for shift_id in scan.shifts_of_piece[key]})
    loaded = problem_load(term=term, from_date=scan.from_date, shift_ids=shift_ids)
    shifts = []
    for shift in loaded.shifts:
        mine = {
            role: n for role, n in shift.requirements.items() if scan.key(shift.post_id, shift.week, role) in pieces
        }
        shifts.append(shift if len(mine) == len(shift.requirements) else dataclasses.replace(shift, requirements=mine))
    existing = [e for e in loaded.existing if scan.piece_of(e.shift_id, e.role) in pieces]
    problem = dataclasses.replace(loaded, shifts=shifts, existing=existing)
    pools = {key.split("@")[0] for key in pieces}
    planned_posts = {(s.post_id, s.date - dt.timedelta(days=7), s.kind) for s in problem.shifts}
    outside: dict[dt.date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    context: dict[int, list[Shift]] = defaultdict(list)
    for shift_id, staff_id, role in scan.assignments:
        row = scan.shifts[shift_id]
        if row[_SIDE[role]] in pieces:
            continue
        post_id, date, kind, start, end, _needs, week = row[:7]
        if (post_id, date, kind) in planned_posts:
            problem.prior_posts.setdefault((post_id, date, kind), set()).add(staff_id)
        pool = scan.staff_pool.get(staff_id)
        if pool not in pools:
            continue  # the fairness and the checks of the planned pools look at their own people only
        outside[week][staff_id] += 1
        if piece_key(pool, week) in pieces:
            school_id, station_id, lat, lon, post_name, gate_name, school_name = scan.posts[post_id]
            context[staff_id].append(
                Shift(
                    shift_id,
                    post_id,
                    post_name,
                    gate_name,
                    school_id,
                    school_name,
                    station_id,
                    lat,
                    lon,
                    date,
                    kind,
                    _epoch_s(start),
                    _epoch_s(end),
                    "",
                    {},
                )
            )
    problem.outside_load = {week: dict(counts) for week, counts in outside.items()}
    problem.context = dict(context)
    return problem


def piece_numbers(problem: Problem, chosen: list[Assignment], scan: Scan) -> dict[str, list]:
    """Per piece of ``problem``: ``[required by role, filled by role, uncovered, liaison duties, at their
    own school]``, counted as ``roster_report`` counts the term."""
    numbers: dict[str, list] = {}
    for shift in problem.shifts:
        for role in shift.requirements:
            numbers.setdefault(scan.key(shift.post_id, shift.week, role), [{}, {}, 0, 0, 0])
    on_shift: dict[tuple[int, str], int] = defaultdict(int)
    for shift_id, _staff_id, role in chosen:
        on_shift[(shift_id, role)] += 1
    for shift in problem.shifts:
        for role, need in shift.requirements.items():
            entry = numbers[scan.key(shift.post_id, shift.week, role)]
            got = min(on_shift[(shift.id, role)], need)
            entry[0][role] = entry[0].get(role, 0) + need
            entry[1][role] = entry[1].get(role, 0) + got
            entry[2] += need - got
    liaison_school = {staff: school for school, staff in problem.liaison.items()}
    for shift_id, staff_id, role in chosen:
        if staff_id in liaison_school:
            shift = problem.shift_by_id[shift_id]
            entry = numbers[scan.key(shift.post_id, shift.week, role)]
            entry[3] += 1
            entry[4] += liaison_school[staff_id] == shift.school_id
    return numbers


def state_build(
    *, scan: Scan, problem: Problem, chosen: list[Assignment], previous: dict | None, replanned: set[str] | None
) -> dict:
    """The state to store with the roster: each piece's fingerprint (with the assignments as written)
    and numbers. ``replanned``: the pieces of ``problem`` (None: all); the others keep their stored ones."""
    assigned: dict[str, list[Assignment]] = defaultdict(list)
    for item in chosen:
        assigned[scan.piece_of(item[0], item[2])].append(item)
    numbers = piece_numbers(problem, chosen, scan)
    stored = (previous or {}).get("pieces", {})
    pieces: dict[str, list] = {}
    for key in scan.fingerprints:
        if replanned is None or key in replanned:
            pieces[key] = [scan.fingerprint(key, assigned.get(key, [])), *numbers.get(key, [{}, {}, 0, 0, 0])]
        elif key in stored:
            pieces[key] = stored[key]
    return {"version": STATE_VERSION, "from_date": scan.from_date.isoformat(), "pieces": pieces}


def report_merge(
    *,
    scan: Scan,
    problem: Problem,
    chosen: list[Assignment],
    report: dict,
    previous: dict,
    state: dict,
    replanned: set[str],
) -> dict:
    """The report of the whole term from ``report`` (of the ``replanned`` pieces only), the previous
    report (what is still uncovered elsewhere, and why) and the pieces' numbers in ``state``."""
    pieces = state["pieces"]
    replanned_set = replanned
    replanned_keys = sorted(replanned)
    required = filled = uncovered_count = 0
    by_role: dict[str, dict[str, int]] = {}
    liaison = [0, 0]
    pools_with_demand: set[str] = set()
    for key, (_fp, need, got, short, l_duties, l_home) in pieces.items():
        for role, n in need.items():
            slot = by_role.setdefault(role, {"required": 0, "filled": 0})
            slot["required"] += n
            slot["filled"] += got.get(role, 0)
            required += n
            filled += got.get(role, 0)
            if n:
                pools_with_demand.add(key.split("@")[0])
        uncovered_count += short
        liaison[0] += l_duties
        liaison[1] += l_home

    def share(part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 0.0

    kept_uncovered = [
        u for u in previous.get("uncovered", []) if u.get("piece") in pieces and u.get("piece") not in replanned_set
    ]
    uncovered = sorted(kept_uncovered + report["uncovered"], key=lambda u: (u["date"], u["window"], u["shift_id"]))

    # Each person's duties over the term, and the same person as last week on a post: both reach past
    # the re-planned pieces (a changed week changes the next week's continuity), so they are counted
    # over the whole term's rows.
    shifts = scan.shifts
    final = [item for item in scan.assignments if shifts[item[0]][_SIDE[item[2]]] not in replanned] + chosen
    load: dict[int, int] = defaultdict(int, problem.prior_load)
    posts: dict[tuple[int, int, str], set[int]] = defaultdict(set)
    for (post_id, date, kind), people in problem.prior_posts.items():
        posts[(post_id, date.toordinal(), kind)].update(people)
    for shift_id, staff_id, _role in final:
        load[staff_id] += 1
        posts[shifts[shift_id][11]].add(staff_id)
    continuity = [0, 0]
    for shift_id, staff_id, _role in final:
        previous = posts.get(shifts[shift_id][12])
        if previous:
            continuity[0] += 1
            continuity[1] += staff_id in previous
    loads: dict[str, list[int]] = defaultdict(list)
    for person in problem.staff:
        pool = scan.staff_pool.get(person.id)
        if pool in pools_with_demand and not pool.endswith(":None"):
            loads[person.role].append(load[person.id])

    changes = report["changes"]
    previous_count = len(scan.assignments)
    # The engine lists what it planned; each week with nothing re-planned is one line of pieces kept as
    # they were (``incremental`` names the pools re-planned).
    solved_weeks = {key.split("@")[1] for key in replanned}
    carried: dict[str, list[str]] = defaultdict(list)
    for key in pieces:
        pool, week_text = key.split("@")
        if week_text not in solved_weeks:
            carried[week_text].append(pool)
    piece_list = list(report["pieces"]["list"]) + [
        {"pools": ",".join(pools[:3]) + ("…" if len(pools) > 3 else ""), "week": week_text, "status": "unchanged",
         "carried": len(pools), "time_s": 0.0}
        for week_text, pools in sorted(carried.items())
    ]  # fmt: skip
    statuses: dict[str, int] = defaultdict(int)
    for entry in piece_list:
        statuses[entry.get("status", "")] += 1
    report.update(
        {
            "coverage": {
                "shifts": len(scan.shifts),
                "required": required,
                "filled": filled,
                "share": share(filled, required),
                "by_role": {r: by_role[r] for r in ROLES if by_role.get(r, {}).get("required")},
            },
            "uncovered_count": uncovered_count,
            "uncovered": uncovered[:1000],
            "load": {role: load_spread(values) for role, values in sorted(loads.items())},
            "liaison": {"duties": liaison[0], "at_own_school": liaison[1], "share": share(liaison[1], liaison[0])},
            "continuity": {
                "eligible": continuity[0],
                "same_person": continuity[1],
                "share": share(continuity[1], continuity[0]),
            },
            "changes": {
                "previous": previous_count,
                "kept": previous_count - changes["removed"],
                "removed": changes["removed"],
                "added": changes["added"],
                "share": share(changes["removed"], previous_count),
            },
            "pieces": {"count": len(piece_list), "by_status": dict(statuses), "list": piece_list[:500]},
            "assignments": previous_count - changes["removed"] + changes["added"],
            "incremental": {
                "pieces": len(pieces),
                "replanned": len(replanned_keys),
                "replanned_list": replanned_keys[:500],
            },
        }
    )
    return report

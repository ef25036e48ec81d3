"""护学岗 on the overview dashboard: today's duty windows, one's own duties, and the roster's gaps."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campus.models import Term
from common.dashboard import Line, Section, Tile, level_if, page_url
from common.dates import monday_of
from common.roles import Capability, can
from patrol.duty import selectors
from patrol.duty.breaks import breaks_open
from patrol.duty.staffing import shifts_with_staffing, staffing_places
from patrol.duty.stats import term_default
from patrol.models import Roster
from patrol.roster import selectors as roster_selectors

MAX_LINES = 8


def duty_section(*, user, now: dt.datetime) -> Section | None:
    """Gate duty for ``user`` on the local day of ``now``.

    Viewers (VIEW_DUTY) get today's windows as the duty board shows them, in the board's own scope:
    school safety staff their school, a station officer their station, everyone else the county.
    Places and uncovered places follow the roster's rule (``missing_roles``); late and missing people
    follow the board's (``person_status``, with the grace).

    People who stand duty and are linked to a duty staff record also get their own duties of the day
    as lines, and the swap requests waiting for their answer.

    Schedulers (MANAGE_DUTY) also get the uncovered places from today to Sunday and whether next
    week's duties are published.

    A fixed number of queries (about a dozen at most), all counts done by the database: the board of
    the day is not built (``selectors.day_counts``), nor the rest of the week's shifts.
    """
    # Every role that stands duty may also view it (common.roles), so VIEW_DUTY decides.
    if not can(user, Capability.VIEW_DUTY):
        return None
    today = timezone.localdate(now)
    board_url = page_url("patrol:duty-board", date=today.isoformat())
    # The duty staff record, read once: the board's station may come from it, the own duties need it.
    staff = selectors.staff_of(user) if can(user, Capability.STAND_DUTY) else selectors.UNREAD
    tiles = _today_tiles(user=user, today=today, now=now, url=board_url, staff=staff)
    lines: list[Line] = []
    lines_title = lines_empty = ""
    if staff is not None and staff is not selectors.UNREAD:
        lines = _my_duty_lines(user=user, today=today, now=now)
        lines_title, lines_empty = _("My duties today"), _("You have no duties on this day.")
        # swap_requests_for_me, without reading the staff record twice more
        swaps = roster_selectors.swap_requests_pending().filter(to_staff=staff).count()
        tiles.append(
            Tile(
                key="swaps_for_me",
                label=_("Swap requests awaiting my answer"),
                value=swaps,
                url=reverse("patrol:roster-swaps"),
                level=level_if(swaps),
            )
        )
    if can(user, Capability.MANAGE_DUTY):
        tiles += _scheduler_tiles(user=user, today=today)
    return Section(
        key="duty",
        title=_("Gate duty today"),
        url=board_url,
        tiles=tiles,
        lines=lines,
        lines_title=lines_title,
        lines_empty=lines_empty,
    )


def _today_tiles(*, user, today: dt.date, now: dt.datetime, url: str, staff) -> list[Tile]:
    """The counts of today's board (``day_counts``: the board's scope and rules, without building it), with
    the station a station officer's board starts at (``staff``: as for ``board_station_default``)."""
    station_id = selectors.board_station_default(user, staff=staff)
    counts = selectors.day_counts(user=user, date=today, station_id=station_id, now=now)
    places, uncovered = counts.places, counts.uncovered
    checked_in, late, missing = counts.checked_in, counts.late, counts.missing
    return [
        Tile(
            key="uncovered_today",
            label=_("Uncovered places"),
            value=uncovered,
            note=ngettext("of %(count)d place today", "of %(count)d places today", places) % {"count": places},
            url=url,
            level=level_if(uncovered),
        ),
        Tile(
            key="checked_in",
            label=_("Checked in"),
            value=checked_in,
            note=ngettext("of %(count)d person assigned", "of %(count)d people assigned", counts.people)
            % {"count": counts.people},
            url=url,
        ),
        Tile(key="late", label=_("Late check-ins"), value=late, url=url, level=level_if(late)),
        Tile(
            key="missing",
            label=_("Missing (not checked in)"),
            value=missing,
            url=url,
            level=level_if(missing, "alert"),
        ),
    ] + ([] if can(user, Capability.MANAGE_DUTY) else _breaks_tiles(broken=counts.broken))


def _breaks_tiles(*, broken: int) -> list[Tile]:
    """Today's published duties that a later change broke (leave, a transfer, a closure...; counted with
    the day, ``day_counts``), shown while there are some; the roster overview lists them per term, with
    "re-plan just these" (``patrol.duty.breaks``)."""
    if not broken:
        return []
    return [
        Tile(
            key="duties_need_cover",
            label=_("Published duties needing cover"),
            value=broken,
            note=_("broken by later changes"),
            url=reverse("patrol:roster-home"),
            level="alert",
        )
    ]


def _upcoming_breaks_tile(*, user, today: dt.date) -> list[Tile]:
    """For schedulers: every published duty still to come that a later change broke, not only today's (a
    leave added today over next Tuesday's duty needs the re-plan now), in one query; shown while there are
    some, with how many are today and the first day."""
    found = breaks_open(user=user).aggregate(
        total=Count("pk"), today=Count("pk", filter=Q(shift__date=today)), first=Min("shift__date")
    )
    if not found["total"]:
        return []
    note = ngettext("%(count)d of them today", "%(count)d of them today", found["today"]) % {"count": found["today"]}
    if not found["today"]:
        note = _("the first on %(date)s") % {"date": found["first"].strftime("%m-%d")}
    return [
        Tile(
            key="duties_need_cover",
            label=_("Published duties needing cover"),
            value=found["total"],
            note=note,
            url=reverse("patrol:roster-home"),
            level="alert",
        )
    ]


def _my_duty_lines(*, user, today: dt.date, now: dt.datetime) -> list[Line]:
    """The user's own duties today, in time order, with their status as on the check-in page."""
    url = page_url("patrol:duty-today", date=today.isoformat())
    levels = {selectors.Status.MISSING: "alert", selectors.Status.LATE: "warn"}
    lines = []
    for a in selectors.my_assignments_on(user=user, date=today)[:MAX_LINES]:
        shift = a.shift
        status = selectors.person_status(shift=shift, checkin=getattr(a, "checkin", None), now=now)
        text = _("%(window)s until %(end)s · %(school)s · %(gate)s · %(post)s: %(status)s") % {
            "window": shift.get_kind_display(),
            "end": timezone.localtime(shift.end).strftime("%H:%M"),
            "school": shift.post.gate.school.name,
            "gate": shift.post.gate.name,
            "post": shift.post.name,
            "status": selectors.Status.labels[status],
        }
        lines.append(Line(text=text, url=url, at=shift.start, level=levels.get(status, "ok")))
    return lines


def _uncovered_this_and_next_week(shifts, *, today: dt.date, next_monday: dt.date) -> tuple[int, int]:
    """Uncovered places from ``today`` to Sunday, and over next week, in one query (``staffing_places``)."""
    _places, uncovered = staffing_places()
    rows = shifts_with_staffing(
        shifts.filter(date__gte=today, date__lte=next_monday + dt.timedelta(days=6)).select_related(None)
    )
    totals = rows.aggregate(
        this_week=Sum(uncovered, filter=Q(date__lt=next_monday)),
        next_week=Sum(uncovered, filter=Q(date__gte=next_monday)),
    )
    return totals["this_week"] or 0, totals["next_week"] or 0


def _scheduler_tiles(*, user, today: dt.date) -> list[Tile]:
    """The gaps left this week (from today) and whether next week's duties are published."""
    monday = monday_of(today)
    sunday = monday + dt.timedelta(days=6)
    visible = roster_selectors.shifts_visible(user)
    next_monday = monday + dt.timedelta(days=7)
    uncovered, next_uncovered = _uncovered_this_and_next_week(visible, today=today, next_monday=next_monday)
    term = term_default(today)
    week_url = (
        page_url("patrol:roster-week", kwargs={"term_id": term.pk}, week=monday.isoformat())
        if term is not None
        else reverse("patrol:roster-home")
    )
    tiles = _upcoming_breaks_tile(user=user, today=today) + [
        Tile(
            key="uncovered_week",
            label=_("Uncovered places this week"),
            value=uncovered,
            note=_("from today to %(date)s") % {"date": sunday.strftime("%m-%d")},
            url=week_url,
            level=level_if(uncovered),
        )
    ]

    next_week = {"date__gte": next_monday, "date__lte": next_monday + dt.timedelta(days=6)}
    terms = list(
        Term.objects.filter(pk__in=visible.filter(**next_week).values("term_id"))
        .select_related("roster")
        .order_by("start_date")
    )
    if not terms:
        tiles.append(
            Tile(
                key="next_week_roster",
                label=_("Next week's roster"),
                value=_("No duty windows"),
                url=reverse("patrol:roster-home"),
            )
        )
        return tiles
    unpublished = (
        roster_selectors.assignments_visible(user)
        .filter(**{f"shift__{key}": value for key, value in next_week.items()}, published=False)
        .count()
    )
    drafts = [t for t in terms if getattr(t, "roster", None) is None or t.roster.status != Roster.Status.PUBLISHED]
    pending = bool(drafts or unpublished)
    term_to_publish = drafts[0] if drafts else terms[0]
    # "Published" says nothing of the gaps: the tile also counts next week's uncovered places, and is never
    # green while there are some.
    notes = []
    if unpublished:
        notes.append(
            ngettext("%(count)d duty not yet published", "%(count)d duties not yet published", unpublished)
            % {"count": unpublished}
        )
    if next_uncovered:
        notes.append(
            ngettext("%(count)d place uncovered", "%(count)d places uncovered", next_uncovered)
            % {"count": next_uncovered}
        )
    tiles.append(
        Tile(
            key="next_week_roster",
            label=_("Next week's roster"),
            value=_("Unpublished") if pending else _("Published"),
            note=" · ".join(notes),
            url=reverse("patrol:roster-term", kwargs={"term_id": term_to_publish.pk}),
            level=level_if(int(pending or next_uncovered > 0)),
        )
    )
    return tiles

"""Spreadsheets of a day sheet and of a day's flight applications (``common.xlsx.XlsxBook``: every text
cell that could run as a formula is stored as text; ``common.exports`` audits each download)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from campaigns.sheets import selectors
from common.xlsx import XlsxBook


def sheet_header() -> list[str]:
    return [
        _("Take-off"),
        _("Landed by"),
        _("Status"),
        _("Pilot"),
        _("Drone"),
        _("Battery packs"),
        _("Place"),
        _("Window"),
        _("Launch latitude"),
        _("Launch longitude"),
        _("Campaign"),
        _("Playlist"),
        _("Loop (s)"),
        _("Mission"),
        _("Flight application"),
        _("Reference"),
    ]


def sheet_line(row: dict[str, Any]) -> list[Any]:
    application = row["application"]
    return [
        f"{row['start']:%H:%M}",
        f"{row['end']:%H:%M}",
        str(row["status_label"]),
        str(row["pilot"]),
        row["drone"].name,
        row["battery_packs"],
        row["place"]["name"],
        f"{row['window_start']:%H:%M}–{row['window_end']:%H:%M}",
        row["launch_lat"],
        row["launch_lon"],
        row["campaign"].name,
        row["playlist"].name,
        row["playlist"].loop_s,
        row["mission"].name if row["mission"] else "",
        str(row["application_label"]),
        application.reference if application else "",
    ]


def sheet_xlsx(*, day: dt.date, title: str, sorties, token=None) -> bytes:
    book = XlsxBook(token)
    sheet = book.sheet(_("Day sheet"), widths=(8, 8, 10, 22, 14, 8, 22, 13, 11, 11, 22, 18, 8, 22, 14, 18))
    sheet.note([title, day.isoformat()])
    sheet.header(sheet_header())
    for row in selectors.sheet_rows(sorties):
        sheet.append(sheet_line(row))
    return book.content()


def application_header() -> list[str]:
    return [
        _("Date"),
        _("Flight area"),
        _("Centre latitude"),
        _("Centre longitude"),
        _("Radius (m)"),
        _("Take-off"),
        _("Landing"),
        _("Maximum height (m)"),
        _("Drone model"),
        _("Drone serial number"),
        _("Pilot"),
        _("Licence number"),
        _("Licence expiry"),
        _("Status"),
        _("Reference"),
        _("Note"),
    ]


def application_line(row: dict[str, Any]) -> list[Any]:
    area = row["area"]
    return [
        row["start"].date().isoformat(),
        row["area"]["place"],
        area["lat"],
        area["lon"],
        area["radius_m"],
        f"{row['start']:%H:%M}",
        f"{row['end']:%H:%M}",
        row["max_height_m"],
        row["drone_model"],
        row["drone_serial"],
        row["pilot_name"],
        row["licence_no"],
        row["licence_expiry"].isoformat(),
        str(row["status_label"]),
        row["reference"],
        row["note"],
    ]


def applications_xlsx(*, day: dt.date, rows: list[dict[str, Any]], token=None) -> bytes:
    book = XlsxBook(token)
    sheet = book.sheet(_("Flight applications"), widths=(11, 24, 11, 11, 9, 8, 8, 10, 16, 18, 14, 16, 12, 12, 18, 24))
    sheet.note(
        [
            _("Flight plan applications (飞行计划申请) for %(day)s") % {"day": day.isoformat()},
            _("due %(due)s") % {"due": selectors.application_due(day).isoformat()},
        ]
    )
    sheet.header(application_header())
    for row in rows:
        sheet.append(application_line(row))
    return book.content()

"""The campaign report for leadership as XLSX: summary, per township, per pilot, per occurrence.

Built with ``common.xlsx.XlsxBook`` (formula-like text is stored as text) and served through
``common.exports`` (limited, cancellable, one audit entry per attempt)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from common.xlsx import XlsxBook


def _pct(share) -> str:
    return f"{round(100 * share)}%" if share is not None else ""


def summary_rows(data: dict) -> list[tuple[str, object]]:
    s = data["summary"]
    c = data["campaign"]
    return [
        (_("Campaign"), c["name"]),
        (_("Period"), f"{c['start_date']} – {c['end_date']}"),
        (_("Reach target (people)"), s["target"]),
        (_("People reached (flown, measured)"), s["flown_reach"]),
        (_("Share of the target reached"), _pct(s["flown_share"])),
        (_("Expected reach (flown + planned)"), s["expected_reach"]),
        (_("Expected share of the target"), _pct(s["expected_share"])),
        (_("Sorties planned"), s["sorties_planned"]),
        (_("Sorties flown"), s["sorties_flown"]),
        (_("Sorties cancelled"), s["sorties_cancelled"]),
        (_("Occurrences"), s["occurrences"]),
        (_("Occurrences that cannot be flown"), s["occurrences_unschedulable"]),
        (_("Broadcast over the crowd (min, measured)"), s["broadcast_min"]),
        (_("Planned broadcast per visit (min)"), s["planned_broadcast_min"]),
        (_("One playlist loop (min)"), s["loop_min"]),
    ]


def campaign_report_xlsx(data: dict, token=None) -> bytes:
    """``data``: ``selectors.campaign_reach``. Four sheets; every data row counted on ``token``."""
    book = XlsxBook(token)
    sheet = book.sheet(_("Summary"), widths=(40, 40))
    sheet.note([_("Publicity campaign reach report"), data["campaign"]["name"]])
    for label, value in summary_rows(data):
        sheet.append([label, value])
    params = data["parameters"]
    sheet.note([])
    sheet.note(
        [_("Method"), _("reach = crowd × min(cap, (full loops + dwell) / window); repeat visits × (1 − repeat share)")]
    )
    for name, value in params.items():
        sheet.note([name, value])

    sheet = book.sheet(_("Townships"), widths=(24, 8, 8, 8, 12, 14, 14), freeze=True)
    sheet.header(
        [
            _("Township (station)"),
            _("Places"),
            _("Sorties"),
            _("Flown"),
            _("Broadcast (min)"),
            _("Reached"),
            _("Expected"),
        ]
    )
    for row in data["townships"]:
        sheet.append(
            [row["name"], row["places"], row["sorties"], row["flown"], row["broadcast_min"], row["flown_reach"],
             row["expected_reach"]]
        )  # fmt: skip

    sheet = book.sheet(_("Pilots"), widths=(28, 8, 8, 14, 14, 12), freeze=True)
    sheet.header([_("Pilot"), _("Sorties"), _("Flown"), _("Broadcast (min)"), _("Flying (min)"), _("Reached")])
    for row in data["pilots"]:
        sheet.append(
            [row["name"], row["sorties"], row["flown"], row["broadcast_min"], row["flight_min"], row["flown_reach"]]
        )

    sheet = book.sheet(_("Occurrences"), widths=(11, 7, 7, 24, 16, 14, 9, 24, 14, 11, 10, 10), freeze=True)
    sheet.header(
        [_("Date"), _("Opens"), _("Closes"), _("Place"), _("Township (station)"), _("Status"), _("Crowd"),
         _("Pilot"), _("Drone"), _("Broadcast (min)"), _("Reach"), _("Reach is")]
    )  # fmt: skip
    for row in data["occurrences"]:
        kind = "" if row["reach"] is None else (_("measured") if row["measured"] else _("expected"))
        sheet.append(
            [row["date"], row["window_start"], row["window_end"], row["place"], row["township"], row["status_label"],
             row["expected_crowd"], row["pilot"], row["drone"], row["broadcast_min"], row["reach"], kind]
        )  # fmt: skip
    return book.content()


__all__ = ["campaign_report_xlsx", "summary_rows"]

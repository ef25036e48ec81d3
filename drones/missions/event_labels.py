"""The words the pages use for a mission's own events, in the reader's language.

The bridge stores each mission event with an English text (the audit trail, the API, the exports) and
its data (``{"report": "landed", "reached": [...]}``, ``drones.missions.execution``). The flight page and
the live map write the event again from that data with these templates (``static/js/event_text.js``),
so a Chinese reader sees 任务结束 rather than "Mission over". Events with other data (the vehicle's own
STATUSTEXT, in ArduPilot's English as every ground station shows it) keep their text.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


def mission_event_labels() -> dict:
    return {
        "started": _("Mission started (AUTO)"),
        "progress": _("Mission item %(seq)s, %(remaining_m)s m to go"),
        "landed": _("Mission over: landed, items reached %(reached)s"),
        "failed": _("Mission failed at %(step)s: %(error)s"),
        "safe": _("Vehicle made safe: %(action)s"),
        "unsafe": _("Could not make the vehicle safe: %(error)s"),
        "step": _("Mission: %(step)s"),
        "link_lost": _("Mission: the link to the vehicle was lost"),
        "interrupted": _("Mission interrupted: %(text)s"),
        # The steps of a start (MissionRun.step), and "clear/upload/verify <part>".
        "steps": {
            "start": _("starting"),
            "check": _("checking the vehicle"),
            "uploaded": _("uploaded"),
            "arming": _("arming"),
            "arm": _("arming"),
            "set first item": _("setting the first item"),
            "follow": _("following the flight"),
            "clear": _("clearing the %(part)s"),
            "upload": _("uploading the %(part)s"),
            "verify": _("checking the uploaded %(part)s"),
        },
        "parts": {"mission": _("mission"), "fence": _("fence"), "rally": _("rally points")},
        "actions": {"disarmed": _("disarmed")},
    }

"""The pages write a mission's events again in the reader's language from their data: every report the
execution sends with a text has a template, and each template names only what that report carries."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

from drones.missions.event_labels import mission_event_labels

REPORTS = {
    "started": {"seq": 1},
    "progress": {"seq": 3, "remaining_m": 120, "reached": [1, 2], "eta_s": 30},
    "landed": {"reached": [1, 2, 3]},
    "failed": {"step": "upload mission", "error": "MAV_RESULT_DENIED"},
    "safe": {"action": "RTL"},
    "unsafe": {"error": "link lost"},
    "step": {"step": "arming"},
    "link_lost": {},
    "interrupted": {"cause": "fence", "text": "Fence breach"},
}


def test_every_mission_report_has_a_template_naming_only_its_data():
    labels = mission_event_labels()
    for report, data in REPORTS.items():
        assert report in labels, report
        names = set(re.findall(r"%\((\w+)\)s", labels[report]))
        assert names <= set(data), (report, names)


def test_the_templates_and_steps_are_translated():
    with translation.override("zh-hans"):
        labels = mission_event_labels()
    assert labels["landed"].startswith("任务结束")
    assert labels["progress"] == "任务项 %(seq)s，还剩 %(remaining_m)s 米"
    assert labels["steps"]["upload"] % {"part": labels["parts"]["fence"]} == "上传围栏"
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in labels["steps"].values())


def test_every_report_the_execution_sends_is_in_the_table():
    root = Path(__file__).resolve().parents[2]
    sources = (root / "drones/missions/execution.py").read_text() + (root / "drones/bridge/session.py").read_text()
    sent = set(re.findall(r"report\(\s*\"(\w+)\"", sources))
    assert sent and sent <= set(REPORTS), sent - set(REPORTS)

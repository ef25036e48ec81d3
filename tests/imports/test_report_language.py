"""A stored import report reads in its reader's language (issue 15): a file previewed by a Chinese user
shows "look swapped" in English to an English reader, and the other way round."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from common.texts import text, text_render, text_to_json
from imports.geometry import after_conversion, not_converted, position_problem
from imports.report import Problem
from tests.factories import StationFactory
from tests.imports.fixtures import csv_bytes, only_problem, preview

pytestmark = pytest.mark.django_db

SCHOOLS = "code,name,level,area,lat,lon\nS1,Hope Primary,primary,rural,118.17,36.18\n"


def test_a_swapped_position_reads_in_each_readers_language(scheduler, client):
    StationFactory(code="N01")
    with translation.override("zh-hans"):
        batch = preview("schools", csv_bytes(SCHOOLS), actor=scheduler)
    assert only_problem(batch)["message"].endswith("似乎颠倒了")  # written in the uploader's Chinese
    client.force_login(scheduler)
    url = reverse("campus:import_detail", args=[batch.pk])
    client.cookies["django_language"] = "en"
    assert "latitude 118.17 and longitude 36.18 look swapped" in client.get(url).content.decode()
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url).content.decode()
    assert "纬度 118.17 与经度 36.18 似乎颠倒了" in page and "look swapped" not in page


def test_messages_made_of_parts_keep_every_part():
    with translation.override("zh-hans"):
        message = position_problem(10.0, 10.0) + after_conversion("gcj02")
        stored = Problem(message=message, row=2).as_dict()
        assert "China" not in stored["message"]
    with translation.override("en"):
        again = Problem.from_dict(stored).message
    assert again == "(10.0, 10.0) is outside China (after conversion from GCJ-02 (AMap, Tencent) to WGS-84)"
    with translation.override("en"):
        assert "BD-09 (Baidu) offset does not apply" in text_render(text_to_json(not_converted(1.0, 2.0, "bd09")))


def test_plain_text_is_shown_as_it_was_stored():
    assert text_to_json("typed by hand") is None
    assert Problem.from_dict({"message": "as written", "text": None}).message == "as written"
    assert text_render([["no such %(x)s"]], fallback="kept") == "kept"  # not what text_to_json writes
    assert str(text("%(n)s rows", n=3)) == "3 rows"

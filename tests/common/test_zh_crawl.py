"""No English on the Chinese pages, no Chinese labels on the English ones: a crawl of the whole site.

``test_i18n_sources`` catches a message marked for translation that nobody translated; this catches the
strings nobody marked: English built in a view, stored in the database in one language, joined from
codes, or written straight into a template. The sample county is loaded as ``make sample`` loads it
(once for the module, rolled back at the end), then each sample login (one per role) opens every page of
its menu and follows the same-site links from there two levels down, one page per kind of page (URL
pattern) and login, with the language cookie set.

What is read is what a person sees: the text of the page outside ``<script>``/``<style>``/``<code>``/
``<pre>``/``<textarea>`` and outside elements marked ``translate="no"`` (recorded text such as the audit
log's reasons); the ``title``, ``placeholder``, ``aria-label`` and ``alt`` attributes and the ``value`` of
buttons; the ``data-l-*`` strings scripts show; and the string values of the ``json_script`` label
dictionaries (ids ending in ``-labels``).

Under zh-hans a finding is a run of three or more Latin letters that is neither data (an e-mail address,
a URL, a path or file name, a login or code such as ``sample_admin`` or ``SAMPLE-UAV-001``) nor in
``ALLOWED``, the short list of acronyms, units and product names that Chinese text writes in Latin letters
too. Under en a finding is a part of a text that is one of the catalogue's Chinese translations: a label
rendered, or stored, in the other language. Sample records (marked （样例） or 样例：) are data, and so
is the Chinese term an English label names on purpose, "Follow-up (回访)".
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve

# Same-site links followed from the menu pages, at most this many per kind of page (URL pattern) and
# login: a list of 100 incidents leads to one incident page, not 100.
LINKS_PER_PATTERN = 1
DEPTH = 2  # links followed from the menu pages, and from the pages they lead to
# Paths not followed: they sign out, download a file or belong to Django's own admin (translated by Django).
SKIP_PREFIXES = ("/admin/", "/accounts/logout", "/static/", "/media/")
SKIP_SUFFIXES = (".xlsx", ".pdf", ".csv", ".ics", ".kml", ".plan", ".waypoints", ".json", ".png", ".jpg", ".zip")

# Latin words a Chinese page may show. Each line says why; never a phrase of English.
ALLOWED = {
    # Acronyms and units that Chinese text writes in Latin letters too.
    "GPS", "PDF", "XLSX", "DOCX", "TXT", "CSV", "GPX", "KML", "GeoJSON", "Shapefile", "API", "ICS", "HLS", "UTC",
    "WGS", "GCJ", "CGCS", "SMTP", "SMS", "URL", "HTTP", "HTTPS", "JSON", "ID", "PWM", "CPU", "MAVLink", "SITL",
    "MP3", "WAV", "M4A", "KB", "MB", "GB", "mAh", "GBK", "Ctrl", "YYYY", "MM", "DD", "EKF",
    "FLV", "WebRTC", "WHEP",
    # ArduPilot's own names, as the autopilot and every ground station show them: flight modes, a parameter.
    "AUTO", "BRAKE", "GUIDED", "LAND", "LOITER", "RTL", "STABILIZE", "ALT_HOLD", "POSHOLD", "SERVOn",
    # Products and formats by their makers' spelling.
    "QGroundControl", "ArduPilot", "Mission Planner", "QGC WPL", "Word", "Excel", "CP-SAT", "SchoolSafe",
    # The language picker names each language in that language.
    "English",
}  # fmt: skip

LATIN_RUN = re.compile(r"[A-Za-z]{3,}")
# Data a page shows as it is: addresses, logins, codes (a letter-digit or letter_underscore mix), paths,
# file names and extensions, a telemetry link's address; and the placeholders of a message scripts fill in.
DATA = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"  # e-mail
    r"|\b(?:https?|wss?)://\S+"  # URL
    r"|\b(?:tcp|udp|udpin|udpout|serial):\S+"  # a MAVLink connection: tcp:127.0.0.1:5760
    r"|(?<![\w/])/[\w./?=&%-]+"  # a path
    r"|\b[\w-]+\.[A-Za-z0-9]{2,9}\b"  # a file name: markets.geojson
    r"|(?<![\w.])\.[A-Za-z0-9]{2,9}\b"  # an extension: .plan, .ics
    r"|\b[\w-]*(?:_|\d)[\w-]*\b"  # sample_admin, staff_990001, FJ1234, SAMPLE-UAV-001, SAMPLE-20261020-049
    r"|\b[A-Z][a-z]+/[A-Z][A-Za-z_]+\b"  # a time zone: Asia/Shanghai
    r"|%\(\w+\)[sd]|\{\w+\}"  # placeholders: %(seconds)s, {n}
)
HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Finding:
    login: str
    url: str
    where: str  # "text", an attribute's name, or "json:<id>"
    text: str


class _TextParser(HTMLParser):
    """The strings of an HTML page a person sees or hears, with where each came from."""

    SKIP = {"script", "style", "code", "pre", "template", "noscript", "svg", "math", "textarea"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    ATTRS = ("title", "placeholder", "aria-label", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.strings: list[tuple[str, str]] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.links: list[str] = []
        self._json: tuple[str, list[str]] | None = None

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = self.skipping or tag in self.SKIP or attrs.get("translate") == "no"
        if tag == "script" and attrs.get("type") == "application/json" and attrs.get("id", "").endswith("-labels"):
            self._json = (attrs["id"], [])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if not skipped:
            for name in self.ATTRS:
                if attrs.get(name):
                    self.strings.append((name, attrs[name]))
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.strings.append(("value", attrs["value"]))
            for name, value in attrs.items():
                if name.startswith("data-l-") and value:
                    self.strings.append((name, value))
        if tag not in self.VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "script" and self._json is not None:
            name, parts = self._json
            self._json = None
            for value in _json_strings(json.loads("".join(parts))):
                self.strings.append((f"json:{name}", value))
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self._json is not None:
            self._json[1].append(data)
        elif not self.skipping and data.strip():
            self.strings.append(("text", " ".join(data.split())))


def _json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _json_strings(v)]
    return []


def english_words(text: str) -> list[str]:
    """The Latin words of ``text`` that are neither data nor allowed."""
    for phrase in (a for a in ALLOWED if not a.isalnum()):
        text = text.replace(phrase, " ")
    text = DATA.sub(" ", text)
    return [w for w in LATIN_RUN.findall(text) if w not in ALLOWED]


def _pattern(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route


def _budget(url: str, per_pattern: dict[str, int]) -> bool:
    """Whether ``url`` may still be read: its kind of page was read fewer than LINKS_PER_PATTERN times."""
    pattern = _pattern(url.split("?")[0])
    if pattern is None or per_pattern[pattern] >= LINKS_PER_PATTERN:
        return False
    per_pattern[pattern] += 1
    return True


def _same_site_links(hrefs: list[str]) -> list[str]:
    out = []
    for href in hrefs:
        href, _fragment = urldefrag(href)
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES):
            continue
        out.append(path)
    return out


def menu_urls(user) -> list[str]:
    from django.urls import reverse

    from common.nav import is_visible, nav_menu
    from common.roles import capabilities_of

    caps = capabilities_of(user)
    return [
        reverse(entry.url_name)
        for _group, entries in nav_menu()
        for entry in entries
        if is_visible(entry, user=user, caps=caps)
    ]


def _read(client, url: str, check) -> tuple[list[tuple[str, str]], list[str]] | None:
    """The strings of the page at ``url`` for which ``check`` holds, and its same-site links; None when it
    is not an HTML page the user may see."""
    response = client.get(url)
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return None
    body = b"".join(response.streaming_content) if response.streaming else response.content
    parser = _TextParser()
    parser.feed(body.decode(response.charset or "utf-8"))
    return [(where, text) for where, text in parser.strings if check(text)], _same_site_links(parser.links)


def crawl_site(*, language: str, check=None) -> tuple[list[Finding], list[str]]:
    """Every sample login's menu pages and the pages behind them, read in ``language``.

    ``check(text) -> bool`` says whether a string is a finding (default: English words under zh-hans,
    Chinese labels under en). Returns the findings and the pages read ("login url")."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from common.sample_users import SAMPLE_USERS

    if check is None:
        check = _is_chinese_label if language == "en" else (lambda text: bool(english_words(text)))
    findings: list[Finding] = []
    visited: list[str] = []
    for username in SAMPLE_USERS.values():
        user = get_user_model().objects.get(username=username)
        client = Client(headers={"accept-language": language})
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.force_login(user)
        seen: set[str] = set()
        per_pattern: dict[str, int] = defaultdict(int)
        level = menu_urls(user)
        for url in level:
            per_pattern[_pattern(url) or url] += LINKS_PER_PATTERN  # a menu page is read as a menu page only
        for depth in range(DEPTH + 1):
            found = []
            for url in level:
                if url in seen or (depth and not _budget(url, per_pattern)):
                    continue
                seen.add(url)
                page = _read(client, url, check)
                if page is None:
                    continue
                visited.append(f"{username} {url}")
                findings.extend(Finding(username, url, where, text) for where, text in page[0])
                found.extend(page[1])
            level = found
    return findings, visited


_SEGMENT = re.compile(r"\s*(?:·|:|：|\(|\)|,|，|;|；|→|\*)\s*")
# A sample record's name or text carries the sample mark, （样例） or 样例：: data, read as it was written.
_SAMPLE_DATA = re.compile(r"[^\s·,:：;；()]*\s?（样例）[^\s·,:;()]*|样例：[^·]*")
# English labels name the Chinese term beside them on purpose: "Follow-up (回访)".
_GLOSS = re.compile(r"(?<=[A-Za-z]) \([^()]*[\u3400-\u9fff][^()]*\)")


@cache
def _chinese_labels() -> frozenset[str]:
    """The Chinese texts of the catalogue's English messages (placeholders left out): a label the site has in
    both languages. Seen on an English page, it was rendered (or stored) in the other language."""
    import polib

    from tests.common.test_i18n_sources import PO

    labels = set()
    for entry in polib.pofile(str(PO)):
        if entry.obsolete or HAN.search(entry.msgid) or "%" in entry.msgstr or "{" in entry.msgstr:
            continue
        labels.update(part for part in _SEGMENT.split(entry.msgstr) if HAN.search(part))
    return frozenset(labels)


def _is_chinese_label(text: str) -> bool:
    """Whether ``text`` shows, as one of its parts, a Chinese label of the catalogue."""
    if not HAN.search(text):
        return False
    labels = _chinese_labels()
    text = _GLOSS.sub(" ", _SAMPLE_DATA.sub(" ", text))
    return any(part in labels for part in _SEGMENT.split(text) if part)


def describe(findings: list[Finding]) -> str:
    """Findings grouped by text, each with the pages (and logins) that show it."""
    by_text: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        by_text[(f.where, f.text)].append(f)
    lines = []
    for (where, text), group in sorted(by_text.items(), key=lambda kv: (kv[1][0].url, kv[0])):
        pages = sorted({f"{f.url} ({f.login})" for f in group})
        more = f" and {len(pages) - 3} more pages" if len(pages) > 3 else ""
        lines.append(f"  [{where}] {text[:200]!r}\n      on {', '.join(pages[:3])}{more}")
    return f"{len(by_text)} strings:\n" + "\n".join(lines)


# --- the tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_site(django_db_setup, django_db_blocker):
    """The sample county as ``make sample`` loads it, once for this module, rolled back after it.

    The roster solver gets a short time limit: a partial roster shows the uncovered-place explanations
    too, which is what this module reads."""
    import io

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import translation

    from campus.sample.loader import sample_county_load

    quiet = {"verbosity": 0, "stdout": io.StringIO()}
    with django_db_blocker.unblock(), transaction.atomic():
        sample_county_load()
        for command in ("load_sample_airspace", "load_sample_fleet", "load_sample_campaigns"):
            call_command(command, **quiet)
        call_command("load_sample_patrol", time_limit=3.0, **quiet)
        call_command("load_sample_incidents", **quiet)
        call_command("load_sample_drills", **quiet)
        call_command("load_sample_plans", **quiet)
        translation.deactivate()  # the commands leave the site language active
        yield
        transaction.set_rollback(True)


@pytest.mark.slow
@pytest.mark.django_db
def test_no_english_on_any_page_any_role_reads_in_chinese(sample_site, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    findings, visited = crawl_site(language="zh-hans")
    assert len(visited) > 300  # every role's menu and the pages behind it were read
    assert not findings, "English on Chinese pages (" + describe(findings) + ")"


@pytest.mark.slow
@pytest.mark.django_db
def test_no_chinese_label_on_any_page_any_role_reads_in_english(sample_site, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    findings, visited = crawl_site(language="en")
    assert len(visited) > 300
    assert not findings, "Chinese labels on English pages (" + describe(findings) + ")"


# --- the detectors themselves (fast) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Mon-Fri", ["Mon", "Fri"]),
        ("police 1, auxiliary 1", ["police", "auxiliary"]),
        ("2026-2027 Autumn term · 县公安局", ["Autumn", "term"]),
        ("生成：partial，16.26 秒。", ["partial"]),
        ("%(seconds)s 秒前", []),
        ("sample_admin · SAMPLE-20261020-049 · 城关派出所（样例）", []),
        ("导入 · markets.geojson · 下载 .ics · tcp:127.0.0.1:5760", []),
        ("来自 QGroundControl（.plan）或 Mission Planner", []),
        ("39 条记录 · 时间为 Asia/Shanghai 时区。", []),
    ],
)
def test_english_words_are_found_and_data_is_left_alone(text, words):
    assert english_words(text) == words


def test_the_parser_reads_what_a_person_sees_and_skips_code_and_scripts():
    parser = _TextParser()
    parser.feed(
        '<p>可见 <code>hidden_code</code> <span translate="no">Recorded reason</span> tail</p>'
        '<input type="text" placeholder="Search"><img alt="Map"><a href="/x/" title="Open it">打开</a>'
        "<script>var s = 'Not read';</script><style>p { color: red }</style>"
        '<script id="map-labels" type="application/json">{"a": "Zoom in", "b": ["缩小"]}</script>'
        '<script id="map-data" type="application/json">{"a": "not a label"}</script>'
        '<button data-l-sending="Sending…">发送</button><input type="submit" value="Save">'
    )
    assert parser.strings == [
        ("text", "可见"),
        ("text", "tail"),
        ("placeholder", "Search"),
        ("alt", "Map"),
        ("title", "Open it"),
        ("text", "打开"),
        ("json:map-labels", "Zoom in"),
        ("json:map-labels", "缩小"),
        ("data-l-sending", "Sending…"),
        ("text", "发送"),
        ("value", "Save"),
    ]
    assert parser.links == ["/x/"]


def test_chinese_labels_are_found_on_english_pages_and_names_are_not():
    assert _is_chinese_label("Status: 已发布")
    assert _is_chinese_label("Roster · 草稿")
    assert not _is_chinese_label("Follow-up (回访)")  # the Chinese term beside its English label, on purpose
    assert not _is_chinese_label("城关派出所（样例） · 罗超航 （样例）")  # sample names
    assert not _is_chinese_label("样例：在校时间东侧楼梯门保持开启 · 2026-12-22")


def test_the_shipped_drill_rules_sources_all_have_a_translation():
    """``drills.models.DEFAULT_RULE_SOURCES`` must be the data migration's texts, word for word."""
    from importlib import import_module

    from django.utils import translation

    from drills.models import DEFAULT_RULE_SOURCES

    migration = import_module("campus.migrations.0006_default_drill_types_rules")
    assert {rule[-1] for rule in migration.RULES} == DEFAULT_RULE_SOURCES
    with translation.override("zh-hans"):
        assert all(not english_words(translation.gettext(source)) for source in DEFAULT_RULE_SOURCES)

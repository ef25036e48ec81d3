"""The Content-Security-Policy header, and templates that need nothing it refuses.

The browser side (no violation reported by Chromium on the main pages) is tests/browser/test_csp_pages.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from common.roles import Role
from tests.factories import make_user

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
# An attribute on*= inside a tag (onclick=, onchange=, onload= ...), not data-on...= or a word in the text.
INLINE_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.S)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*?\sstyle\s*=", re.S)


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


COMMENTS = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)


def _templates() -> list[Path]:
    return sorted(path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html"))


def _source(path: Path) -> str:
    """The template without its template comments (which may name what they avoid)."""
    return COMMENTS.sub("", path.read_text(encoding="utf-8"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "home",
        "drones:live_map",
        "drones:mission_list",
        "patrol:roster-home",
        "incidents:report-new",
        "campus:map",
        "audit_log",
        "api_docs",
    ],
)
def test_html_pages_carry_a_policy_without_inline_or_eval_scripts(client, name):
    client.force_login(make_user(Role.BUREAU_ADMIN))
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/html")
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"], policy
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"] and "'unsafe-eval'" not in policy.get("style-src", [])


def test_the_login_page_has_the_policy_too(client):
    policy = _policy(client.get(reverse("login")))
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]


@pytest.mark.django_db
def test_redoc_alone_may_use_inline_styles_and_a_blob_worker_but_no_inline_script(client):
    client.force_login(make_user(Role.BUREAU_ADMIN))
    response = client.get(reverse("api_redoc"))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"] and "blob:" in policy["worker-src"]
    assert "fonts.googleapis.com" not in response.content.decode()


@pytest.mark.django_db
def test_swagger_ui_serves_its_start_script_as_a_file(client):
    client.force_login(make_user(Role.BUREAU_ADMIN))
    html = client.get(reverse("api_docs")).content.decode()
    assert "<style" not in html
    sources = [m.group(1) for m in SCRIPT_TAG.finditer(html)]
    assert sources and all("src=" in attrs for attrs in sources), sources
    script = client.get(reverse("api_docs") + "?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_tile_server_origin_is_allowed_for_images_only_when_set(settings):
    from importlib import reload

    import config.settings.base as base

    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("MAP_TILE_URL", "https://{s}.tiles.example.org/{z}/{x}/{y}.png")
            reload(base)
            assert base.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"][-1] == "https://*.tiles.example.org"
            mp.setenv("MAP_TILE_URL", "")
            reload(base)
            assert base.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] == ["'self'", "data:", "blob:"]
    finally:
        reload(base)


def test_templates_have_no_inline_event_handlers():
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)[-40:]!r}"
        for path in _templates()
        for match in INLINE_HANDLER.finditer(_source(path))
    ]
    assert not found, "inline event handlers (the CSP refuses them; use data- attributes and a static file):\n" + (
        "\n".join(found)
    )


def test_templates_have_no_inline_scripts_except_json_data():
    found = []
    for path in _templates():
        for match in SCRIPT_TAG.finditer(_source(path)):
            attrs = match.group(1)
            if "src=" in attrs or re.search(r"""type=["']application/json["']""", attrs):
                continue
            found.append(f"{path.relative_to(ROOT)}: {match.group(0)!r}")
    assert not found, "inline <script> (the CSP refuses it; move it to static/js/):\n" + "\n".join(found)


def test_templates_have_no_inline_styles():
    found = []
    for path in _templates():
        text = _source(path)
        found += [f"{path.relative_to(ROOT)}: <style>" for _ in re.finditer(r"<style\b", text)]
        found += [f"{path.relative_to(ROOT)}: {m.group(0)[-40:]!r}" for m in STYLE_ATTRIBUTE.finditer(text)]
        found += [f"{path.relative_to(ROOT)}: javascript: URL" for _ in re.finditer(r"javascript:", text, re.I)]
    assert not found, "inline styles or javascript: URLs (the CSP refuses them):\n" + "\n".join(found)


def test_the_grep_catches_what_it_is_for():
    assert INLINE_HANDLER.search('<select name="x" onchange="this.form.submit()">')
    assert INLINE_HANDLER.search('<button\n  type="button" onclick="window.print()">')
    assert not INLINE_HANDLER.search('<div data-station="1" data-on-change="x">')
    assert STYLE_ATTRIBUTE.search('<div class="a" style="height:1px">')
    assert not STYLE_ATTRIBUTE.search('<div data-style="x">')


def test_static_scripts_do_not_evaluate_strings():
    pattern = re.compile(r"\beval\s*\(|new\s+Function\s*\(|set(?:Timeout|Interval)\s*\(\s*[\"'`]")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "static" / "js").glob("*.js"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, found

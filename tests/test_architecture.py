"""The apps' dependencies run one way: ``common`` <- ``campus`` <- the rest, with no cycle between apps.

Every ``.py`` file of the apps is parsed (not imported) and every import is collected, including the
ones inside functions and under ``TYPE_CHECKING``, relative imports, and dotted module paths in string
literals that name an existing module of an app (``include("imports.urls")``,
``import_string`` registries): those load the module just the same. ``config/`` wires the apps
together and may import any of them; tests and benchmarks are not apps.

Today's violations are listed exactly below, each with why it is there. A new violation fails, and so
does a listed one that is gone: delete it from the list, so the list only ever shrinks.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Top-level packages that are apps.
APP_ROOTS = (
    "common",
    "campus",
    "patrol",
    "drones",
    "simulators",
    "imports",
    "incidents",
    "drills",
    "campaigns",
    "notices",
    "reports",
)
# The layer of each app; an import from a lower layer into a higher one is a violation. ``imports`` (the
# import framework) sits under every app that registers import kinds, campus included; ``notices`` (the
# notification centre) under every app that sends notices.
LAYER = {"common": 0, "imports": 1, "notices": 1, "campus": 2}  # everything else: 3
REST_LAYER = 3


def app_of(module: str) -> str | None:
    """The app a dotted module path belongs to, or None when it is not one of ours."""
    root = module.split(".")[0]
    return root if root in APP_ROOTS else None


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    path: str  # its file, relative to the project
    line: int
    target: str  # the imported module (or module.name), dotted
    how: str  # "import" or "string"

    def where(self) -> str:
        kind = "" if self.how == "import" else " (dotted path in a string)"
        return f"{self.path}:{self.line} {self.module} -> {self.target}{kind}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _string_target(value: str) -> str | None:
    """A string naming a module of an app (or an attribute of one), e.g. ``"campus.dashboard.section"``.

    Three parts at least: two-part strings are model labels (``"incidents.followup"``) and group names
    (``"drones.alerts"``), which happen to share their spelling with modules.
    """
    parts = value.split(".")
    if len(parts) < 3 or parts[0] not in APP_ROOTS or not all(p.isidentifier() for p in parts):
        return None
    for end in range(len(parts), 1, -1):  # the longest prefix that is a module, the package alone is not enough
        if _is_module(".".join(parts[:end])):
            return value
    return None


def _imports_of(path: Path) -> list[Import]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    rel = path.relative_to(ROOT).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(module, rel, node.lineno, alias.name, "import") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # ``from campus import drills`` imports the package ``campus.drills``: judge each name with its base.
            found += [Import(module, rel, node.lineno, f"{base}.{alias.name}", "import") for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            target = _string_target(node.value)
            if target is not None:
                found.append(Import(module, rel, node.lineno, target, "string"))
    return found


def _all_imports() -> list[Import]:
    found: list[Import] = []
    for root in APP_ROOTS:
        for path in sorted((ROOT / root).rglob("*.py")) if (ROOT / root).is_dir() else ():
            if "migrations" in path.parts:
                continue  # generated; they name other apps' migrations as dependencies by design
            found += _imports_of(path)
    return found


def _app_edges(imports: list[Import]) -> dict[tuple[str, str], list[Import]]:
    edges: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in imports:
        source, target = app_of(imp.module), app_of(imp.target)
        if source and target and source != target:
            edges[(source, target)].append(imp)
    return edges


def _layer(app: str) -> int:
    return LAYER.get(app, REST_LAYER)


def _violations(edges: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Edges from a lower layer up, and edges on a cycle within one layer.

    Every cycle between apps contains one or the other, so an empty result means no cycle at all;
    downward edges (``patrol -> campus``) are never reported, even when an upward edge elsewhere
    (``common -> patrol``) closes a cycle through them: the upward edge is the one to remove.
    """
    upward = {(a, b) for a, b in edges if _layer(a) < _layer(b)}
    level = {(a, b) for a, b in edges if _layer(a) == _layer(b)}
    return upward | _in_cycle(level)


def _in_cycle(edges: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The edges that lie on a cycle: those whose target reaches back to their source."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)

    def reaches(start: str, goal: str) -> bool:
        seen, stack = {start}, [start]
        while stack:
            for nxt in graph[stack.pop()]:
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return False

    return {(a, b) for a, b in edges if reaches(b, a)}


# App-level edges that break the one-way rule: they point from a lower layer up (common -> any app,
# imports -> an app, campus -> the rest) or lie on a cycle within one layer. Empty since issue 12; a
# new one fails the test below.
KNOWN_EDGES: set[tuple[str, str]] = set()

# Modules of ``common`` that import an app (module, imported app): none. The apps register their nav
# entries, overview sections and cards, and background jobs in ``AppConfig.ready()`` (common.nav,
# common.dashboard, common.jobs).
KNOWN_COMMON_IMPORTS: set[tuple[str, str]] = set()


def _explain(edges, pairs) -> str:
    lines = []
    for pair in sorted(pairs):
        lines.append(f"  {pair[0]} -> {pair[1]}:")
        lines += [f"    {imp.where()}" for imp in edges.get(pair, [])[:10]]
    return "\n".join(lines)


def test_the_import_walk_sees_the_apps():
    imports = _all_imports()
    modules = {imp.module for imp in imports}
    assert {"common.publish", "patrol.roster.problem", "drones.missions.generators"} <= modules
    assert any(app_of(imp.target) == "campus" for imp in imports if app_of(imp.module) == "patrol")


def test_no_new_cycle_or_upward_import_between_apps():
    edges = _app_edges(_all_imports())
    violating = _violations(set(edges))
    new = violating - KNOWN_EDGES
    gone = KNOWN_EDGES - violating
    message = []
    if new:
        message.append("New imports against the one-way rule (common <- campus <- the rest, no cycles):\n")
        message.append(_explain(edges, new))
    if gone:
        message.append("\nFixed, so delete from KNOWN_EDGES in tests/test_architecture.py: " + repr(sorted(gone)))
    assert not new and not gone, "\n".join(message)


def test_common_imports_no_app():
    offenders: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in _all_imports():
        target = app_of(imp.target)
        if app_of(imp.module) == "common" and target not in (None, "common"):
            offenders[(imp.module, target)].append(imp)
    new = set(offenders) - KNOWN_COMMON_IMPORTS
    gone = KNOWN_COMMON_IMPORTS - set(offenders)
    message = []
    if new:
        message.append("common imports an app (apps register with common in AppConfig.ready() instead):")
        message += [f"  {imp.where()}" for pair in sorted(new) for imp in offenders[pair]]
    if gone:
        message.append(
            "Fixed, so delete from KNOWN_COMMON_IMPORTS in tests/test_architecture.py: " + repr(sorted(gone))
        )
    assert not new and not gone, "\n".join(message)


def test_module_paths_map_to_apps():
    assert app_of("incidents.notify") == "incidents" and app_of("drills.models") == "drills"
    assert app_of("imports.api") == "imports" and app_of("campus.import_kinds.schools") == "campus"
    assert app_of("campus.models") == "campus" and app_of("common") == "common"
    assert app_of("django.db") is None and app_of("config.settings") is None


def test_the_moved_packages_are_gone_from_campus_and_patrol():
    """incidents, drills and imports left campus; the school calendar left patrol (issue 12)."""
    for old in ("campus/incidents", "campus/drills", "campus/imports", "patrol/schedule/calendar.py"):
        leftovers = [p for p in (ROOT / old).rglob("*.py")] if (ROOT / old).is_dir() else []
        assert not leftovers and not (ROOT / old).is_file(), f"{old} should be gone: {leftovers}"


def test_the_import_framework_sits_under_the_apps_that_register_kinds():
    assert _violations({("campus", "imports"), ("drones", "imports"), ("imports", "common")}) == set()
    assert _violations({("imports", "campus")}) == {("imports", "campus")}
    assert _violations({("imports", "drones")}) == {("imports", "drones")}


def test_upward_edges_and_cycles_within_a_layer_are_the_violations():
    downward = {("patrol", "campus"), ("campus", "common"), ("drones", "common")}
    assert _violations(downward) == set()
    # An upward edge is the violation, not the downward ones its cycle runs through.
    assert _violations(downward | {("common", "patrol")}) == {("common", "patrol")}
    assert _violations(downward | {("drones", "patrol"), ("patrol", "drones")}) == {
        ("drones", "patrol"),
        ("patrol", "drones"),
    }

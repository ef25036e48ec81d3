"""The apps' dependencies run one way: ``common`` <- ``campus`` <- the rest, with no cycle between apps.

Every ``.py`` file of the apps is parsed (not imported) and every import is collected, including the
ones inside functions and under ``TYPE_CHECKING``, relative imports, and dotted module paths in string
literals that name an existing module of an app (``include("campus.imports.urls")``,
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

# Top-level packages that are apps (or will be: ``incidents``, ``drills`` and ``imports`` are still
# packages inside ``campus`` while they move out).
APP_ROOTS = ("common", "campus", "patrol", "drones", "simulators", "imports", "incidents", "drills")
# Packages inside ``campus`` that are apps of their own by the conventions and are moving to the top level.
CAMPUS_SUBAPPS = ("incidents", "drills", "imports")
# The layer of each app; an import from a lower layer into a higher one is a violation.
LAYER = {"common": 0, "campus": 1}  # everything else: 2
REST_LAYER = 2


def app_of(module: str) -> str | None:
    """The app a dotted module path belongs to, or None when it is not one of ours.

    ``campus.incidents.notify`` and ``incidents.notify`` both belong to ``incidents``, so the test reads
    the same before, during and after a package's move out of ``campus``.
    """
    parts = module.split(".")
    if parts[0] not in APP_ROOTS:
        return None
    if parts[0] == "campus" and len(parts) > 1 and parts[1] in CAMPUS_SUBAPPS:
        return parts[1]
    return parts[0]


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


# App-level edges that break the one-way rule today: they point from a lower layer up (common -> any
# app, campus -> the rest) or lie on a cycle within one layer. Issue 12 shrinks this to empty.
KNOWN_EDGES: set[tuple[str, str]] = {
    # imports still lives inside campus: campus/urls.py and api_urls.py include the imports pages,
    # campus/apps.py asks it which import kinds a user may run (for the nav), and campus's import_*
    # management commands build on it. It goes when the package moves out to imports/.
    ("campus", "imports"),
    # A cycle: drones' airspace and market imports build on the import framework's columns and
    # geometry, and the framework's kind registry (campus/imports/kinds/__init__.py) names drones'
    # kinds. Drones should register its kinds in DronesConfig.ready().
    ("drones", "imports"),
    ("imports", "drones"),
}

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


def test_module_paths_map_to_apps_before_and_after_the_moves():
    assert app_of("campus.incidents.notify") == app_of("incidents.notify") == "incidents"
    assert app_of("campus.drills.models") == app_of("drills.models") == "drills"
    assert app_of("campus.imports.api") == app_of("imports.api") == "imports"
    assert app_of("campus.models") == "campus" and app_of("common") == "common"
    assert app_of("django.db") is None and app_of("config.settings") is None


def test_upward_edges_and_cycles_within_a_layer_are_the_violations():
    downward = {("patrol", "campus"), ("campus", "common"), ("drones", "common")}
    assert _violations(downward) == set()
    # An upward edge is the violation, not the downward ones its cycle runs through.
    assert _violations(downward | {("common", "patrol")}) == {("common", "patrol")}
    assert _violations(downward | {("drones", "patrol"), ("patrol", "drones")}) == {
        ("drones", "patrol"),
        ("patrol", "drones"),
    }

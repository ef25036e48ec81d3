"""The layout inside the apps: one URL module for pages and one for the API per app, and entry layers that
never import each other.

- URLs: an app's page routes are all in ``<app>/urls.py`` and its API routes in ``<app>/api_urls.py``,
  at the app's top level; no other module's name ends in ``urls.py`` (``config/urls.py`` is the root).
- Entry layers: an API module (``api.py``, ``*_api.py``) never imports a views module (``views.py``,
  ``*_views.py``), nor the other way round. Code both need lives below them (selectors, services, forms,
  exports, or a small module of the app named for its concept).
- Size: no module of the apps (migrations aside) is longer than ``MAX_MODULE_LINES``; a longer one is
  split by concept.

Files are parsed, not imported, and every import counts: the ones inside functions, under
``TYPE_CHECKING``, and relative ones.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_APPS = {"tests", "benchmarks", "docs", "locale", "static", "templates", "samples"}
URL_MODULES = {"urls.py", "api_urls.py"}
MAX_MODULE_LINES = 600


def top_packages(root: Path) -> list[str]:
    """The project's top-level Python packages (the apps and ``config``), not tests or tooling."""
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and (p / "__init__.py").is_file() and p.name not in NOT_APPS and not p.name.startswith(".")
    )


def app_files(root: Path) -> list[Path]:
    files = []
    for package in top_packages(root):
        files += [f for f in (root / package).rglob("*.py") if "migrations" not in f.relative_to(root).parts]
    return sorted(files)


def misplaced_url_modules(root: Path) -> list[str]:
    """URL modules other than ``<app>/urls.py`` and ``<app>/api_urls.py``."""
    found = []
    for path in app_files(root):
        if not path.name.endswith("urls.py"):
            continue
        relative = path.relative_to(root)
        if len(relative.parts) != 2 or relative.name not in URL_MODULES:
            found.append(relative.as_posix())
    return found


def layer_of(module: str) -> str | None:
    """``"api"`` or ``"views"`` for an entry module's dotted path, else None."""
    last = module.rsplit(".", 1)[-1]
    if last == "api" or last.endswith("_api"):
        return "api"
    if last == "views" or last.endswith("_views"):
        return "views"
    return None


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, module: str, *, is_package: bool) -> list[tuple[int, str]]:
    """``(line, dotted target)`` for every import anywhere in the tree; ``from a import b`` gives both ``a``
    and ``a.b`` (``b`` may be a module)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*"]
    return found


def entry_layer_violations(root: Path) -> list[str]:
    """``path:line module -> target`` for each api module importing a views module, or the reverse."""
    ours = set(top_packages(root))
    violations = []
    for path in app_files(root):
        module = module_name(root, path)
        layer = layer_of(module)
        if layer is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, target in imported_modules(tree, module, is_package=path.name == "__init__.py"):
            other = layer_of(target)
            if target.split(".")[0] in ours and other is not None and other != layer:
                violations.append(f"{path.relative_to(root).as_posix()}:{line} {module} -> {target}")
    return sorted(set(violations))


# --- the project ---------------------------------------------------------------------------------------


def test_each_app_has_one_urls_and_one_api_urls_at_its_top_level():
    assert misplaced_url_modules(ROOT) == [], "merge these into the app's urls.py or api_urls.py"


def test_the_apps_have_their_url_modules():
    for app in ("campus", "patrol", "incidents", "drills", "drones"):
        assert (ROOT / app / "urls.py").is_file() and (ROOT / app / "api_urls.py").is_file(), app


def test_api_and_views_modules_never_import_each_other():
    assert entry_layer_violations(ROOT) == [], "move what both need into selectors, services or a shared module"


def test_no_module_of_the_apps_is_longer_than_600_lines():
    too_long = []
    for path in app_files(ROOT):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(ROOT).as_posix()}: {lines} lines")
    assert too_long == [], f"longer than {MAX_MODULE_LINES} lines, split by concept: {', '.join(too_long)}"


# --- the checks themselves, on a small tree ----------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_url_module_inside_an_app_or_with_another_name_is_found(tmp_path):
    root = _tree(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/urls.py": "",
            "shop/api_urls.py": "",
            "shop/cart/__init__.py": "",
            "shop/cart/urls.py": "",
            "shop/checkout_urls.py": "",
            "config/__init__.py": "",
            "config/urls.py": "",
            "tests/__init__.py": "",
            "tests/urls.py": "",
        },
    )
    assert misplaced_url_modules(root) == ["shop/cart/urls.py", "shop/checkout_urls.py"]


def test_imports_between_api_and_views_are_found_wherever_they_are(tmp_path):
    root = _tree(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/selectors.py": "",
            "shop/views.py": "from shop import selectors\nfrom rest_framework.views import APIView\n",
            "shop/api.py": "def f():\n    from shop.views import page\n",
            "shop/cart/__init__.py": "",
            "shop/cart/cart_views.py": "from . import cart_api\n",
            "shop/cart/cart_api.py": "import shop.cart.cart_views\n",
            "shop/order_api.py": "from .order_views import x\n",
            "shop/order_views.py": "from shop import selectors, api\n",
        },
    )
    assert entry_layer_violations(root) == [
        "shop/api.py:2 shop.api -> shop.views",
        "shop/cart/cart_api.py:1 shop.cart.cart_api -> shop.cart.cart_views",
        "shop/cart/cart_views.py:1 shop.cart.cart_views -> shop.cart.cart_api",
        "shop/order_api.py:1 shop.order_api -> shop.order_views",
        "shop/order_views.py:1 shop.order_views -> shop.api",
    ]

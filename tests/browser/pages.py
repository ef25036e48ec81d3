"""What the browser tests share beyond fixtures: the phone and desktop sizes, the languages, and the
check that a page fits its width (no sideways scrolling)."""

from __future__ import annotations

LOCALES = {"en": "en-US", "zh-hans": "zh-CN"}
SIZES = {
    390: {"width": 390, "height": 844},  # a phone
    768: {"width": 768, "height": 1024},  # a tablet
    1280: {"width": 1280, "height": 800},
    1366: {"width": 1366, "height": 768},
}


def fits(page) -> bool:
    """The page is no wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def squeezed_cells(page) -> list[str]:
    """Texts of table cells (in a ``.table-scroll`` box) laid out narrower than three characters while they
    hold more: a name or a date wrapped a character per line."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.table-scroll td, .table-scroll th')).filter(cell => {
            const text = cell.innerText.trim();
            const size = parseFloat(getComputedStyle(cell).fontSize) || 14;
            return text.length > 3 && cell.offsetParent !== null && cell.getBoundingClientRect().width < 3.2 * size;
        }).map(cell => cell.innerText.trim().slice(0, 40))"""
    )

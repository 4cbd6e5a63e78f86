"""The palette passes WCAG 2.2 AA: 4.5:1 for text, 3:1 for lines and marks that carry meaning.

Read from the stylesheet itself (and the colours the scripts draw with), so a changed colour
that breaks contrast fails here rather than in front of a tired reviewer.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest

STATIC = resources.files("api").joinpath("static")


def _palette() -> dict[str, str]:
    css = STATIC.joinpath("app.css").read_text("utf-8")
    root = css[css.index(":root") : css.index("}", css.index(":root"))]
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", root))


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


PALETTE = _palette()
TEXT = [  # (foreground, background): every text colour on every background it is used on
    ("ink", "bg"), ("ink", "surface"), ("ink", "attention-bg"),
    ("ink-soft", "bg"), ("ink-soft", "surface"),
    ("accent", "bg"), ("accent", "surface"),
    ("attention", "bg"), ("attention", "surface"), ("attention", "attention-bg"),
    ("ok", "bg"), ("ok", "surface"),
    ("on-primary", "primary"),
]  # fmt: skip
MARKS = [  # control borders, the focus ring, bar fills against their track
    ("line", "bg"), ("line", "surface"), ("focus", "bg"), ("focus", "surface"),
    ("primary", "track"), ("attention", "track"), ("line", "track"),
]  # fmt: skip
LITERALS = [  # colours written in the stylesheet and scripts outside the palette
    ("#262626", "#dedbd3", 4.5),  # text on the media viewer's backdrop
    ("#5f5f5f", "#eceae4", 4.5),  # a disabled button's label (exempt, kept readable anyway)
    ("#ffffff", "#22303d", 4.5),  # a primary button under the pointer
    ("#262626", "#efede7", 4.5),  # a button under the pointer
    ("#4d4d4d", "#ffffff", 4.5),  # the heat strip's day labels
    ("#767676", "#dedbd3", 3.0),  # a control's border on the viewer's backdrop
]


def test_the_palette_is_read_from_the_stylesheet() -> None:
    assert {"ink", "bg", "surface", "primary", "attention", "focus"} <= set(PALETTE)


@pytest.mark.parametrize(("fg", "bg"), TEXT)
def test_text_is_at_least_4_5_to_1(fg: str, bg: str) -> None:
    assert contrast(PALETTE[fg], PALETTE[bg]) >= 4.5


@pytest.mark.parametrize(("fg", "bg"), MARKS)
def test_lines_and_marks_are_at_least_3_to_1(fg: str, bg: str) -> None:
    assert contrast(PALETTE[fg], PALETTE[bg]) >= 3.0


@pytest.mark.parametrize(("fg", "bg", "least"), LITERALS)
def test_literal_colours(fg: str, bg: str, least: float) -> None:
    assert contrast(fg, bg) >= least


def test_the_scripts_draw_with_palette_colours() -> None:
    """The bars and heat strips are drawn in JS; their colours must be the checked ones."""
    common = STATIC.joinpath("common.js").read_text("utf-8")
    for name in ("primary", "attention", "track", "line"):
        assert PALETTE[name] in common, name
    dashboard = STATIC.joinpath("dashboard-heat.js").read_text("utf-8")
    darkest = re.findall(r"#[0-9a-f]{6}", dashboard.split("HEAT_COLOURS = ", 1)[1])[5]
    assert contrast(darkest, PALETTE["surface"]) >= 3.0

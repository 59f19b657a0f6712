"""Text colours of the static style sheet meet WCAG AA (4.5:1) on the backgrounds they sit on,
in the light and the dark theme; the faint grey once was #8a94a6 (3.1:1 on white, 81 axe
color-contrast violations)."""

import re
from pathlib import Path

from django.conf import settings

CSS = Path(settings.BASE_DIR) / "static" / "css" / "app.css"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _ratio(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _colours(block: str) -> dict:
    return {
        name: value if len(value) == 7 else "#" + "".join(c * 2 for c in value[1:])
        for name, value in re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", block)
    }


def _themes() -> dict:
    text = CSS.read_text()
    dark = text.split(':root[data-theme="dark"] {', 1)[1].split("}", 1)[0]
    return {"light": _colours(text.split("}", 1)[0]), "dark": {**_colours(text.split("}", 1)[0]), **_colours(dark)}}


PAIRS = [(text, background) for text in ("fg", "muted", "faint", "accent", "danger") for background in ("card", "bg")] + [
    ("danger-fg", "danger-soft"), ("ok-fg", "ok-soft"), ("warn-fg", "warn-soft"), ("badge-fg", "subtle"),
    ("system-fg", "system-soft"), ("accent-dark", "accent-soft"), ("on-accent", "accent"), ("muted", "subtle"),
]


def test_text_greys_have_aa_contrast_on_cards_and_the_page_background():
    for theme, colours in _themes().items():
        for text, background in PAIRS:
            assert _ratio(colours[text], colours[background]) >= 4.5, (theme, text, background)

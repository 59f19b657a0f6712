"""Text colours of the static style sheet meet WCAG AA (4.5:1) on the backgrounds they sit on;
the faint grey once was #8a94a6 (3.1:1 on white, 81 axe color-contrast violations)."""

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


def test_text_greys_have_aa_contrast_on_cards_and_the_page_background():
    root = CSS.read_text().split("}", 1)[0]  # the :root block of the light theme
    colours = {
        name: value if len(value) == 7 else "#" + "".join(c * 2 for c in value[1:])
        for name, value in re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b", root)
    }
    for text in ("fg", "muted", "faint"):
        for background in ("card", "bg"):
            assert _ratio(colours[text], colours[background]) >= 4.5, (text, background)

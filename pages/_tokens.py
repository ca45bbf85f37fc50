"""The design tokens of ``assets/00-variables.css``, for figures drawn in Python (Plotly, map styles).

The stylesheet is the one place a colour is defined; charts and maps read it from there, and the
map's JavaScript reads the same custom properties from the page.
"""

from __future__ import annotations

import re
from pathlib import Path

from indicators.catalog.levels import Level

TOKENS_CSS = Path(__file__).resolve().parents[1] / "assets" / "00-variables.css"


def _root_tokens(css: str) -> dict[str, str]:
    root = css[css.index(":root"):]
    root = root[:root.index("}")]
    return dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", root))


TOKENS = {name: value.strip() for name, value in _root_tokens(TOKENS_CSS.read_text(encoding="utf-8")).items()}
LEVEL_COLOURS = {level: TOKENS[level.token] for level in Level}

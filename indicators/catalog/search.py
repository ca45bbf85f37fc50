"""Finding indicators by what people type: codes, names and the pinyin initials of Chinese names."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """The pinyin initials of the Chinese characters of ``text``, lower case ("空气质量" → "kqzl").

    Latin letters and digits are kept as they are (lower-cased); punctuation is dropped.
    """
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
    return "".join(ch for part in letters for ch in part.lower() if ch.isalnum())

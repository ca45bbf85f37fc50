"""Hostile values the fuzz tests feed to the callbacks and the loader (tests/store/test_fuzz.py,
tests/unit/indicators/ingest/test_fuzz_importer.py): path tricks, SQL and script injection, spreadsheet formulas, very
long text and unusual unicode, and hypothesis strategies built from them."""

from __future__ import annotations

from hypothesis import strategies as st

PATH_TRICKS = ("../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "..\\..\\settings.py", "/etc/passwd", "\x00",
               "C:\\Windows\\win.ini", "file:///etc/passwd")
SQL_INJECTION = ("' OR 1=1 --", "'; DROP TABLE observations; --", "\" OR \"\"=\"", "1; DELETE FROM alerts",
                 "%' UNION SELECT password_hash FROM users --")
SCRIPT_INJECTION = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
                    "\"><svg onload=alert(1)>", "{{7*7}}", "${7*7}")
FORMULAS = ("=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","x")', "@SUM(1+1)", "+1+1",
            "-2+3+cmd|' /C calc'!A0")
ODD_TEXT = ("", " ", "x" * 100_000, "\u202eevil\u202c", "\u200f\u05e9\u05dc\u05d5\u05dd", "😀" * 64,
            "ＸＩＡＭＥＮ ＧＤＰ", "nan", "inf", "-1", "1e309", "9" * 400, "null", "[]", "{}", "__proto__", "%s%n")
NASTY = PATH_TRICKS + SQL_INJECTION + SCRIPT_INJECTION + FORMULAS + ODD_TEXT
# Values the app itself uses, so that generated requests also get past the first checks.
PLAUSIBLE = ("xiamen", "ningde", "zh", "en", "350203", "350200", "ECO-GDP-001", "economy", "petition", "school")

nasty_text = st.sampled_from(NASTY) | st.sampled_from(PLAUSIBLE) | st.text(max_size=40)
# Python's JSON reader takes NaN and Infinity too, so they can reach a callback.
json_scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
                | st.floats(allow_nan=True, allow_infinity=True) | nasty_text)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(PLAUSIBLE) | nasty_text, inner,
                                                               max_size=4),
    max_leaves=12)
# A page's argument store ({"city": …, "lang": …, …}) with any value in any key.
page_args = st.dictionaries(
    st.sampled_from(("city", "lang", "code", "area", "adcode", "kind", "key", "filters", "screen", "index")),
    json_values, max_size=6)
any_value = json_values | page_args

"""Small helpers the page tests share."""

import json

import plotly


def text_of(value) -> str:
    """Components and figures as the JSON Dash sends, to look for text in them."""
    return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)

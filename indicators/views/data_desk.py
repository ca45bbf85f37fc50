"""The views of the desk's load pages: the upload page's choices (``/data/upload``) and one load of the load
history (``/data/loads``). Each checks the permission before it reads; nothing is cached beyond
``queries.indicators`` (a load's record changes when it is undone).
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators.accounts.access import current_viewer, require
from indicators.ingest.loading import load_details
from indicators.views.queries import indicators


@dataclass(frozen=True)
class UploadChoices:
    """What the template form offers: the departments and the indicators (code, names) the viewer may load."""

    departments: list[str]
    indicators: list[dict]


@dataclass(frozen=True)
class LoadView:
    """One load's record (``loading.load_details``; None when it is unknown or not the viewer's to see), the
    names of the indicators it touched, and whether the viewer may undo it."""

    details: object | None
    names_zh: dict[str, str]
    names_en: dict[str, str]
    may_undo: bool


def upload_choices() -> UploadChoices:
    """The template form's choices.

    Raises:
        AccessDenied: the viewer may not load data.
    """
    require("data.load")
    frame = indicators()
    return UploadChoices(departments=sorted(frame["department"].unique()),
                         indicators=frame[["code", "name_zh", "name_en"]].to_dict("records"))


def load_view(batch_id: int) -> LoadView:
    """One load of the history.

    Raises:
        AccessDenied: the viewer may not use the data desk.
    """
    require("data.view")
    details = load_details(batch_id)
    frame = indicators()
    return LoadView(details=details, names_zh=dict(zip(frame["code"], frame["name_zh"])),
                    names_en=dict(zip(frame["code"], frame["name_en"])),
                    may_undo=current_viewer().may("data.load"))

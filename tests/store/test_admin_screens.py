"""Screens edited in the app (/admin/screens) on a real store: only administrators, refused whole with the line when
broken, every change versioned and audited, export → import identical."""

import base64

import pytest

from indicators.accounts.access import AccessDenied, Viewer, acting_as
from indicators.accounts.audit import entries
from indicators.catalog.screens import SCREENS_PATH, export_screens, load_screens
from indicators.catalog.yamlfile import ConfigFileError
from indicators.store import db

ADMIN = Viewer("ada", "admin", "restricted")
ANALYST = Viewer("ann", "analyst", "internal")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYVITALS_DATA_DIR", str(tmp_path))
    return tmp_path


def _upload(text: str) -> str:
    return "data:application/x-yaml;base64," + base64.b64encode(text.encode("utf-8")).decode()


def test_admins_save_import_and_export_screens_versioned_and_audited(store_url, data_dir):
    from indicators.views import admin_screens as view

    db.upgrade(store_url)
    with db.transaction() as session:
        before = db.data_version(session)
    with acting_as(ADMIN):
        shipped = view.screens_admin_view().text
        assert shipped == view.export_text() and "城市运行一屏通览" in shipped
        edited = shipped.replace("城市运行一屏通览", "厦门城市运行总览", 1)
        saved = view.save_text(edited, "a clearer title")
        assert saved.changed and saved.kept is None
        assert (data_dir / "screens.yaml").read_text(encoding="utf-8") == edited
        assert load_screens(data_dir / "screens.yaml").data.screens["overview"].title_zh == "厦门城市运行总览"
        assert not view.save_text(edited).changed  # the same text again: nothing written, no version
        line = edited[:edited.index("theme: market")].count("\n") + 1
        broken = edited.replace("theme: market", "theme: weather", 1)
        assert view.check_text(broken).problems[0][0] == line
        with pytest.raises(ConfigFileError) as caught:
            view.save_text(broken)
        assert caught.value.problems[0][0] == line and "weather" in caught.value.problems[0][1]
        with pytest.raises(ConfigFileError, match="line 1: not a UTF-8 text file"):
            view.import_upload("data:;base64,//79", "screens.yaml")
        assert (data_dir / "screens.yaml").read_text(encoding="utf-8") == edited  # nothing half-written
        # Export → import → identical, and the import is a new version.
        exported = view.export_text()
        text, imported = view.import_upload(_upload(exported.replace("厦门城市运行总览", "城市运行一屏通览")),
                                            "mine.yaml")
        assert imported.changed and text == export_screens(load_screens())  # back to the shipped definitions
        assert view.export_text() == text and view.import_upload(_upload(text), "again.yaml")[0] == text
        versions = view.screens_admin_view().versions
        assert [v.name for v in versions] == [imported.kept]
        assert (data_dir / imported.kept).read_text(encoding="utf-8") == edited  # the previous version, kept
    with db.transaction() as session:
        assert db.data_version(session) == before + 2  # each change makes the walls' cached answers stale
    changes = entries(action="screens_change").to_dict("records")
    assert [c["user"] for c in changes] == ["ada", "ada"]
    assert '"via": "upload"' in changes[0]["detail"] and '"comment": "a clearer title"' in changes[1]["detail"]
    assert len(entries(action="export", text="screens")) == 3  # each download recorded


def test_only_administrators_edit_screens_and_refusals_are_audited(store_url, data_dir):
    from indicators.views import admin_screens as view

    db.upgrade(store_url)
    with acting_as(ANALYST):
        for attempt in (view.screens_admin_view, view.export_text, lambda: view.save_text(SCREENS_PATH.read_text()),
                        lambda: view.import_upload(_upload(SCREENS_PATH.read_text()), "x.yaml"),
                        lambda: view.check_text("screens: {}")):
            with pytest.raises(AccessDenied):
                attempt()
    assert not (data_dir / "screens.yaml").exists()
    refusals = entries(action="access_denied").to_dict("records")
    assert len(refusals) == 5 and all(r["user"] == "ann" and r["target"] == "screens.yaml" for r in refusals)
    assert entries(action="screens_change").empty


def test_a_kept_version_is_restored_as_a_new_version_and_audited(store_url, data_dir):
    from indicators.ingest.config_files import VersionNotKept
    from indicators.views import admin_screens as view

    db.upgrade(store_url)
    with acting_as(ADMIN):
        shipped = view.screens_admin_view().text
        first = shipped.replace("城市运行一屏通览", "厦门城市运行总览", 1)
        second = shipped.replace("城市运行一屏通览", "运行总览", 1)
        view.save_text(first, "v1")
        view.save_text(second, "v2")
        history = view.screens_admin_view().history
        assert history["version"].tolist() == [2, 1]
        assert history["in_use"].tolist() == [True, False] and history["restorable"].tolist() == [False, True]
        restored = view.restore_text(1)
        assert restored == first and (data_dir / "screens.yaml").read_text(encoding="utf-8") == second  # read only
        saved = view.save_text(restored, "restored v1")
        assert saved.changed and (data_dir / "screens.yaml").read_text(encoding="utf-8") == first
        assert (data_dir / saved.kept).read_text(encoding="utf-8") == second  # v2 is kept in its turn
        history = view.screens_admin_view().history
        assert history["version"].tolist() == [3, 2, 1]
        assert history["in_use"].tolist() == [True, False, True] and history["restorable"].tolist() == [False, True,
                                                                                                         False]
        assert view.restore_text(2) == second
        for missing in (0, 4, -1):
            with pytest.raises(VersionNotKept):
                view.restore_text(missing)
        (data_dir / saved.kept).unlink()  # a kept file removed by hand: v2 can no longer be restored
        with pytest.raises(VersionNotKept, match="no longer kept"):
            view.restore_text(2)
    newest = entries(action="screens_change").to_dict("records")[0]
    assert newest["user"] == "ada" and '"comment": "restored v1"' in newest["detail"]


def test_only_administrators_restore_a_version_and_refusals_are_audited(store_url, data_dir):
    from indicators.views import admin_screens as view

    db.upgrade(store_url)
    with acting_as(ADMIN):
        view.save_text(view.screens_admin_view().text.replace("城市运行一屏通览", "运行总览", 1))
    with acting_as(ANALYST), pytest.raises(AccessDenied):
        view.restore_text(1)
    refusal = entries(action="access_denied").to_dict("records")
    assert len(refusal) == 1 and refusal[0]["user"] == "ann" and '"action": "screens_restore"' in refusal[0]["detail"]


def test_the_restore_button_loads_the_version_for_admins_and_refuses_others(store_url, data_dir, dash_app):
    from dash import no_update

    from indicators.views import admin_screens as view
    from pages.admin_screens import restore_clicked
    from tests.helpers import request_context, run_callback, text_of

    db.upgrade(store_url)
    with acting_as(ADMIN):
        edited = view.screens_admin_view().text.replace("城市运行一屏通览", "运行总览", 1)
        view.save_text(edited)
    clicked = '{"type":"admin-screens-restore","version":1}.n_clicks'
    args = {"city": "xiamen", "lang": "en"}
    with request_context(dash_app.server, "/admin/screens", viewer=ANALYST):  # a request made without the button
        refused = run_callback(restore_clicked, clicked, 1, clicks=[1], args=args)
    assert refused["text"] is no_update and refused["comment"] is no_update
    assert "only administrators edit the screens" in text_of(refused["message"])
    assert '"action": "screens_restore"' in entries(action="access_denied")["detail"].iloc[0]
    with request_context(dash_app.server, "/admin/screens", viewer=ADMIN):
        loaded = run_callback(restore_clicked, clicked, 1, clicks=[1], args=args)
        redrawn = run_callback(restore_clicked, clicked, None, clicks=[None], args=args)  # the history re-drawn
    assert loaded["text"] == edited and loaded["comment"] == "restored v1"
    assert "v1 is in the editor" in text_of(loaded["message"])
    assert redrawn == {"text": no_update, "comment": no_update, "message": no_update}

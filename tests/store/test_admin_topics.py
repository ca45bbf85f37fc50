"""Each city's topics edited in the app (/admin/topics) on the demo store: a topic added there appears on its topic
page, in the walls' rotation and in the navigation without a restart; a file that would break the screens in use is
refused with the screens' line; only administrators change topics, every change versioned and audited."""

import base64
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from indicators.accounts.access import AccessDenied, Viewer, acting_as
from indicators.accounts.audit import entries
from indicators.catalog.topics import TOPICS_PATH, topic_of, topics_for
from indicators.catalog.yamlfile import ConfigFileError
from indicators.store import db
from tests.helpers import text_of

ROOT = Path(__file__).resolve().parents[2]
XIAMEN = "350200"
ADMIN = Viewer("ada", "admin", "restricted")
ANALYST = Viewer("ann", "analyst", "internal")
# A seventh topic for 厦门, first in its list: the city's air and water by code and by the water tag.
NEW_TOPIC = """  xiamen:
    - key: blue_sky
      name_zh: 蓝天碧水
      name_en: Blue sky, clear water
      order: 0
      indicators: [ENV-AIR-001, ENV-AIR-006]
      rules: {themes: [environment]}
      headline: [ENV-AIR-001]
"""


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYVITALS_DATA_DIR", str(tmp_path))
    return tmp_path


def _with_new_topic(text: str) -> str:
    assert "  xiamen:\n" in text
    return text.replace("  xiamen:\n", NEW_TOPIC, 1)


def test_a_topic_added_in_the_app_appears_on_its_page_in_the_rotation_and_the_navigation(dash_app, use_demo_store,
                                                                                        data_dir):
    from indicators.views import admin_topics as view
    from indicators.views.screen import rotation
    from indicators.views.queries import latest_snapshot
    from pages._group import build_group, select_rows, sibling_links
    from pages._shell import nav_links

    start = datetime.now()  # the demo store is shared: count only this test's audit entries
    with db.transaction() as session:
        before = db.data_version(session)
    assert topic_of("xiamen", "blue_sky") is None
    with acting_as(ADMIN):
        shipped = view.topics_admin_view().text
        assert shipped == TOPICS_PATH.read_text(encoding="utf-8")
        edited = _with_new_topic(shipped)
        checked = view.check_text(edited)
        assert checked.problems == [] and checked.counts == (3, 32)
        preview = {topic.key: topic for topic in view.preview_topics(checked.registry, "xiamen")}
        assert list(preview)[0] == "blue_sky" and preview["blue_sky"].indicators >= 10
        blue_sky = preview["blue_sky"]
        assert 0.9 * blue_sky.indicators <= blue_sky.with_data <= blue_sky.indicators
        saved = view.save_text(edited, "蓝天碧水专题")
        assert saved.changed and saved.kept is None

        # No restart: the next reads see it.
        assert topics_for("xiamen")[0].key == "blue_sky"
        assert ("blue_sky", 20) in rotation("xiamen")  # 厦门's wall rotates all its topics
        page = text_of(build_group("topic", "blue_sky", "xiamen", "zh", {}))
        shown = select_rows(latest_snapshot(XIAMEN), "topic", "blue_sky", {}, "xiamen")
        assert len(shown) == blue_sky.with_data  # the preview counts what the topic page shows
        assert "蓝天碧水" in page and "空气质量" in page and "该城市没有" not in page
        assert "蓝天碧水" in text_of(sibling_links("topic", "health", "xiamen", "zh", {}))  # the topic chips
        topic_link = [link for link in nav_links("/", "xiamen", "zh").children if link.children == "专题"]
        assert topic_link[0].href.startswith("/topics/blue_sky?")  # the header's 专题 opens the city's first topic
        assert topics_for("ningde")[0].key != "blue_sky"  # another city's list is untouched
    with db.transaction() as session:
        assert db.data_version(session) == before + 1  # cached pages go stale at once
    changes = entries(action="topics_change", since=start).to_dict("records")
    assert len(changes) == 1
    change = changes[0]
    assert change["user"] == "ada" and '"comment": "蓝天碧水专题"' in change["detail"]


def test_a_topics_file_is_refused_with_its_line_or_the_screens_it_would_break(use_demo_store, data_dir):
    from indicators.views import admin_topics as view

    start = datetime.now()
    shipped = TOPICS_PATH.read_text(encoding="utf-8")
    unknown = shipped.replace("headline: [ENV-AIR-001, ENV-AIR-006, ENV-WAT-001]",
                              "headline: [ENV-AIR-001, ENV-XXX-999]", 1)
    line = shipped[:shipped.index("headline: [ENV-AIR-001, ENV-AIR-006, ENV-WAT-001]")].count("\n") + 1
    # 宁德's playlist names its topic `lithium`: renaming it would leave the walls with a step they cannot draw.
    renamed = shipped.replace("key: lithium", "key: batteries", 1)
    with acting_as(ADMIN):
        problems = view.check_text(unknown).problems
        assert problems[0][0] == line and "ENV-XXX-999" in problems[0][1]
        with pytest.raises(ConfigFileError, match="screens.yaml line .* would break: .*lithium"):
            view.save_text(renamed)
        with pytest.raises(ConfigFileError, match="line 1: not a UTF-8 text file"):
            view.import_upload("data:;base64,//79", "topics.yaml")
    assert not (data_dir / "topics.yaml").exists()  # nothing written
    assert entries(action="topics_change", since=start).empty


def test_only_administrators_change_topics_and_refusals_are_audited(use_demo_store, data_dir):
    from indicators.views import admin_topics as view

    start = datetime.now()
    text = _with_new_topic(TOPICS_PATH.read_text(encoding="utf-8"))
    upload = "data:application/x-yaml;base64," + base64.b64encode(text.encode("utf-8")).decode()
    with acting_as(ANALYST):
        for attempt in (view.topics_admin_view, view.export_text, lambda: view.check_text(text),
                        lambda: view.save_text(text), lambda: view.import_upload(upload, "topics.yaml")):
            with pytest.raises(AccessDenied):
                attempt()
    assert not (data_dir / "topics.yaml").exists()
    refusals = entries(action="access_denied", user="ann", since=start)
    assert len(refusals) == 5 and set(refusals["target"]) == {"topics.yaml"}


@pytest.mark.slow  # a manage.py process or a whole store: the full suite's, not the fast tier's
def test_manage_topics_import_versions_the_file(use_demo_store, tmp_path):
    start = datetime.now()
    env = {"PATH": "/usr/bin:/bin", "CITYVITALS_DATA_DIR": str(tmp_path), "HOME": str(tmp_path),
           "CITYVITALS_DATABASE_URL": use_demo_store}

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", "topics", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)

    edited = tmp_path / "edited.yaml"
    edited.write_text(_with_new_topic(TOPICS_PATH.read_text(encoding="utf-8")), encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(TOPICS_PATH.read_text(encoding="utf-8").replace("key: lithium", "key: x", 1), encoding="utf-8")
    refused = manage("import", str(broken))
    assert refused.returncode == 1 and "key" in refused.stderr and not (tmp_path / "topics.yaml").exists()
    assert manage("import", str(edited)).returncode == 0
    assert manage("import", str(edited)).returncode == 0
    assert manage("export").stdout == edited.read_text(encoding="utf-8")
    assert len(list(tmp_path.glob("topics.2*.yaml"))) == 1  # the previous version is kept
    assert len(entries(action="topics_change", since=start)) == 2


def test_an_earlier_topics_version_is_restored_as_a_new_one(use_demo_store, data_dir):
    from indicators.ingest.config_files import VersionNotKept
    from indicators.views import admin_topics as view

    first = _with_new_topic(TOPICS_PATH.read_text(encoding="utf-8"))
    second = first.replace("name_zh: 蓝天碧水", "name_zh: 碧水蓝天", 1)
    with acting_as(ADMIN):
        view.save_text(first, "v-first")
        view.save_text(second, "v-second")
        history = view.topics_admin_view().history
        newest, earlier = history.iloc[0], history.iloc[1]
        assert newest["version"] == earlier["version"] + 1 and newest["in_use"] and not newest["restorable"]
        assert earlier["restorable"] and not earlier["in_use"]  # its file is kept beside the one in use
        assert view.restore_text(int(earlier["version"])) == first
        with pytest.raises(VersionNotKept):
            view.restore_text(int(newest["version"]) + 5)
        view.save_text(view.restore_text(int(earlier["version"])), f"restored v{earlier['version']}")
        assert topic_of("xiamen", "blue_sky").name_zh == "蓝天碧水"  # in use again, as a new version
        assert view.topics_admin_view().history.iloc[0]["version"] == newest["version"] + 1
    with acting_as(ANALYST), pytest.raises(AccessDenied):
        view.restore_text(int(earlier["version"]))
    assert not entries(action="access_denied", user="ann", text="topics_restore").empty  # the refusal, audited

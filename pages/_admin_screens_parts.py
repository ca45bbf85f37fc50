"""Pure builders of ``/admin/screens``: the editor's problems, the preview stage (the wall's 1920×1080 stage with
the edited definition, scaled down by ``assets/88-admin-screens.js``), the change history — values in,
components out."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from dash import html, no_update

from geo.cities import City
from indicators.catalog.yamlfile import ConfigFileError
from indicators.ingest.config_files import VersionNotKept
from pages._i18n import register_strings, t
from pages._map_layers import district_map
from pages._widgets import PAGE_FAILURES, failure_notice

register_strings({
    "admin_screens_title": ("大屏与轮播配置", "Screens & playlists"),
    "admin_screens_denied": ("无权访问:大屏配置仅限管理员。", "Not permitted: only administrators edit the screens."),
    "admin_screens_hint": ("编辑大屏定义与各城市轮播(YAML,格式见 README“Set up your city's cockpit”)。"
                           "右侧实时预览 1920×1080 大屏;有错误的配置会被拒绝并指出行号,不会部分上墙。"
                           "每次保存或导入都会留存上一版本并记入审计日志。",
                           "Edit the screen definitions and each city's playlist (YAML; formats in the README's "
                           "“Set up your city's cockpit”). The preview draws the 1920×1080 wall live; a broken "
                           "definition is refused with its line and never reaches a wall half-drawn. Every save "
                           "or import keeps the previous version and is recorded in the audit log."),
    "admin_screens_editor": ("配置文件 screens.yaml", "Definition file screens.yaml"),
    "admin_screens_city": ("预览城市", "Preview city"),
    "admin_screens_screen": ("预览画面", "Preview screen"),
    "admin_screens_comment": ("修改说明(可选)", "Why (optional)"),
    "admin_screens_save": ("保存并上墙", "Save to the walls"),
    "admin_screens_export": ("导出文件", "Export file"),
    "admin_screens_import": ("导入文件…", "Import a file…"),
    "admin_screens_valid": ("配置有效:{screens} 个画面,{playlists} 个轮播。", "Valid: {screens} screens, "
                            "{playlists} playlists."),
    "admin_screens_invalid": ("配置有误,不能保存,大屏保持原样:", "Not valid, cannot be saved; the walls stay as "
                              "they are:"),
    "admin_screens_line": ("第 {line} 行:{reason}", "line {line}: {reason}"),
    "admin_screens_saved": ("已保存,各大屏下次刷新时显示新配置。", "Saved: every wall shows it at its next refresh."),
    "admin_screens_kept": ("上一版本留存为 {name}。", "The previous version is kept as {name}."),
    "admin_screens_unchanged": ("与当前使用的配置相同,未作更改。", "The same as the definitions in use: nothing "
                                "changed."),
    "admin_screens_imported": ("已导入 {name} 并上墙。", "Imported {name}; the walls show it now."),
    "admin_screens_refused": ("已拒绝 {name},未作任何更改:", "Refused {name}; nothing changed:"),
    "admin_screens_preview": ("大屏预览(1920×1080 缩放)", "Wall preview (1920×1080, scaled)"),
    "admin_screens_preview_none": ("配置有误,不预览。", "Not valid: no preview."),
    "admin_screens_history": ("修改记录", "Changes"),
    "admin_screens_versions": ("留存版本", "Kept versions"),
    "admin_screens_no_history": ("暂无修改", "No changes yet"),
    "admin_screens_via_app": ("页面编辑", "edited in the app"),
    "admin_screens_via_upload": ("页面导入", "imported in the app"),
    "admin_screens_via_import": ("命令导入", "imported by command"),
    "admin_screens_col_at": ("时间", "Time"),
    "admin_screens_col_user": ("操作人", "By"),
    "admin_screens_col_via": ("方式", "How"),
    "admin_screens_col_comment": ("说明", "Why"),
    "admin_screens_col_sha": ("校验值", "Checksum"),
    "admin_screens_col_file": ("文件", "File"),
    "admin_screens_col_version": ("版本", "Version"),
    "admin_screens_restore": ("恢复此版本", "Restore"),
    "admin_screens_in_use": ("使用中", "In use"),
    "admin_screens_restore_label": ("将 v{n} 载入编辑器", "Load v{n} into the editor"),
    "admin_screens_restoring": ("已将 v{n} 载入编辑器:核对预览后点“保存并上墙”,即恢复为新版本。",
                                "v{n} is in the editor: check the preview, then “Save to the walls” restores it as "
                                "a new version."),
    "admin_screens_not_kept": ("v{n} 的文件已不在留存版本中,无法恢复。", "v{n}'s file is no longer kept: it cannot "
                               "be restored."),
})


def problems_list(problems: Sequence[tuple[int, str]], lang: str) -> html.Ul:
    """Each problem of a refused file: its line and reason."""
    return html.Ul([html.Li(t("admin_screens_line", lang).format(line=line, reason=reason),
                            className="admin-screens-problem", **{"data-line": str(line)})
                    for line, reason in problems], className="admin-screens-problems")


def check_status(screens: int | None, playlists: int | None, problems: Sequence[tuple[int, str]],
                 lang: str) -> html.Div:
    """The editor's verdict: valid with its counts, or refused with every problem's line."""
    if problems:
        return html.Div([html.P(t("admin_screens_invalid", lang)), problems_list(problems, lang)],
                        className="notice notice-error admin-screens-status", role="alert",
                        **{"data-valid": "0"})
    return html.Div(t("admin_screens_valid", lang).format(screens=screens, playlists=playlists),
                    className="notice notice-ok admin-screens-status", role="status", **{"data-valid": "1"})


def preview_stage(parts: Mapping, city: City, lang: str, *, tile_url: str = "") -> html.Div:
    """The wall's stage drawn with ``parts`` (``screen_parts`` of the edited definition): the same classes and
    layout as ``/screen`` (head, left, centre with the counts above the map, right, ticker), without the wall's
    ids, clock or controls; ``assets/88-admin-screens.js`` scales it to its box."""
    centre = html.Div([
        html.Div(parts["counts"]),
        html.Div(parts["map_caption"], className="screen-map-caption"),
        html.Div(district_map(city, parts["hideout"], map_id="admin-screens-map", tile_url=tile_url, height="640px",
                              alerts=parts["alerts"]), className="screen-map"),
    ], className="screen-centre")
    stage = html.Div([
        html.Header(html.Div(html.H1(parts["title"], className="screen-title"), className="screen-brand"),
                    className="screen-head"),
        html.Div([html.Div(parts["left"], className="screen-side"), centre,
                  html.Div(parts["right"], className="screen-side")], className="screen-body"),
        html.Div(html.Div(parts["ticker"], className="screen-ticker-track"), className="screen-ticker"),
    ], className="screen-stage admin-screens-stage")
    return html.Div(stage, className="screen theme-dark admin-screens-wall", lang="en" if lang == "en" else "zh-CN")


def screen_options(keys: Sequence[str], city_key: str, lang: str) -> list[dict]:
    """The preview's screen choices: each definition by its key, ``topic`` named by the city's first topic."""
    from indicators.catalog.topics import topics_for

    topics = topics_for(city_key)
    return [{"label": f"topic · {topics[0].name(lang)}" if key == "topic" and topics else key, "value": key}
            for key in keys]


def _detail(text: str) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _restore_cell(version: int, in_use: bool, restorable: bool, lang: str, button: str) -> html.Td:
    """A version's action: restore it (its file is kept; a button of type ``button``), or say it is the one in use."""
    if in_use:
        return html.Td(t("admin_screens_in_use", lang), className="admin-screens-in-use")
    if not restorable:
        return html.Td("")
    return html.Td(html.Button(t("admin_screens_restore", lang),
                               id={"type": button, "version": version},
                               type="button", className="admin-button admin-screens-restore",
                               **{"aria-label": t("admin_screens_restore_label", lang).format(n=version)}))


def history_table(history: pd.DataFrame, lang: str, button: str = "admin-screens-restore") -> html.Table | html.P:
    """The changes, newest first: version, when, who, how (edited, imported in the app, by command), why, checksum,
    and a button restoring each kept version (its id's type ``button``: the page's restore callback listens to it)."""
    if history.empty:
        return html.P(t("admin_screens_no_history", lang), className="admin-hint")
    head = html.Tr([html.Th(t(f"admin_screens_col_{name}", lang))
                    for name in ("version", "at", "user", "via", "comment", "sha")] + [html.Th("")])
    rows = []
    for change in history.itertuples(index=False):
        info = _detail(change.detail)
        via = info.get("via", "import")
        rows.append(html.Tr([html.Td(f"v{change.version}"),
                             html.Td(pd.Timestamp(change.at).strftime("%Y-%m-%d %H:%M:%S")), html.Td(change.user),
                             html.Td(t(f"admin_screens_via_{via}", lang) if via in ("app", "upload", "import")
                                     else via),
                             html.Td(info.get("comment", "")), html.Td(str(info.get("sha256", ""))[:12],
                                                                       className="admin-screens-sha"),
                             _restore_cell(change.version, change.in_use, change.restorable, lang, button)],
                            **{"data-version": str(change.version)}))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="admin-table admin-screens-history")


def versions_list(versions: Sequence, lang: str) -> html.Ul | html.P:
    """The kept versions' files, newest first, with when each was made and its checksum."""
    if not versions:
        return html.P(t("admin_screens_no_history", lang), className="admin-hint")
    return html.Ul([html.Li([html.Code(v.name), f" · {v.at:%Y-%m-%d %H:%M:%S} · ", html.Code(v.sha256[:12])])
                    for v in versions], className="admin-screens-versions")


@dataclass(frozen=True)
class EditorWords:
    """A configuration editor's own string keys (the screens' or the topics'); the rest are shared."""

    invalid: str
    saved: str
    unchanged: str
    imported: str
    denied: str
    restoring: str


RESTORED_COMMENT = "restored v{n}"  # the audit entry's comment, whatever the page's language


def save_answer(run: Callable[[], tuple], *, uploading: bool, name: str, changed: int, words: EditorWords,
                lang: str) -> dict:
    """An editor's answer to a save or an upload: ``run`` does it and returns the text for the editor (the file now
    in use after an upload, else ``no_update``) and what the save did. The answer holds the message, the bumped
    change counter and that text; a refused file changes nothing and says why, line by line."""
    kept = {"changed": no_update, "text": no_update}
    try:
        text, saved = run()
    except ConfigFileError as exc:
        head = t("admin_screens_refused", lang).format(name=name) if uploading else t(words.invalid, lang)
        return {**kept, "message": html.Div([html.P(head), problems_list(exc.problems, lang)],
                                            className="notice notice-error", role="alert")}
    except PAGE_FAILURES as exc:
        return {**kept, "message": failure_notice(exc, lang, denied_key=words.denied)}
    if not saved.changed:
        message = t(words.unchanged, lang)
    else:
        message = t(words.imported, lang).format(name=name) if uploading else t(words.saved, lang)
        if saved.kept:
            message += " " + t("admin_screens_kept", lang).format(name=saved.kept)
    return {"message": html.Div(message, className="notice notice-ok", role="status"),
            "changed": (changed or 0) + 1, "text": text}


def restore_answer(number, clicks: list, restore: Callable[[int], str], words: EditorWords, lang: str) -> dict:
    """An editor's answer to a restore button: version ``number``'s text in the editor with its comment, or why
    not. A history re-drawn after a save "triggers" with no click; only a real click restores."""
    nothing = {"text": no_update, "comment": no_update}
    if not isinstance(number, int) or not any(clicks):
        return {**nothing, "message": no_update}
    try:
        text = restore(number)
    except VersionNotKept:
        return {**nothing, "message": html.Div(t("admin_screens_not_kept", lang).format(n=number),
                                               className="notice notice-error", role="alert")}
    except PAGE_FAILURES as exc:
        return {**nothing, "message": failure_notice(exc, lang, denied_key=words.denied)}
    return {"text": text, "comment": RESTORED_COMMENT.format(n=number),
            "message": html.Div(t(words.restoring, lang).format(n=number), className="notice notice-ok",
                                role="status")}

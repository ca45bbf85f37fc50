"""The briefing as a PDF: its HTML document (``_briefing_parts.document_html``) printed by WeasyPrint, which lays
out Chinese with Pango and the installed Noto CJK fonts (Debian ``fonts-noto-cjk``) — nothing is fetched from the
network (no external URLs in the document)."""

from __future__ import annotations

from datetime import datetime

from indicators.views.briefing import Briefing
from pages._briefing_parts import document_html, mail_text


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"the briefing fetches nothing: {url}")


def pdf_bytes(b: Briefing, lang: str, generated_at: datetime | None = None) -> bytes:
    """The briefing ``b`` in ``lang`` as a PDF document."""
    from weasyprint import HTML  # imported late: Pango loads only when a PDF is made

    document = document_html(b, lang, generated_at or datetime.now())
    return HTML(string=document, url_fetcher=_no_fetching).write_pdf()


def render_mail(b: Briefing, lang: str) -> tuple[str, str, bytes]:
    """What ``indicators.views.briefing.send_briefings`` sends: subject, body and the PDF."""
    subject, body = mail_text(b, lang)
    return subject, body, pdf_bytes(b, lang)

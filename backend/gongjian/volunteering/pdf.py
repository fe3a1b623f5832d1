"""The printable proof of service (志愿服务证明) as a PDF with the Chinese text in an embedded font.

The font is WenQuanYi Micro Hei (文泉驿微米黑), a TrueType collection shipped by the PyPI package
`paperang-p2-fonts-cjk`; reportlab embeds the subset of glyphs used (a /FontFile2 stream), so the
PDF reads the same on a machine without any Chinese font. (reportlab's built-in STSong-Light is a
CID font that is *not* embedded and relies on the reader having Adobe's Asian font pack.)
"""

from __future__ import annotations

import io
from functools import lru_cache
from importlib import resources
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from gongjian.volunteering.schemas import CertificatePublic

FONT_NAME = "WQYMicroHei"


@lru_cache(maxsize=1)
def _register_font() -> str:
    path = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    return FONT_NAME


def render_certificate(cert: CertificatePublic) -> bytes:
    font = _register_font()
    title = ParagraphStyle("title", fontName=font, fontSize=24, leading=34, alignment=TA_CENTER)
    body = ParagraphStyle("body", fontName=font, fontSize=13, leading=24, wordWrap="CJK", firstLineIndent=26)
    plain = ParagraphStyle("plain", fontName=font, fontSize=12, leading=22, wordWrap="CJK")
    right = ParagraphStyle("right", parent=plain, alignment=2)
    hours = f"{cert.hours:g}"
    volunteer_number = cert.volunteer_number or "—"
    start, end = f"{cert.period_start:%Y年%m月%d日}", f"{cert.period_end:%Y年%m月%d日}"
    story = [
        Paragraph("志愿服务证明", title),
        Spacer(1, 10 * mm),
        Paragraph(
            escape(
                f"兹证明 {cert.member_name}（志愿者编号：{volunteer_number}）于 {start} 至 {end} "
                f"期间参加志愿服务，经组织单位审核确认的志愿服务时长共计 {hours} 小时。"
            ),
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph(escape(f"服务内容：{cert.content_summary}"), plain),
        Paragraph("特此证明。", body),
        Spacer(1, 16 * mm),
        Paragraph(escape(f"出具组织：{cert.issuing_org_name}"), right),
        Paragraph(escape(f"出具日期：{cert.issued_on:%Y年%m月%d日}"), right),
        Spacer(1, 12 * mm),
        Paragraph(escape(f"证明编号：{cert.number}"), plain),
        Paragraph(escape(f"查验：GET /api/v1/certificates/{cert.number}"), plain),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=30 * mm,
        bottomMargin=25 * mm,
        title=f"志愿服务证明 {cert.number}",
        author=cert.issuing_org_name,
    )
    doc.build(story)
    return buffer.getvalue()

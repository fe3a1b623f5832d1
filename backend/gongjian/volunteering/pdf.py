"""The printable proof of service (志愿服务证明) as a PDF with the Chinese text in an embedded font:
one A4 page with a seal area and, at its foot, the public verification address and its QR code.

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

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Circle, Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gongjian.volunteering.schemas import CertificatePublic

FONT_NAME = "WQYMicroHei"


@lru_cache(maxsize=1)
def _register_font() -> str:
    path = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    return FONT_NAME


def _qr(text: str, size: float) -> Drawing:
    """A vector QR code of `text`, `size` points square (crisp at any print resolution)."""
    widget = QrCodeWidget(text, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _seal_area(font: str, size: float) -> Drawing:
    """Where the issuing organisation stamps its seal: a dashed circle with a faint note."""
    drawing = Drawing(size, size)
    drawing.add(
        Circle(
            size / 2,
            size / 2,
            size / 2 - 2,
            fillColor=None,
            strokeColor=colors.HexColor("#b0b0b0"),
            strokeDashArray=[3, 3],
        )
    )
    drawing.add(
        String(
            size / 2,
            size / 2 - 4,
            "（盖章）",
            fontName=font,
            fontSize=10,
            fillColor=colors.HexColor("#9a9a9a"),
            textAnchor="middle",
        )
    )
    return drawing


def render_certificate(cert: CertificatePublic, verify_url: str) -> bytes:
    """The proof on one A4 page: the statement, its facts in a table, the issuer with a seal area,
    and, at the foot, the public verification address with its QR code (`verify_url`)."""
    font = _register_font()
    title = ParagraphStyle("title", fontName=font, fontSize=26, leading=36, alignment=TA_CENTER, spaceAfter=4)
    subtitle = ParagraphStyle(
        "subtitle", fontName=font, fontSize=11, leading=16, alignment=TA_CENTER, textColor=colors.HexColor("#555555")
    )
    body = ParagraphStyle("body", fontName=font, fontSize=13, leading=24, wordWrap="CJK", firstLineIndent=26)
    cell = ParagraphStyle("cell", fontName=font, fontSize=11.5, leading=18, wordWrap="CJK")
    label = ParagraphStyle("label", parent=cell, textColor=colors.HexColor("#444444"))
    right = ParagraphStyle("right", fontName=font, fontSize=12.5, leading=22, alignment=TA_RIGHT)
    small = ParagraphStyle(
        "small", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK", textColor=colors.HexColor("#444444")
    )
    hours = f"{cert.hours:g}"
    volunteer_number = cert.volunteer_number or "—"
    start, end = f"{cert.period_start:%Y年%m月%d日}", f"{cert.period_end:%Y年%m月%d日}"
    width = A4[0] - 50 * mm

    facts = Table(
        [
            [Paragraph("志愿者", label), Paragraph(escape(cert.member_name), cell)],
            [Paragraph("志愿者编号", label), Paragraph(escape(volunteer_number), cell)],
            [Paragraph("服务期间", label), Paragraph(f"{start} 至 {end}", cell)],
            [Paragraph("服务时长", label), Paragraph(f"{hours} 小时（经组织单位审核确认）", cell)],
            [Paragraph("服务内容", label), Paragraph(escape(cert.content_summary), cell)],
        ],
        colWidths=[28 * mm, width - 28 * mm],
        style=TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor("#999999")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f3f3")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        ),
    )
    seal = 34 * mm
    issuer = Table(
        [
            [
                [
                    Paragraph(escape(f"出具组织：{cert.issuing_org_name}"), right),
                    Paragraph(escape(f"出具日期：{cert.issued_on:%Y年%m月%d日}"), right),
                ],
                _seal_area(font, seal),
            ]
        ],
        colWidths=[width - seal - 4 * mm, seal + 4 * mm],
        style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "RIGHT")]),
    )
    qr = 30 * mm
    verify = Table(
        [
            [
                _qr(verify_url, qr),
                [
                    Paragraph(escape(f"证明编号：{cert.number}"), cell),
                    Spacer(1, 2 * mm),
                    Paragraph("查验：用手机扫描左侧二维码，或在浏览器中打开", small),
                    Paragraph(escape(verify_url), small),
                    Paragraph("无需登录即可查看本证明的内容；内容不一致的，本证明无效。", small),
                ],
            ]
        ],
        colWidths=[qr + 6 * mm, width - qr - 6 * mm],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, colors.HexColor("#bbbbbb")),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
            ]
        ),
    )
    story = [
        Paragraph("志愿服务证明", title),
        Paragraph(escape(f"No. {cert.number}"), subtitle),
        Spacer(1, 10 * mm),
        Paragraph(
            escape(
                f"兹证明 {cert.member_name}（志愿者编号：{volunteer_number}）于 {start} 至 {end} "
                f"期间参加志愿服务，经组织单位审核确认的志愿服务时长共计 {hours} 小时。具体如下："
            ),
            body,
        ),
        Spacer(1, 4 * mm),
        facts,
        Spacer(1, 4 * mm),
        Paragraph("特此证明。", body),
        Spacer(1, 10 * mm),
        issuer,
        Spacer(1, 14 * mm),
        verify,
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=28 * mm,
        bottomMargin=20 * mm,
        title=f"志愿服务证明 {cert.number}",
        author=cert.issuing_org_name,
    )
    doc.build(story)
    return buffer.getvalue()

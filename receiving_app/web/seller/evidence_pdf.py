"""The evidence pack as a claim-ready PDF, laid out by reportlab from the domain's receipt.

Chinese text uses reportlab's built-in CID font STSong-Light, which needs no font file.
"""
import hashlib
import io
from datetime import datetime
from functools import lru_cache
from xml.sax.saxutils import escape

from flask_babel import get_locale, gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle,
)

from ...evidence import PhotoStorage
from ...i18n import label, note_text
from ...models import Asn, Delivery
from ...receiving.receipt import ExceptionEvidence, PhotoEvidence, Receipt, barcode_texts


def evidence_pdf(receipt: Receipt, storage: PhotoStorage) -> bytes:
    """The claim-ready PDF: summary, discrepancy table, each exception with its photos
    (SHA-256 checked against the stored file, capture times), cartons on the paperwork
    against cartons scanned. In the current request's language."""
    return _PdfBuilder(receipt, storage).build()


CJK_FONT = "STSong-Light"
LATIN_FONT, LATIN_BOLD, MONO_FONT = "Helvetica", "Helvetica-Bold", "Courier"
PHOTO_BOX_CM = (7.0, 5.5)


@lru_cache(maxsize=1)
def _register_cjk_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def _needs_cjk(text: str) -> bool:
    return any(ord(ch) > 0xFF for ch in text)


class _PdfBuilder:
    """Lays the receipt out as reportlab flowables."""

    def __init__(self, receipt: Receipt | None, storage: PhotoStorage, asn: Asn | None = None):
        # no receipt for a pack of another shape (claim_pdf.py), which names its ASN
        self.receipt, self.storage, self.asn = receipt, storage, asn or receipt.asn
        self.chinese = str(get_locale() or "en").startswith("zh")
        _register_cjk_font()
        self.styles = {}
        for name, size, bold in (("body", 9, False), ("small", 7.5, False),
                                 ("h1", 16, True), ("h2", 12, True), ("cell", 8, False),
                                 ("head", 8, True)):
            for cjk in (False, True):
                font = CJK_FONT if cjk else (LATIN_BOLD if bold else LATIN_FONT)
                self.styles[name, cjk] = ParagraphStyle(
                    f"{name}-{cjk}", fontName=font, fontSize=size, leading=size * 1.3,
                    wordWrap="CJK" if cjk else None, spaceAfter=size * 0.4)

    def para(self, text, style: str = "body"):
        text = "" if text is None else str(text)
        return Paragraph(escape(text), self.styles[style, self.chinese or _needs_cjk(text)])

    def build(self) -> bytes:
        buffer = io.BytesIO()
        title = _("Receipt evidence: %(number)s", number=self.asn.number)
        document = SimpleDocTemplate(
            buffer, pagesize=A4, leftMargin=1.6 * cm, rightMargin=1.6 * cm,
            topMargin=1.6 * cm, bottomMargin=1.8 * cm, title=title, author="Dockside",
            subject=_("Receiving evidence for a claim"), lang=str(get_locale() or "en"))
        story = [self.para(title, "h1"), self.para(self._meta())]
        story += self._summary() + self._history() + self._deliveries(self.receipt.deliveries)
        story += self._discrepancies() + self._exceptions()
        document.build(story, onFirstPage=self._footer, onLaterPages=self._footer)
        return buffer.getvalue()

    def _meta(self) -> str:
        asn = self.asn
        parts = [_("Seller %(code)s (%(name)s)", code=asn.seller.code, name=asn.seller.name),
                 _("Warehouse %(code)s", code=asn.warehouse.code)]
        if asn.carrier or asn.tracking:
            parts.append(_("Carrier %(carrier)s %(tracking)s", carrier=asn.carrier,
                           tracking=asn.tracking))
        parts.append(_("Generated %(at)s", at=_when(self.receipt.now)))
        return " · ".join(parts)

    def _footer(self, canvas, document) -> None:
        text = _("%(number)s · page %(page)s", number=self.asn.number, page=document.page)
        canvas.saveState()
        canvas.setFont(CJK_FONT if self.chinese or _needs_cjk(text) else LATIN_FONT, 7.5)
        canvas.drawRightString(document.pagesize[0] - 1.6 * cm, 1.0 * cm, text)
        canvas.restoreState()

    def _table(self, rows: list[list], widths=None, header: bool = True):
        cells = [[c if not isinstance(c, (str, int, type(None))) else
                  self.para(c, "head" if header and i == 0 else "cell") for c in row]
                 for i, row in enumerate(rows)]
        table = Table(cells, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
        style = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                 ("VALIGN", (0, 0), (-1, -1), "TOP")]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6ecf1")))
        table.setStyle(TableStyle(style))
        return table

    def _summary(self) -> list:
        receipt, asn = self.receipt, self.asn
        rows = [[_("Status"), label(asn.status)]]
        rows += [[name, _when(at)] for name, at in receipt.stages]
        rows += [
            [_("SLA due"), _when(asn.sla_due_at)], [_("SLA"), receipt.sla_text],
            [_("Cartons on the paperwork"), _number(asn.paperwork_cartons)],
            [_("Cartons scanned"), receipt.cartons_scanned],
            [_("Cartons on the ASN"), len(asn.cartons)],
            [_("Cartons missing"), receipt.cartons_missing],
            [_("Cartons not on the ASN"), receipt.cartons_unexpected],
            [_("Scans recorded"), receipt.scan_count],
        ]
        return [self.para(_("Summary"), "h2"), self._table(rows, header=False), Spacer(1, 10)]

    def _history(self) -> list:
        rows = [[_("Step"), _("When"), _("Who")]]
        for entry in self.receipt.history:
            step = label(entry.step)
            if entry.delivery:
                step += " · " + _("delivery %(n)s", n=entry.delivery)
            rows.append([step, _when(entry.at), entry.by or "—"])
        return [self.para(_("Who did each step"), "h2"),
                self._table(rows, [6 * cm, 5 * cm, 4 * cm]), Spacer(1, 10)]

    def _deliveries(self, deliveries: list[Delivery]) -> list:
        """Each truck: who checked it in and when, its paperwork, seal and trailer, and the
        photos of its documents with their SHA-256."""
        story = []
        for d in deliveries:
            rows = [
                [_("Checked in"), f"{_when(d.arrived_at)} · "
                                  f"{d.checked_in_by.username if d.checked_in_by else '—'}"],
                [_("Cartons on the paperwork"), _number(d.paperwork_cartons)],
                [_("Carrier"), f"{d.carrier or '—'} · {label(d.mode)}"],
                [_("Seal number"), d.seal_number or "—"], [_("Trailer"), d.trailer or "—"],
            ]
            story.append(KeepTogether([self.para(_("Delivery %(n)s", n=d.number), "h2"),
                                       self._table(rows, header=False)]))
            for document in d.documents:
                story.append(KeepTogether(
                    [self.para(label(document.document_kind), "head")]
                    + self._photo(PhotoEvidence(document, barcode_texts(document)))))
            story.append(Spacer(1, 8))
        return story

    def _discrepancies(self) -> list:
        head = [_("SKU"), _("Description"), _("Expected"), _("Received"), _("Damaged"),
                _("Missing"), _("Variance")]
        lines = self.receipt.lines
        rows = [head] + [[line.sku, line.description, line.expected, line.received,
                          line.damaged, line.missing, _signed(line.variance)] for line in lines]
        rows.append([_("Total"), "", sum(line.expected for line in lines),
                     sum(line.received for line in lines), sum(line.damaged for line in lines),
                     sum(line.missing for line in lines),
                     _signed(sum(line.variance for line in lines))])
        widths = [3.4 * cm, 5.2 * cm] + [1.7 * cm] * 5
        return [self.para(_("Discrepancies per SKU"), "h2"), self._table(rows, widths),
                Spacer(1, 10)]

    def _exceptions(self) -> list:
        story = [self.para(_("Exceptions and evidence"), "h2")]
        if not self.receipt.exceptions:
            story.append(self.para(_("No exceptions were raised.")))
        for evidence in self.receipt.exceptions:
            story += self._exception(evidence)
        return story

    def _exception(self, evidence: ExceptionEvidence) -> list:
        e = evidence.exception
        rows = [
            [_("Carton"), e.carton.label if e.carton else e.carton_label or "—"],
            [_("SKU"), e.sku.code if e.sku else "—"],
            [_("Expected"), e.expected_qty], [_("Found"), e.found_qty],
            [_("Difference"), _signed(e.difference)], [_("State"), label(e.state)],
            [_("Raised"), f"{_when(e.raised_at)} · {e.raised_by.username if e.raised_by else '—'}"],
            [_("Note"), note_text(e.note) or "—"],
        ]
        for r in e.resolutions:
            who = r.resolved_by.username if r.resolved_by else "—"
            rows.append([_("Resolution"), f"{label(r.resolution)} · {_when(r.resolved_at)} · "
                                          f"{who}: {note_text(r.note)}"])
        heading = self.para(f"#{e.id} · {label(e.kind)}", "h2")
        story = [KeepTogether([heading, self._table(rows, header=False)])]
        for photo in evidence.photos:
            story.append(KeepTogether(self._photo(photo)))
        story.append(Spacer(1, 8))
        return story

    def _photo(self, evidence: PhotoEvidence) -> list:
        photo = evidence.photo
        facts = [
            _("Photo %(id)s", id=photo.public_id),
            _("SHA-256: %(hash)s", hash=photo.sha256),
            _("Received by the server: %(at)s", at=_when(photo.taken_at)),
            _("Phone clock at capture: %(at)s", at=_when(photo.client_taken_at)),
        ]
        facts += [_("Barcode read: %(code)s", code=code) for code in evidence.barcodes]
        try:
            data = self.storage.read(photo.sha256)
        except (FileNotFoundError, ValueError):
            return [self.para(fact, "small") for fact in facts] + [
                self.para(_("The photo file is missing from storage."), "small")]
        if hashlib.sha256(data).hexdigest() != photo.sha256:
            facts.append(_("Warning: the stored file does not match this hash."))
        else:
            facts.append(_("The stored file matches this hash."))
        box_w, box_h = PHOTO_BOX_CM[0] * cm, PHOTO_BOX_CM[1] * cm
        scale = min(box_w / photo.width, box_h / photo.height)
        image = Image(io.BytesIO(data), width=photo.width * scale, height=photo.height * scale,
                      hAlign="LEFT")
        return [image] + [self.para(fact, "small") for fact in facts]


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else "—"


def _number(value: int | None) -> str:
    return "—" if value is None else str(value)


def _signed(value: int) -> str:
    return f"{value:+d}" if value else "0"

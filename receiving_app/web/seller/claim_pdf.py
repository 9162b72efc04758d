"""The claim pack: one carrier claim as the PDF a carrier's claim form asks for, laid out
with the evidence pack's pieces (evidence_pdf.py) from the domain's ClaimPack."""
import io

from flask_babel import get_locale, gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.platypus import SimpleDocTemplate, Spacer

from ...evidence import PhotoStorage
from ...i18n import claim_action, label, scan_word
from ...receiving.claims import ClaimPack, days_left
from .evidence_pdf import CJK_FONT, LATIN_FONT, _needs_cjk, _PdfBuilder, _when


def claim_pack_pdf(pack: ClaimPack, storage: PhotoStorage) -> bytes:
    """The claim, the delivery it came on (who checked the truck in and when, its paperwork,
    seal, trailer, and each document's photo with its SHA-256), each exception with its
    photos and SHA-256, the scan log of the cartons concerned, and the claim's history. In
    the current request's language."""
    return _ClaimPackBuilder(pack, storage).build()


class _ClaimPackBuilder(_PdfBuilder):
    def __init__(self, pack: ClaimPack, storage: PhotoStorage):
        super().__init__(None, storage, pack.claim.asn)
        self.pack, self.claim = pack, pack.claim

    def build(self) -> bytes:
        buffer = io.BytesIO()
        title = _("Carrier claim %(id)s: %(number)s", id=self.claim.id, number=self.asn.number)
        document = SimpleDocTemplate(
            buffer, pagesize=A4, leftMargin=1.6 * cm, rightMargin=1.6 * cm,
            topMargin=1.6 * cm, bottomMargin=1.8 * cm, title=title, author="Dockside",
            subject=_("Evidence for a claim against the carrier"),
            lang=str(get_locale() or "en"))
        story = [self.para(title, "h1"), self.para(self._claim_meta()), self._claim_table(),
                 Spacer(1, 10)]
        story += self._deliveries([self.pack.delivery])
        story.append(self.para(_("Exceptions and evidence"), "h2"))
        for evidence in self.pack.exceptions:
            story += self._exception(evidence)
        story += self._scan_log() + self._claim_history()
        document.build(story, onFirstPage=self._footer, onLaterPages=self._footer)
        return buffer.getvalue()

    def _claim_meta(self) -> str:
        asn = self.asn
        return " · ".join([
            _("Seller %(code)s (%(name)s)", code=asn.seller.code, name=asn.seller.name),
            _("Warehouse %(code)s", code=asn.warehouse.code),
            _("Generated %(at)s", at=_when(self.pack.now))])

    def _claim_table(self):
        claim = self.claim
        left = days_left(claim, self.pack.now)
        amount = f"{claim.amount} {claim.currency}" if claim.amount is not None else "—"
        rows = [
            [_("Carrier"), f"{claim.carrier or '—'} · {label(claim.mode)}"],
            [_("Claim for"), label(claim.kind)], [_("Status"), label(claim.status)],
            [_("Deadline"), _when(claim.deadline_at)],
            [_("Business days left"), "—" if left is None else str(left)],
            [_("Amount claimed"), amount], [_("Carrier's reference"), claim.reference or "—"],
            [_("Opened"), f"{_when(claim.opened_at)} · "
                          f"{claim.opened_by.username if claim.opened_by else '—'}"],
        ]
        return self._table(rows, header=False)

    def _scan_log(self) -> list:
        rows = [[_("When"), _("Who"), _("Step"), _("Scanned"), _("Result")]]
        rows += [[_when(s.server_time), s.user.username, scan_word(s.step),
                  s.raw_code + (f" → {s.carton.label}" if s.carton else ""),
                  scan_word(s.outcome)] for s in self.pack.scans]
        if len(rows) == 1:
            rows.append([_("No scans of these cartons."), "", "", "", ""])
        widths = [3.6 * cm, 2.4 * cm, 2.6 * cm, 5.4 * cm, 3.0 * cm]
        return [self.para(_("Scan log of the cartons concerned"), "h2"),
                self._table(rows, widths), Spacer(1, 10)]

    def _claim_history(self) -> list:
        rows = [[_("When"), _("Who"), _("What"), _("Note")]]
        for event in self.claim.events:
            what = claim_action(event.action)
            changes = ", ".join(_change_text(name, value)
                                for name, value in event.changes.items())
            rows.append([_when(event.at), event.by.username if event.by else _("the clock"),
                         f"{what}: {changes}" if changes else what, event.note or ""])
        widths = [3.6 * cm, 2.4 * cm, 6.2 * cm, 5.2 * cm]
        return [self.para(_("Claim history"), "h2"), self._table(rows, widths)]

    def _footer(self, canvas, document) -> None:
        text = _("Claim %(id)s · %(number)s · page %(page)s", id=self.claim.id,
                 number=self.asn.number, page=document.page)
        canvas.saveState()
        canvas.setFont(CJK_FONT if self.chinese or _needs_cjk(text) else LATIN_FONT, 7.5)
        canvas.drawRightString(document.pagesize[0] - 1.6 * cm, 1.0 * cm, text)
        canvas.restoreState()


def _change_text(name: str, value: object) -> str:
    """One change of the history: "status: to_file → filed", or "exception: 12"."""
    if isinstance(value, list) and len(value) == 2:
        old, new = value
        return f"{name}: {old if old not in (None, '') else '—'} → " \
               f"{new if new not in (None, '') else '—'}"
    return f"{name}: {value}"

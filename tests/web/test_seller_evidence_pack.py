"""The evidence pack: a PDF a marketplace or a carrier can read, with the discrepancy figures,
each photo with its SHA-256 and capture time, in English and in Chinese; and the lines CSV,
from the seller's pages and from the API."""
import io
import re
from pathlib import Path

import pypdf
import pytest
import sqlalchemy as sa

from receiving_app.evidence import PhotoStorage
from receiving_app.extensions import db
from receiving_app.models import Photo
from tests.support.builders import jpeg_bytes, submit
from tests.support.i18n import compiled_catalogues  # noqa: F401  (fixture)
from tests.support.receipts import LID, MUG, receipt_with_every_kind_of_exception

pytestmark = pytest.mark.usefixtures("compiled_catalogues")


def pdf_text(data: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"[ \t]+", " ", text)


def cells_after(text: str, first: str, count: int) -> list[str]:
    """The `count` table cells that follow the cell `first` (one per line in the text)."""
    lines = [line.strip() for line in text.splitlines()]
    start = lines.index(first)
    return lines[start + 1:start + 1 + count]


def test_the_pdf_opens_and_carries_the_discrepancy_figures_and_the_photo_evidence(
        demo, app, client, auth):
    asn = receipt_with_every_kind_of_exception(app)
    auth.login("acme")
    answer = client.get(f"/seller/asns/{asn.number}/evidence.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert 'filename=R-ALL-evidence.pdf' in answer.headers["Content-Disposition"]
    reader, text = pdf_text(answer.data)

    assert reader.metadata.title == "Receipt evidence: R-ALL"
    assert "Discrepancies per SKU" in text
    assert cells_after(text, MUG, 6) == ["Ceramic mug 350 ml, white", "60", "40", "2", "20",
                                         "-20"]
    assert cells_after(text, LID, 6) == ["Bamboo lid for mug", "0", "13", "0", "0", "+13"]
    assert cells_after(text, "Cartons on the paperwork", 1) == ["7"]
    assert cells_after(text, "Cartons scanned", 1) == ["5"]
    assert cells_after(text, "Cartons missing", 1) == ["1"]
    assert cells_after(text, "Cartons not on the ASN", 1) == ["1"]
    assert cells_after(text, "SLA", 1) == ["met"]

    photos = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
    assert len(photos) == 10
    assert sum(len(page.images) for page in reader.pages) == len(photos)
    for photo in photos:
        assert f"SHA-256: {photo.sha256}" in text
        assert f"Received by the server: {photo.taken_at:%Y-%m-%d %H:%M:%S} UTC" in text
    assert text.count("The stored file matches this hash.") == len(photos)
    assert "Barcode read: Code128: STRANGER-99" in text
    for kind in ("missing carton", "unexpected carton", "duplicate label", "short units",
                 "over units", "wrong SKU", "damaged", "undeclared mixed carton",
                 "unreadable label"):
        assert re.search(rf"#\d+ · {kind}\n", text), kind


def test_the_pdf_says_when_a_stored_photo_no_longer_matches_its_hash(demo, app, client, auth):
    asn = receipt_with_every_kind_of_exception(app)
    photo = db.session.scalars(sa.select(Photo).order_by(Photo.id)).first()
    path = PhotoStorage(Path(app.config["PHOTO_ROOT"])).path(photo.sha256)
    path.write_bytes(jpeg_bytes(color=(0, 0, 0)))
    auth.login("acme")
    _, text = pdf_text(client.get(f"/seller/asns/{asn.number}/evidence.pdf").data)
    assert text.count("Warning: the stored file does not match this hash.") == 1


def test_the_pdf_in_chinese(demo, app, client, auth):
    asn = receipt_with_every_kind_of_exception(app)
    auth.login("acme")
    answer = client.get(f"/seller/asns/{asn.number}/evidence.pdf?lang=zh_Hans")
    reader, text = pdf_text(answer.data)
    assert reader.metadata.title == "收货证据：R-ALL"
    assert "各 SKU 差异" in text and "交货单上的箱数" in text
    assert cells_after(text, MUG, 6) == ["Ceramic mug 350 ml, white", "60", "40", "2", "20",
                                         "-20"]
    assert "多出的箱子" in text and "箱标不在 ASN 上。" in text
    assert "Discrepancies" not in text and "Received by the server" not in text
    fonts = {font.get_object()["/BaseFont"] for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert any("STSong-Light" in name for name in fonts), "a CID font that needs no font file"


def test_the_browsers_language_picks_the_pdfs_language(demo, app, client, auth):
    asn = receipt_with_every_kind_of_exception(app)
    auth.login("acme")
    answer = client.get(f"/seller/asns/{asn.number}/evidence.pdf",
                        headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert pdf_text(answer.data)[0].metadata.title == "收货证据：R-ALL"


def test_the_api_serves_the_pack_and_the_csv_to_the_seller_and_to_the_warehouse(demo, app,
                                                                                api):
    asn = receipt_with_every_kind_of_exception(app)
    for username in ("acme", "supervisor"):
        caller = api(username)
        pdf = caller.get(f"/api/v1/asns/{asn.number}/evidence.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        _, text = pdf_text(pdf.data)
        assert cells_after(text, MUG, 6)[1:] == ["60", "40", "2", "20", "-20"]
        lines = caller.get(f"/api/v1/asns/{asn.number}/lines.csv")
        assert lines.status_code == 200 and lines.mimetype == "text/csv"
        assert f"R-ALL,{MUG},\"Ceramic mug 350 ml, white\",60,40,2,20,-20" in lines.get_data(
            as_text=True)
    chinese = api("acme").get(f"/api/v1/asns/{asn.number}/evidence.pdf?lang=zh_Hans")
    assert pdf_text(chinese.data)[0].metadata.title == "收货证据：R-ALL"


def test_a_csv_cell_that_looks_like_a_formula_stays_text(demo, app, client, auth):
    submit("R-CSV", {"C1": {"ACME-EVIL": 1}},
           skus=[{"sku": "ACME-EVIL", "description": "=HYPERLINK(\"http://x\")"}])
    auth.login("acme")
    text = client.get("/seller/asns/R-CSV/lines.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text

"""The seller's pages in Simplified Chinese: chosen from the browser or the user's setting,
and every user-facing string translated (nothing English left but the data itself)."""
import io
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import extract_from_dir

from receiving_app.extensions import db
from receiving_app.inventory.quarantine import dispose_quarantine
from receiving_app.models import (
    Adjustment, Asn, Carton, ExceptionKind, Location, ReceivingException, Resolution, ScanEvent,
    Seller, Sku, User, Warehouse, WebhookEndpoint, utcnow,
)
from receiving_app.receiving import resolve_exception
from receiving_app.webhooks import deliver_due
from tests.support.builders import user
from tests.support.i18n import catalogue, compiled_catalogues  # noqa: F401  (fixture)
from tests.support.receipts import MUG, receipt_with_every_kind_of_exception
from tests.support.webhooks import receivers  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("compiled_catalogues")
ROOT = Path(__file__).resolve().parents[2]
# Words that are the same in both languages: names, units, protocols.
SAME_IN_BOTH = {"Dockside", "SKU", "ASN", "CSV", "PDF", "SLA", "UTC", "URL", "HTTP", "HTTPS", "https",
                "JSON", "POST", "SHA", "Webhook"}
# What people typed or scanned, shown as it is: not UI text.
DATA_COLUMNS = (Seller.code, Seller.name, Warehouse.code, Warehouse.name, Asn.number,
                Asn.carrier, Asn.tracking, Carton.label, Sku.code, Sku.description, User.username,
                ReceivingException.note, ReceivingException.carton_label, Resolution.note,
                ScanEvent.raw_code, WebhookEndpoint.url, Location.barcode, Adjustment.note)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class VisibleText(HTMLParser):
    """Text a Chinese reader sees, and the attributes read aloud or shown (alt, title,
    placeholder, aria-label); not scripts, templates, <code> (literal data), what is
    `hidden` or a closed <dialog>, what is marked as another language (the language picker's
    "English"), nor the dock phone's offline-queue and camera chrome that base.html renders
    on every page (hidden unless a dock phone has queued scans)."""

    SKIP = {"script", "style", "template", "code", "title"}
    SHOWN_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")

    @staticmethod
    def unseen(tag: str, attributes: dict) -> bool:
        return (tag in VisibleText.SKIP or "hidden" in attributes or "data-phone" in attributes
                or (tag == "dialog" and "open" not in attributes)
                or not attributes.get("lang", "zh").startswith("zh"))

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []
        self.chunks: list[str] = []

    def skipping(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skip = self.unseen(tag, attributes)
        if not self.skipping() and not skip:
            self.chunks += [attributes[a] for a in self.SHOWN_ATTRIBUTES if attributes.get(a)]
        if tag not in VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.skipping() and data.strip():
            self.chunks.append(data.strip())


def visible_chunks(html: str) -> list[str]:
    page = re.search(r"<header.*</main>", html, re.S)  # a fragment is all body
    parser = VisibleText()
    parser.feed(page.group(0) if page else html)
    data = sorted({str(v) for column in DATA_COLUMNS for v in db.session.scalars(
        sa.select(column)) if v}, key=len, reverse=True)
    chunks = []
    for chunk in parser.chunks:
        for value in data:
            chunk = chunk.replace(value, " ")
        chunks.append(chunk)
    return chunks


def english_left(html: str) -> list[str]:
    """UI strings still in English: catalogue messages, and any English word at all."""
    chunks = visible_chunks(html)
    text = "\n".join(chunks)
    found = []
    for message in catalogue():
        if not message.id or message.string == message.id:
            continue
        for fragment in re.split(r"%\(\w+\)s", message.id):
            fragment = fragment.strip(" .,:;()…")
            if set(re.findall(r"[A-Za-z]+", fragment)) - SAME_IN_BOTH and re.search(
                    rf"(?<![A-Za-z]){re.escape(fragment)}(?![A-Za-z])", text):
                found.append(f"msgid {message.id!r}")
    words = set(re.findall(r"[A-Za-z][A-Za-z']+", text)) - SAME_IN_BOTH
    found += [f"word {w!r}" for w in sorted(words)]
    return found


@pytest.fixture
def chinese_seller(demo, client, auth):
    """ACME's user, who chose 简体中文 on the page (the browser says English)."""
    auth.login("acme")
    answer = client.post("/seller/language", data={
        "locale": "zh_Hans", "csrf_token": auth.csrf_token("/seller/")})
    assert answer.status_code == 302
    assert user("acme").locale == "zh_Hans"
    return client


def test_every_seller_page_in_chinese_has_no_english_left(demo, app, auth, chinese_seller,
                                                          receivers):
    client = chinese_seller
    asn = receipt_with_every_kind_of_exception(app)
    token = auth.csrf_token("/seller/webhooks")
    registered = client.post("/seller/webhooks", data={"url": receivers(fail_first=1).url,
                                                       "csrf_token": token})
    assert registered.status_code == 201
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    disputed = client.post(f"/seller/asns/{asn.number}/disputes", data={
        "sku": MUG, "note": "六十个杯子都装了。", "csrf_token": token})
    dispute_page = client.get(disputed.location)
    deliver_due(allow_loopback=True)
    deliver_due(allow_loopback=True, now=utcnow() + timedelta(minutes=5))
    dispute = db.session.scalar(sa.select(ReceivingException).where(
        ReceivingException.kind == ExceptionKind.SELLER_DISPUTE))
    resolve_exception(dispute, "reject", "复点两次，都是四十个。", user=user("supervisor"))
    dispose_quarantine(warehouse="LAX1", location="LAX1-Q-01", seller="ACME", sku=MUG, qty=1,
                       action="dispose", note="碎片已清理。", user=user("supervisor"))
    preview = client.post("/seller/asns/upload", data={
        "warehouse": "LAX1", "csrf_token": token,
        "packing_list": (io.BytesIO(
            b"asn_number,carton_label,sku,qty\n880123,8801-1,ACME-MUG-01,6\n"), "list.csv")},
        content_type="multipart/form-data")
    pages = {
        "index": client.get("/seller/"),
        "receipt after a dispute (flash)": dispute_page,
        "receipt with the answer": client.get(f"/seller/asns/{asn.number}"),
        "open receipt": client.get("/seller/asns/ASN-ACME-0001"),
        "inspection levels": client.get("/seller/inspection"),
        "new ASN": client.get("/seller/asns/new"),
        "stock": client.get("/seller/stock"),
        "stock fragment": client.get("/seller/stock?sku=" + MUG, headers={"HX-Request": "true"}),
        "packing list preview": preview,
        "webhook registered (secret)": registered,
        "webhooks": client.get("/seller/webhooks"),
        "delivery log": client.get(f"/seller/webhooks/{endpoint.id}"),
        "delivery log fragment": client.get(f"/seller/webhooks/{endpoint.id}",
                                            headers={"HX-Request": "true"}),
    }
    for name, page in pages.items():
        html = page.get_data(as_text=True)
        assert page.status_code in (200, 201), name
        assert english_left(html) == [], (name, english_left(html))
        if "fragment" not in name:
            assert '<html lang="zh-Hans">' in html, name
    receipt = pages["receipt with the answer"].get_data(as_text=True)
    assert "已驳回: 复点两次，都是四十个。" in receipt
    assert "各 SKU 明细" in receipt and "多出的箱子" in receipt
    assert "箱标不在 ASN 上。" in receipt and "ASN 上的这一箱未送达。" in receipt, \
        "the notes the flow writes itself are translated too"
    assert "已送达" in pages["delivery log"].get_data(as_text=True)
    stock = pages["stock"].get_data(as_text=True)
    assert "期初" in stock and "已销毁" in stock and "在库" in stock
    assert "等待中" in pages["delivery log"].get_data(as_text=True)


def test_the_english_pages_show_the_same_places_in_english(demo, app, client, auth):
    receipt_with_every_kind_of_exception(app)
    auth.login("acme")
    html = client.get("/seller/asns/R-ALL", headers={"Accept-Language": "en-GB"}).get_data(
        as_text=True)
    assert '<html lang="en">' in html and "Lines per SKU" in html and "各 SKU" not in html


@pytest.mark.parametrize("header, lang", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans"), ("zh-TW", "zh-Hans"), ("zh-Hans", "zh-Hans"),
    ("en-US,en;q=0.9,zh-CN;q=0.8", "en"), ("fr-FR", "en"), ("", "en"),
    ("fr-FR,zh;q=0.5", "zh-Hans"),
])
def test_the_browsers_language_chooses_when_the_user_has_no_setting(
        demo, client, auth, header, lang):
    auth.login("acme")
    html = client.get("/seller/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html


def test_the_users_setting_wins_over_the_browser_until_cleared(demo, client, auth):
    auth.login("acme")
    token = auth.csrf_token("/seller/")
    saved = client.post("/seller/language", data={"locale": "zh_Hans", "csrf_token": token},
                        headers={"Accept-Language": "en"})
    assert "语言已保存。" in client.get(saved.location, headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    english_browser = client.get("/seller/", headers={"Accept-Language": "en-US"})
    assert '<html lang="zh-Hans">' in english_browser.get_data(as_text=True)
    client.post("/seller/language", data={"locale": "", "csrf_token": token})
    assert user("acme").locale is None
    back = client.get("/seller/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="en">' in back
    refused = client.post("/seller/language", data={"locale": "klingon", "csrf_token": token})
    assert "Choose one of the languages offered." in client.get(refused.location).get_data(
        as_text=True)
    assert user("acme").locale is None


def test_the_api_answers_in_the_token_users_language(demo, api):
    acme = api("acme")
    user("acme").locale = "zh_Hans"
    db.session.commit()
    answer = acme.post("/api/v1/webhooks", json={"url": "http://example.com/hook"})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["message"].startswith("必须使用 HTTPS")


def test_every_string_in_the_code_and_templates_is_in_the_chinese_catalogue():
    extracted = {message for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=[("receiving_app/**.py", "python"),
                               ("templates/**.html", "jinja2")],
        keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None})}
    translations = {m.id: m for m in catalogue() if m.id}
    missing = sorted(m for m in extracted if m not in translations)
    assert missing == [], "run the pybabel commands in the README and translate these"
    for message in translations.values():
        assert message.string and "fuzzy" not in message.flags, message.id
        assert set(re.findall(r"%\(\w+\)s", message.id)) == set(
            re.findall(r"%\(\w+\)s", message.string)), message.id

"""The seller's receipt: every figure of a receipt with each kind of exception, the evidence
behind it, and a dispute from the seller's page to the review desk and back."""
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import url_for

from receiving_app.extensions import db
from receiving_app.models import ExceptionKind, ExceptionState, ReceivingException
from receiving_app.receiving import resolve_exception
from receiving_app.receiving.receipt import receipt_of
from tests.support.builders import arrived, submit, user
from tests.support.receipts import LID, MUG, STRANGER, receipt_with_every_kind_of_exception


def figures(html: str, row: str) -> dict[str, str]:
    """The data-figure cells of the table row whose data attribute is `row`."""
    match = re.search(rf'<tr [^>]*{row}[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row {row}"
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', match.group(1)))


def stage_figures(html: str) -> dict[str, str]:
    section = re.search(r'<section class="card" id="stages">(.*?)</section>', html, re.S).group(1)
    return {k: v.strip() for k, v in re.findall(r'data-figure="(\w+)">([^<]*)<', section)}


def section(html: str, section_id: str) -> str:
    return re.search(rf'<section class="card" id="{section_id}">(.*?)</section>', html,
                     re.S).group(1)


def test_the_receipt_shows_every_figure_of_a_receipt_with_each_kind_of_exception(
        demo, app, client, auth):
    asn = receipt_with_every_kind_of_exception(app)
    auth.login("acme")
    page = client.get(f"/seller/asns/{asn.number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)

    assert figures(html, f'data-sku="{MUG}"') == {
        "expected": "60", "received": "40", "damaged": "2", "missing": "20", "variance": "-20"}
    assert figures(html, f'data-sku="{LID}"') == {
        "expected": "0", "received": "13", "damaged": "0", "missing": "0", "variance": "+13"}
    assert stage_figures(html) == {"paperwork": "7", "scanned": "5", "declared": "6",
                                   "missing": "1", "unexpected": "1"}
    assert "differs from the paperwork" in section(html, "stages")
    assert 'data-sla="True"' in html and ">met<" in html, "closed within the 48 hours"
    for stage in ("Submitted", "Arrived", "Counted", "Inspected", "Put away", "Closed"):
        assert re.search(rf"<th scope=\"row\">{stage}</th><td><time ", html), stage

    cartons = section(html, "cartons")
    assert re.search(r'data-carton="C1">.*?received, put away.*?opened.*?ACME-MUG-01: 10 / 8',
                     cartons, re.S)
    assert re.search(r'data-carton="C5">.*?opened.*?ACME-MUG-01: 10 / 10 \(2 damaged\)',
                     cartons, re.S)
    assert re.search(r'data-carton="C6">\s*<td><code>C6</code></td>\s*<td>missing</td>\s*'
                     r'<td>not opened</td>', cartons)

    kinds = re.findall(r'data-kind="(\w+)"', section(html, "exceptions"))
    assert sorted(kinds) == sorted(
        [k.value for k in ExceptionKind if k is not ExceptionKind.SELLER_DISPUTE] + ["short"])
    exceptions = section(html, "exceptions")
    assert exceptions.count("<figure") == len(kinds), "each exception shows its photo"
    assert f"Barcode read: <code>Code128: {STRANGER}</code>" in exceptions
    photo = db.session.scalar(sa.select(ReceivingException).where(
        ReceivingException.kind == ExceptionKind.DAMAGED)).photos[0]
    assert photo.sha256 in exceptions
    assert f'src="/photos/{photo.public_id}/thumbnail"' in exceptions
    assert "carrier claim" in exceptions and "rejected" in exceptions
    assert exceptions.count("variance accepted") == 7
    assert "Expected 10, found 8, difference -2" in exceptions

    scans = section(html, "scan-log")
    rows = re.findall(r"<tr><td><time.*?</tr>", scans, re.S)
    assert len(rows) == 7 + 5, "seven carton scans, five putaway scans"
    assert all("<td>dock</td>" in row for row in rows)
    assert re.search(rf"<code>{STRANGER}</code></td><td>not on the ASN</td>", scans)
    assert "duplicate scan" in scans


def test_a_receipt_in_progress_shows_its_sla_running_and_offers_no_dispute(
        demo, app, client, auth):
    submit("R-OPEN", {"C1": {MUG: 10}})
    auth.login("acme")
    html = client.get("/seller/asns/R-OPEN").get_data(as_text=True)
    assert "starts at arrival" in html
    assert "Dispute this line" not in html
    assert figures(html, f'data-sku="{MUG}"')["received"] == "0"


def test_the_sla_is_missed_once_the_due_time_passes_without_a_close(demo, app):
    asn = submit("R-LATE", {"C1": {MUG: 10}})
    arrived(asn)
    assert receipt_of(asn).sla_met is None
    late = receipt_of(asn, now=asn.sla_due_at + timedelta(minutes=1))
    assert late.sla_met is False and late.sla_text == "missed"


def test_a_seller_disputes_a_line_and_sees_the_warehouses_answer(demo, app, client, auth):
    asn = receipt_with_every_kind_of_exception(app)
    auth.login("acme")
    token = auth.csrf_token(f"/seller/asns/{asn.number}")
    answer = client.post(f"/seller/asns/{asn.number}/disputes", data={
        "csrf_token": token, "sku": MUG, "note": "We packed 60 mugs; loading photos attached."})
    assert answer.status_code == 302
    dispute = db.session.scalar(sa.select(ReceivingException).where(
        ReceivingException.kind == ExceptionKind.SELLER_DISPUTE))
    assert (dispute.state, dispute.sku.code, dispute.expected_qty, dispute.found_qty) == (
        ExceptionState.OPEN, MUG, 60, 40)
    assert dispute.raised_by.username == "acme"

    html = client.get(f"/seller/asns/{asn.number}").get_data(as_text=True)
    assert "Dispute sent to the warehouse" in html
    mug_row = re.search(rf'<tr [^>]*data-sku="{MUG}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert 'data-dispute="open"' in mug_row and "Dispute this line" not in mug_row
    again = client.post(f"/seller/asns/{asn.number}/disputes", data={
        "csrf_token": token, "sku": MUG, "note": "Again."})
    assert "already disputed" in client.get(again.location).get_data(as_text=True)

    # On the review desk, as a new exception of kind "seller dispute".
    auth.login("supervisor")
    with app.test_request_context():
        queue_url = url_for("review.exceptions", kind="seller_dispute")
    desk = client.get(queue_url).get_data(as_text=True)
    assert "We packed 60 mugs; loading photos attached." in desk

    resolve_exception(dispute, "reject", "Counted twice on camera: 40 mugs.",
                      user=user("supervisor"))
    auth.login("acme")
    html = client.get(f"/seller/asns/{asn.number}").get_data(as_text=True)
    mug_row = re.search(rf'<tr [^>]*data-sku="{MUG}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert 'data-dispute="resolved"' in mug_row
    assert "rejected: Counted twice on camera: 40 mugs." in mug_row
    assert "Dispute this line" in mug_row, "decided: the line may be disputed again"


def test_an_open_receipt_cannot_be_disputed(demo, app, client, auth):
    submit("R-OPEN", {"C1": {MUG: 10}})
    auth.login("acme")
    token = auth.csrf_token("/seller/asns/R-OPEN")
    answer = client.post("/seller/asns/R-OPEN/disputes", data={
        "csrf_token": token, "sku": MUG, "note": "Too early."})
    assert "Only a closed receipt can be disputed" in client.get(answer.location).get_data(
        as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ReceivingException.id))) == 0


def test_the_lines_csv_has_one_row_per_sku_with_the_receipts_figures(demo, app, client, auth):
    asn = receipt_with_every_kind_of_exception(app)
    auth.login("acme")
    answer = client.get(f"/seller/asns/{asn.number}/lines.csv")
    assert answer.mimetype == "text/csv"
    assert "R-ALL-lines.csv" in answer.headers["Content-Disposition"]
    text = answer.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    assert text[1:].splitlines() == [
        "asn_number,sku,description,expected,received,damaged,missing,variance",
        f"R-ALL,{LID},Bamboo lid for mug,0,13,0,0,13",
        f"R-ALL,{MUG},\"Ceramic mug 350 ml, white\",60,40,2,20,-20",
    ]

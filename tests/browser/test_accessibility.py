"""axe-core (vendored, run in the real browser under the real Content-Security-Policy) finds
no serious or critical accessibility violation on the dock, review and seller pages."""
import pytest

from tests.browser.test_offline_queue import labels

pytestmark = pytest.mark.browser

AXE = "/static/vendor/axe-core-4.14.1.min.js"
SERIOUS = """async () => {
  const results = await axe.run(document);
  return {
    checked: results.passes.length,
    serious: results.violations
      .filter(v => v.impact === "serious" || v.impact === "critical")
      .map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(" ")).join(", ")})`),
  };
}"""


def violations(page, path: str) -> list[str]:
    response = page.goto(path)
    assert response.ok, path
    # a script from our own origin: the page's CSP allows it, as it allows our own scripts
    page.add_script_tag(url=AXE)
    results = page.evaluate(SERIOUS)
    assert results["checked"] > 10, path  # axe really looked at the page
    return [f"{path}: {found}" for found in results["serious"]]


def counted_by_a_colleague(server) -> str:
    """ASN-NOVA-0001 arrived and counted (through the API); returns a carton to open."""
    base = "/api/v1/asns/ASN-NOVA-0001"
    assert server.api_post("dock", f"{base}/arrive", {"paperwork_cartons": 6}).status_code == 200
    for label in labels(server):
        server.api_post("dock", f"{base}/cartons/{label}/receive")
    return server.api_post("dock", f"{base}/count/complete").json()["sample"][0]


def test_dock_review_and_seller_pages_have_no_serious_accessibility_violations(phone,
                                                                              live_server):
    sample_carton = counted_by_a_colleague(live_server)
    page = phone.login("dock")
    found = []
    for path in ("/dock/", "/dock/counts", "/dock/asns/ASN-ACME-0001",
                 "/dock/asns/ASN-NOVA-0001", f"/dock/asns/ASN-NOVA-0001/cartons/{sample_carton}"):
        found += violations(page, path)
    phone.context.clear_cookies()

    phone.login("supervisor")
    for path in ("/review/", "/review/asns/ASN-NOVA-0001", "/review/exceptions",
                 "/review/adjustments", "/review/reports/reconciliation"):
        found += violations(page, path)
    phone.context.clear_cookies()

    phone.login("acme")
    for path in ("/seller/", "/seller/asns/ASN-ACME-0001", "/seller/asns/new",
                 "/seller/stock"):
        found += violations(page, path)
    found += violations(page, "/offline")
    assert found == []

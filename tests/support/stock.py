"""Stock after the dock in one line: units received and on a shelf, or held in quarantine."""
from receiving_app.receiving import inspect_carton, put_away
from tests.support.builders import counted, submit, user

MUG = "ACME-MUG-01"
SHELF, OTHER_SHELF, QUARANTINE = "LAX1-A-01-01", "LAX1-A-01-02", "LAX1-Q-01"


def on_the_shelf(qty: int = 20, location: str = SHELF, *, sku: str = MUG, number: str = "S-1",
                 seller: str = "ACME"):
    """One carton of `qty` units received, opened (it is the whole sample), counted right
    and put away to `location` (a quarantine location holds them in quarantine)."""
    label = f"{number}-C1"
    asn = submit(number, {label: {sku: qty}}, seller=seller)
    counted(asn)
    inspect_carton(asn, label, user=user("dock"), counts=[{"sku": sku, "qty": qty}])
    put_away(asn, label, location, user=user("dock"))
    return asn


def adjustment_body(**changes) -> dict:
    """An adjustment request through the API: five mugs lost from the first shelf."""
    body = {"warehouse": "LAX1", "seller": "ACME", "sku": MUG, "location": SHELF, "qty": -5,
            "reason": "lost", "note": "Not on the shelf at picking."}
    return body | changes

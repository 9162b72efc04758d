"""Demo data: warehouse LAX1, sellers ACME and NOVA, two submitted ASNs, one user per role.

The codes are contracts: scripts and checks rely on LAX1, ACME, NOVA and the logins below.
"""
import sqlalchemy as sa

from .accounts import create_user
from .barcodes import gs1_check_digit
from .extensions import db
from .models import Location, LocationKind, Role, Seller, User, Warehouse
from .receiving.intake import submit_asn

DEMO_PASSWORD = "dockside-demo"
DEMO_USERS = [
    ("dock", Role.DOCK, None, "LAX1"),
    ("supervisor", Role.SUPERVISOR, None, "LAX1"),
    ("admin", Role.ADMIN, None, "LAX1"),
    ("acme", Role.SELLER, "ACME", None),
    ("nova", Role.SELLER, "NOVA", None),
]
COMPANY_PREFIX = {"ACME": "0614141", "NOVA": "0614142"}


def gtin(company: str, item: str) -> str:
    """A valid GTIN-13 (EAN-13) for a demo item."""
    body = COMPANY_PREFIX[company][1:] + item
    body = body[:12].ljust(12, "0")
    return body + gs1_check_digit(body)


def sscc(company: str, serial: int) -> str:
    """A valid 18-digit SSCC: extension digit 0, company prefix, serial, check digit."""
    body = "0" + COMPANY_PREFIX[company] + str(serial).zfill(9)
    return body + gs1_check_digit(body)


DEMO_SKUS = {
    "ACME": [
        {"sku": "ACME-MUG-01", "description": "Ceramic mug 350 ml, white",
         "barcodes": [gtin("ACME", "00001")], "high_value": False},
        {"sku": "ACME-LID-02", "description": "Bamboo lid for mug",
         "barcodes": [gtin("ACME", "00002"), "X001ACME02"], "high_value": False},
        {"sku": "ACME-WATCH-09", "description": "Smart watch, 44 mm",
         "barcodes": [gtin("ACME", "00009"), "X001ACME09"], "high_value": True},
    ],
    "NOVA": [
        {"sku": "NOVA-LAMP-01", "description": "Desk lamp, LED",
         "barcodes": [gtin("NOVA", "00001")], "high_value": False},
        {"sku": "NOVA-RUG-02", "description": "Rug 120x180, grey",
         "barcodes": [gtin("NOVA", "00002")], "high_value": False},
    ],
}


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def seed_demo() -> list[tuple[str, str, str]]:
    """Create the demo warehouse, sellers, users and ASNs; return the logins."""
    warehouse = Warehouse(code="LAX1", name="Los Angeles 1", timezone="America/Los_Angeles")
    db.session.add(warehouse)
    locations = [("LAX1-DOCK-01", LocationKind.DOCK), ("LAX1-DOCK-02", LocationKind.DOCK),
                 ("LAX1-STG-01", LocationKind.STAGING), ("LAX1-Q-01", LocationKind.QUARANTINE)]
    locations += [(f"LAX1-A-{aisle:02d}-{bay:02d}", LocationKind.STORAGE)
                  for aisle in range(1, 5) for bay in range(1, 5)]
    for barcode, kind in locations:
        db.session.add(Location(warehouse=warehouse, barcode=barcode, kind=kind))
    db.session.add_all([Seller(code="ACME", name="Acme Trading (Shenzhen) Co."),
                        Seller(code="NOVA", name="Nova Home Goods Ltd.")])
    db.session.commit()

    logins = []
    for username, role, seller, warehouse_code in DEMO_USERS:
        create_user(username, DEMO_PASSWORD, role, seller_code=seller,
                    warehouse_code=warehouse_code)
        logins.append((username, DEMO_PASSWORD, role.value))

    supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
    submit_asn(_acme_asn(), user=supervisor)
    submit_asn(_nova_asn(), user=supervisor)
    return logins


def _acme_asn() -> dict:
    cartons = [{"label": sscc("ACME", n), "contents": [{"sku": "ACME-MUG-01", "qty": 24}]}
               for n in range(1, 11)]
    # a declared mixed carton and a high-value carton: both always opened
    cartons.append({"label": sscc("ACME", 11), "contents": [
        {"sku": "ACME-MUG-01", "qty": 12}, {"sku": "ACME-LID-02", "qty": 12}]})
    cartons.append({"label": sscc("ACME", 12), "contents": [{"sku": "ACME-WATCH-09", "qty": 5}]})
    return {"number": "ASN-ACME-0001", "warehouse": "LAX1", "seller": "ACME",
            "carrier": "Maersk", "tracking": "MAEU7712345", "skus": DEMO_SKUS["ACME"],
            "cartons": cartons}


def _nova_asn() -> dict:
    cartons = [{"label": sscc("NOVA", n), "contents": [{"sku": "NOVA-LAMP-01", "qty": 8}]}
               for n in range(1, 5)]
    cartons += [{"label": sscc("NOVA", n), "contents": [{"sku": "NOVA-RUG-02", "qty": 2}]}
                for n in range(5, 7)]
    return {"number": "ASN-NOVA-0001", "warehouse": "LAX1", "seller": "NOVA",
            "carrier": "COSCO", "tracking": "COSU5566778", "skus": DEMO_SKUS["NOVA"],
            "cartons": cartons}

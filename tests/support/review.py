"""Review-desk situations in one line: an open exception waiting for a supervisor, another
supervisor, a receipt closed at known times."""
from datetime import datetime, timedelta

from receiving_app.accounts import create_user
from receiving_app.extensions import db
from receiving_app.models import (
    Asn, AsnStatus, ExceptionKind, ExceptionState, ReceivingException, Resolution,
    ResolutionKind, Role, User, Warehouse,
)
from receiving_app.receiving import inspect_carton
from tests.support.builders import counted, photographed, submit, user


def open_short(app, number: str = "R-1", found: int = 7) -> ReceivingException:
    """One carton of 10 mugs, counted, opened and found short; photographed, so it waits
    for a supervisor."""
    asn = submit(number, {"C1": {"ACME-MUG-01": 10}})
    counted(asn)
    result = inspect_carton(asn, "C1", user=user("dock"), counts=[{"sku": "ACME-MUG-01",
                                                                     "qty": found}])
    exception = db.session.get(ReceivingException, result["exceptions"][0]["id"])
    photographed(exception, app)
    return exception


def another_supervisor(username: str = "supervisor2", warehouse: str = "LAX1") -> User:
    return create_user(username, "dockside-demo", Role.SUPERVISOR, warehouse_code=warehouse)


def closed_receipt_at(
    number: str, *, arrived: datetime, hours: float, due_hours: float, seller: str = "ACME",
    cartons: int = 10, warehouse: Warehouse | None = None,
) -> Asn:
    """A receipt that arrived at `arrived` and closed `hours` later, due `due_hours` after
    arrival: the timestamps set directly, as a report test needs them."""
    sku = {"ACME": "ACME-MUG-01", "NOVA": "NOVA-LAMP-01"}[seller]
    asn = submit(number, {f"{number}-C{n}": {sku: 1} for n in range(cartons)}, seller=seller)
    if warehouse is not None:
        asn.warehouse_id = warehouse.id
    asn.status = AsnStatus.CLOSED
    asn.arrived_at = arrived
    asn.closed_at = arrived + timedelta(hours=hours)
    asn.sla_due_at = arrived + timedelta(hours=due_hours)
    db.session.commit()
    return asn


def resolved_exception(asn: Asn, kind: ExceptionKind, resolution: ResolutionKind) -> None:
    """An exception on a closed receipt, decided long ago."""
    exception = ReceivingException(asn_id=asn.id, kind=kind, state=ExceptionState.RESOLVED,
                                   raised_at=asn.arrived_at, resolved_at=asn.closed_at)
    db.session.add(exception)
    db.session.flush()
    db.session.add(Resolution(exception_id=exception.id, resolution=resolution, note="decided",
                              resolved_at=asn.closed_at))
    db.session.commit()

"""The ASN state machine, in one table."""
from ..errors import WrongStep
from ..models import Asn, AsnStatus

# step name -> (the statuses it may happen in, the status it leads to or None to stay)
TRANSITIONS: dict[str, tuple[frozenset[AsnStatus], AsnStatus | None]] = {
    "arrive": (frozenset({AsnStatus.SUBMITTED}), AsnStatus.ARRIVED),
    "receive": (frozenset({AsnStatus.ARRIVED}), None),
    "complete_count": (frozenset({AsnStatus.ARRIVED}), AsnStatus.COUNTED),
    # INSPECTED too: a supervisor may send a carton back for a recount
    "inspect": (frozenset({AsnStatus.COUNTED, AsnStatus.INSPECTED}), None),
    "recount": (frozenset({AsnStatus.COUNTED, AsnStatus.INSPECTED}), None),
    "finish_inspection": (frozenset({AsnStatus.COUNTED}), AsnStatus.INSPECTED),
    # Cartons outside the sample go to the shelf while the sample is still being opened.
    "put_away": (frozenset({AsnStatus.COUNTED, AsnStatus.INSPECTED}), None),
    "finish_putaway": (frozenset({AsnStatus.INSPECTED}), AsnStatus.PUT_AWAY),
    "raise_exception": (frozenset({AsnStatus.ARRIVED, AsnStatus.COUNTED, AsnStatus.INSPECTED,
                                   AsnStatus.PUT_AWAY}), None),
    "close": (frozenset({AsnStatus.PUT_AWAY}), AsnStatus.CLOSED),
    # a second truck: until the receipt closes, its cartons are received as late ones
    "add_delivery": (frozenset({AsnStatus.ARRIVED, AsnStatus.COUNTED, AsnStatus.INSPECTED,
                                AsnStatus.PUT_AWAY}), None),
}

STEP_NAMES = {
    "arrive": "check in", "receive": "count cartons", "complete_count": "finish the count",
    "inspect": "open sample cartons", "recount": "order a recount",
    "finish_inspection": "finish inspection",
    "put_away": "put away", "finish_putaway": "finish putaway",
    "raise_exception": "raise an exception", "close": "close the receipt",
    "add_delivery": "check in another delivery",
}


def check_step(asn: Asn, step: str) -> None:
    """Raise WrongStep unless `step` may happen in the ASN's current status."""
    allowed, _ = TRANSITIONS[step]
    if asn.status not in allowed:
        raise WrongStep(
            f"Cannot {STEP_NAMES[step]}: ASN {asn.number} is {asn.status.value.replace('_', ' ')}."
        )


def advance(asn: Asn, step: str) -> None:
    """Check the step, then move the ASN to the status the step leads to."""
    check_step(asn, step)
    _, target = TRANSITIONS[step]
    if target is not None:
        asn.status = target

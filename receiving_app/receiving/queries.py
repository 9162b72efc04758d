"""Reading ASNs for a user: always through the access scope."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..access import scope_asns
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..models import Asn, AsnStatus, Seller, User
from ..payloads import is_text

OPEN_STATUSES = (
    AsnStatus.SUBMITTED, AsnStatus.ARRIVED, AsnStatus.COUNTED, AsnStatus.INSPECTED,
    AsnStatus.PUT_AWAY,
)


def find_asn(user: User, number: str, seller_code: str | None = None, *, lock=False) -> Asn:
    """The ASN with this number that the user may see, else NotFound.

    Another seller's ASN is "not found" exactly like one that does not exist. Staff who
    see two sellers with the same ASN number must say which seller.
    """
    if not is_text(number) or (seller_code and not is_text(seller_code)):
        raise NotFound(f"No ASN {number!r}.")  # no ASN has a control character
    query = scope_asns(sa.select(Asn).where(Asn.number == number), user)
    if seller_code:
        query = query.join(Seller, Asn.seller_id == Seller.id).where(Seller.code == seller_code)
    if lock:
        query = query.with_for_update()
    asns = list(db.session.scalars(query.limit(2)))
    if not asns:
        raise NotFound(f"No ASN {number}.")
    if len(asns) > 1:
        raise InvalidInput(
            f"Two sellers have an ASN {number}; say which one.",
            [{"path": "seller", "message": "required: the seller code"}],
        )
    return asns[0]


def list_asns(user: User, *, open_only: bool = False, limit: int = 200) -> list[Asn]:
    """The ASNs the user may see, newest first; open_only leaves out closed and cancelled."""
    query = scope_asns(sa.select(Asn), user).options(
        joinedload(Asn.seller), joinedload(Asn.warehouse))
    if open_only:
        query = query.where(Asn.status.in_(OPEN_STATUSES))
    return list(db.session.scalars(query.order_by(Asn.submitted_at.desc(), Asn.id.desc())
                                    .limit(limit)))

"""Who may do what, and which rows they may see. The one place for both."""
import sqlalchemy as sa

from .models import (
    Adjustment, Asn, Claim, CycleCount, ReceivingException, Role, User, Warehouse, WebhookEndpoint,
)

# What each role may do. Views and API endpoints name the action they need.
# "adjust": ask for a stock adjustment; "review" also approves adjustments, decides
# quarantine exits and creates and approves cycle counts.
PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.DOCK: frozenset({"dock", "adjust"}),
    Role.SUPERVISOR: frozenset({"dock", "review", "submit_asn", "adjust", "see_claims",
                                "see_inspection"}),
    Role.SELLER: frozenset({"seller", "submit_asn", "see_claims", "see_inspection"}),
    Role.ADMIN: frozenset({"dock", "review", "submit_asn", "admin", "adjust", "see_claims",
                           "see_inspection"}),
}


def can(user: User, action: str) -> bool:
    return user.is_authenticated and action in PERMISSIONS.get(user.role, frozenset())


def scope_asns(query: sa.Select, user: User) -> sa.Select:
    """Restrict a query over ASNs to what the user may see.

    A seller user sees their own seller's ASNs; staff see their warehouse's; an admin with
    no warehouse sees all. Everything that loads an ASN for a user goes through here, so
    another seller's ASN is simply not found.
    """
    if user.role is Role.SELLER:
        return query.where(Asn.seller_id == user.seller_id)
    if user.warehouse_id is not None:
        return query.where(Asn.warehouse_id == user.warehouse_id)
    if user.role is Role.ADMIN:
        return query
    return query.where(sa.false())


def scope_exceptions(query: sa.Select, user: User) -> sa.Select:
    return scope_asns(query.join(Asn, ReceivingException.asn_id == Asn.id), user)


def scope_claims(query: sa.Select, user: User) -> sa.Select:
    """Carrier claims follow their ASN: a seller sees their own, staff their warehouse's."""
    return scope_asns(query.join(Asn, Claim.asn_id == Asn.id), user)


def scope_webhook_endpoints(query: sa.Select, user: User) -> sa.Select:
    """Webhook endpoints belong to a seller, never to staff: a seller user sees their own
    seller's, anyone else none, so another seller's endpoint is simply not found."""
    if user.role is Role.SELLER and user.seller_id is not None:
        return query.where(WebhookEndpoint.seller_id == user.seller_id)
    return query.where(sa.false())


def scope_warehouses(query: sa.Select, user: User) -> sa.Select:
    """The warehouses whose stock staff may change: their own; an admin with none, all."""
    if user.role is Role.SELLER:
        return query.where(sa.false())
    if user.warehouse_id is not None:
        return query.where(Warehouse.id == user.warehouse_id)
    if user.role is Role.ADMIN:
        return query
    return query.where(sa.false())


def scope_stock(query: sa.Select, user: User, warehouse_id, seller_id) -> sa.Select:
    """Restrict a query over stock rows (balances, movements, adjustments, count lines) by
    their warehouse and seller columns: a seller sees their own seller's, staff their
    warehouse's, an admin with no warehouse all."""
    if user.role is Role.SELLER:
        return query.where(seller_id == user.seller_id)
    if user.warehouse_id is not None:
        return query.where(warehouse_id == user.warehouse_id)
    if user.role is Role.ADMIN:
        return query
    return query.where(sa.false())


def scope_adjustments(query: sa.Select, user: User) -> sa.Select:
    return scope_stock(query, user, Adjustment.warehouse_id, Adjustment.seller_id)


def scope_cycle_counts(query: sa.Select, user: User) -> sa.Select:
    """A cycle count is the warehouse's own work: staff see their warehouse's, an admin with
    no warehouse all, a seller none (they see the adjustments it posts)."""
    if user.role is Role.SELLER:
        return query.where(sa.false())
    return scope_stock(query, user, CycleCount.warehouse_id, None)

"""Cycle-count situations in one line: stock on three shelves, a count of them."""
from receiving_app.inventory.adjustments import adjust_stock
from receiving_app.inventory.counts import complete_cycle_count, count_line, create_cycle_count
from tests.support.builders import user

MUG, LID, LAMP = "ACME-MUG-01", "ACME-LID-02", "NOVA-LAMP-01"
A, B, C = "LAX1-A-01-01", "LAX1-A-01-02", "LAX1-A-01-03"


def found(sku: str, location: str, qty: int, seller: str | None = None) -> None:
    """Units on the book at a location (an adjustment small enough to post at once)."""
    adjust_stock(warehouse="LAX1", seller=seller or sku.split("-")[0], sku=sku,
                 location=location, qty=qty, reason="found", note="stock for the test",
                 user=user("supervisor"))


def three_shelves():
    """Five mugs on A, four lids on B, three of NOVA's lamps on C; a blind count of A, B, C."""
    found(MUG, A, 5)
    found(LID, B, 4)
    found(LAMP, C, 3)
    return create_cycle_count(warehouse="LAX1", locations=[A, B, C], user=user("supervisor"))


def count(cycle_count, counts: dict[str, dict[str, int]], who: str = "dock") -> None:
    """Visit each location and count {location: {sku: qty}} there."""
    for location, skus in counts.items():
        count_line(cycle_count, location=location, user=user(who))
        for sku, qty in skus.items():
            count_line(cycle_count, location=location, sku=sku, qty=qty, user=user(who))


def counted_and_recounted(counts: dict, recounts: dict, who: str = "dock"):
    """The three shelves counted as `counts`, compared, the lines sent back recounted as
    `recounts` and compared again: the count waits for a supervisor's approval."""
    cycle_count = three_shelves()
    count(cycle_count, counts, who)
    complete_cycle_count(cycle_count, user=user(who))
    count(cycle_count, recounts, who)
    complete_cycle_count(cycle_count, user=user(who))
    return cycle_count

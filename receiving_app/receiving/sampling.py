"""Which cartons to open: a sample size from the warehouse's policy, drawn reproducibly."""
import math
import random
from decimal import Decimal

from ..models import Carton, InspectionLevel, SamplingPolicy

MIN_RATE = Decimal("0.10")

# ANSI/ASQ Z1.4 (ISO 2859-1), general inspection levels: the largest lot of each lot-size
# range, and the sample size its code letter gives at level I, II and III.
Z14_LOTS = (8, 15, 25, 50, 90, 150, 280, 500, 1_200, 3_200, 10_000, 35_000, 150_000, 500_000)
Z14_SIZES = {
    "I": (2, 2, 3, 5, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500),
    "II": (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1_250),
    "III": (3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1_250, 2_000),
}


def z14_sample_size(lot: int, level: str = "II") -> int:
    """Z1.4 general inspection level I, II or III sample size for a lot of `lot` cartons."""
    sizes = Z14_SIZES[level]
    for largest, size in zip(Z14_LOTS, sizes):
        if lot <= largest:
            return size
    return sizes[-1]


def sample_size(received: int, policy: SamplingPolicy, rate: float,
                level: InspectionLevel = InspectionLevel.NORMAL) -> int:
    """How many of `received` cartons to open: at least 1, never more than all.

    The rate is never below 10 %. Normal: under the Z1.4 policy the level II size applies
    when larger (today's rule). Tightened: the level III size when larger. Reduced: the
    level I size when larger, never more than normal, never under the 10 % floor.
    """
    if received <= 0:
        return 0
    # Decimal: 0.1 * 30 in floats is 3.0000000000000004, and its ceiling would be 4.
    rate_size = math.ceil(max(Decimal(str(rate)), MIN_RATE) * received)
    normal = rate_size
    if policy is SamplingPolicy.Z14:
        normal = max(rate_size, z14_sample_size(received, "II"))
    size = {
        InspectionLevel.NORMAL: normal,
        InspectionLevel.TIGHTENED: max(normal, z14_sample_size(received, "III")),
        InspectionLevel.REDUCED: min(normal, max(rate_size, z14_sample_size(received, "I"))),
    }[level]
    return min(max(size, 1), received)


def mandatory(carton: Carton) -> bool:
    """Declared mixed cartons and cartons holding a high-value SKU are always opened."""
    return carton.is_mixed or any(c.sku.high_value for c in carton.contents if c.declared_qty)


def choose_sample(received: list[Carton], seed: int, size: int) -> list[Carton]:
    """The cartons to open: `size` drawn at random (seeded) plus every mandatory one.

    The draw depends only on the seed and the received cartons in id order, so anyone can
    reproduce it from the ASN's stored seed.
    """
    cartons = sorted(received, key=lambda c: c.id)
    forced = [c for c in cartons if mandatory(c)]
    pool = [c for c in cartons if not mandatory(c)]
    drawn = random.Random(seed).sample(pool, min(size, len(pool)))
    chosen = {c.id for c in forced} | {c.id for c in drawn}
    return [c for c in cartons if c.id in chosen]

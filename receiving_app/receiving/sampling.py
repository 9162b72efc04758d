"""Which cartons to open: a sample size from the warehouse's policy, drawn reproducibly."""
import math
import random
from decimal import Decimal

from ..models import Carton, SamplingPolicy

MIN_RATE = Decimal("0.10")

# ANSI/ASQ Z1.4 (ISO 2859-1), general inspection level II: (largest lot size, sample size)
Z14_LEVEL_II = [
    (8, 2), (15, 3), (25, 5), (50, 8), (90, 13), (150, 20), (280, 32), (500, 50),
    (1_200, 80), (3_200, 125), (10_000, 200), (35_000, 315), (150_000, 500),
    (500_000, 800),
]
Z14_ABOVE = 1_250


def z14_sample_size(lot: int) -> int:
    """Z1.4 general level II sample size for a lot of `lot` cartons."""
    for largest, size in Z14_LEVEL_II:
        if lot <= largest:
            return size
    return Z14_ABOVE


def sample_size(received: int, policy: SamplingPolicy, rate: float) -> int:
    """How many of `received` cartons to open: at least 1, never more than all.

    The rate is never below 10 %; under the Z1.4 policy the Z1.4 size applies when larger.
    """
    if received <= 0:
        return 0
    # Decimal: 0.1 * 30 in floats is 3.0000000000000004, and its ceiling would be 4.
    rate_size = math.ceil(max(Decimal(str(rate)), MIN_RATE) * received)
    size = rate_size
    if policy is SamplingPolicy.Z14:
        size = max(rate_size, z14_sample_size(received))
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

"""A carrier claim's states, in one table, as the ASN's are (states.py)."""
from ..errors import WrongStep
from ..models import Claim, ClaimStatus

# status -> the statuses it may move to (by a supervisor, or the clock: to_file -> expired)
CLAIM_TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    ClaimStatus.TO_FILE: frozenset({ClaimStatus.FILED, ClaimStatus.EXPIRED,
                                    ClaimStatus.WITHDRAWN}),
    # answered by the carrier
    ClaimStatus.FILED: frozenset({ClaimStatus.PAID, ClaimStatus.DENIED}),
    # filed after all (a carrier may accept a late claim), or appealed after a denial
    ClaimStatus.EXPIRED: frozenset({ClaimStatus.FILED}),
    ClaimStatus.DENIED: frozenset({ClaimStatus.FILED}),
    ClaimStatus.PAID: frozenset(),
    # a new carrier_claim decision on the delivery opens a new claim
    ClaimStatus.WITHDRAWN: frozenset(),
}
# Claims still being worked on: they take new exceptions of their delivery, and the board
# shows their deadline.
OPEN_CLAIM_STATUSES = frozenset({ClaimStatus.TO_FILE})


def move_claim(claim: Claim, target: ClaimStatus) -> None:
    """Move the claim to `target`, or WrongStep saying why it may not."""
    if target is not claim.status and target not in CLAIM_TRANSITIONS[claim.status]:
        allowed = ", ".join(sorted(s.value for s in CLAIM_TRANSITIONS[claim.status])) or "none"
        raise WrongStep(f"A claim that is {claim.status.value.replace('_', ' ')} cannot become "
                        f"{target.value.replace('_', ' ')} (next: {allowed}).")
    claim.status = target

"""The adjustment's states, in one table (like the ASN's in receiving/states.py)."""
from ..errors import WrongStep
from ..models import Adjustment, AdjustmentState

# step -> (the states it may happen in, the state it leads to)
ADJUSTMENT_TRANSITIONS: dict[str, tuple[frozenset[AdjustmentState], AdjustmentState]] = {
    # a second person approves what waits, or a supervisor posts (perhaps changed) a proposal
    "approve": (frozenset({AdjustmentState.AWAITING_APPROVAL, AdjustmentState.PROPOSED}),
                AdjustmentState.POSTED),
    "reject": (frozenset({AdjustmentState.AWAITING_APPROVAL, AdjustmentState.PROPOSED}),
               AdjustmentState.REJECTED),
}

STATE_WORDS = {
    AdjustmentState.PROPOSED: "proposed", AdjustmentState.AWAITING_APPROVAL: "awaiting approval",
    AdjustmentState.POSTED: "already posted", AdjustmentState.REJECTED: "already rejected",
}


def advance_adjustment(adjustment: Adjustment, step: str) -> None:
    """Move the adjustment on by `step`, or raise WrongStep saying where it stands."""
    allowed, target = ADJUSTMENT_TRANSITIONS[step]
    if adjustment.state not in allowed:
        who = adjustment.decided_by.username if adjustment.decided_by else "someone"
        raise WrongStep(f"Cannot {step} adjustment {adjustment.id}: it is "
                        f"{STATE_WORDS[adjustment.state]} (by {who}).")
    adjustment.state = target

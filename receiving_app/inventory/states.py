"""The states of an adjustment and of a cycle count, each in one table (like the ASN's in
receiving/states.py)."""
from ..errors import WrongStep
from ..models import Adjustment, AdjustmentState, CycleCount, CycleCountState

# step -> (the states it may happen in, the state it leads to, or None to stay)
ADJUSTMENT_TRANSITIONS: dict[str, tuple[frozenset, AdjustmentState | None]] = {
    # a second person approves what waits, or a supervisor posts (perhaps changed) a proposal
    "approve": (frozenset({AdjustmentState.AWAITING_APPROVAL, AdjustmentState.PROPOSED}),
                AdjustmentState.POSTED),
    "reject": (frozenset({AdjustmentState.AWAITING_APPROVAL, AdjustmentState.PROPOSED}),
               AdjustmentState.REJECTED),
}

COUNT_TRANSITIONS: dict[str, tuple[frozenset, CycleCountState | None]] = {
    "count": (frozenset({CycleCountState.OPEN, CycleCountState.RECOUNT}), None),
    # lines outside the tolerance go back once: only from the first round
    "send_to_recount": (frozenset({CycleCountState.OPEN}), CycleCountState.RECOUNT),
    "complete": (frozenset({CycleCountState.OPEN, CycleCountState.RECOUNT}),
                 CycleCountState.COMPLETED),
    "approve": (frozenset({CycleCountState.COMPLETED}), CycleCountState.APPROVED),
}

STATE_WORDS = {
    AdjustmentState.PROPOSED: "proposed", AdjustmentState.AWAITING_APPROVAL: "awaiting approval",
    AdjustmentState.POSTED: "already posted", AdjustmentState.REJECTED: "already rejected",
    CycleCountState.OPEN: "still being counted", CycleCountState.RECOUNT: "being recounted",
    CycleCountState.COMPLETED: "waiting for approval",
    CycleCountState.APPROVED: "already approved",
}


def advance_adjustment(adjustment: Adjustment, step: str) -> None:
    """Move the adjustment on by `step`, or raise WrongStep saying where it stands."""
    allowed, target = ADJUSTMENT_TRANSITIONS[step]
    if adjustment.state not in allowed:
        who = adjustment.decided_by.username if adjustment.decided_by else "someone"
        raise WrongStep(f"Cannot {step} adjustment {adjustment.id}: it is "
                        f"{STATE_WORDS[adjustment.state]} (by {who}).")
    if target is not None:
        adjustment.state = target


def advance_count(count: CycleCount, step: str) -> None:
    """Move the cycle count on by `step`, or raise WrongStep saying where it stands."""
    allowed, target = COUNT_TRANSITIONS[step]
    if count.state not in allowed:
        raise WrongStep(f"Cannot {step.replace('_', ' ')} cycle count {count.id}: it is "
                        f"{STATE_WORDS[count.state]}.")
    if target is not None:
        count.state = target

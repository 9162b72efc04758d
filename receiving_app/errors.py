"""Domain errors. Each says what went wrong in words a dock worker or a seller can act on;
the web and API layers map them to a status code."""


class DomainError(Exception):
    status = 400
    code = "error"
    # seconds after which the same request may well succeed (the Retry-After header), if so
    retry_after: int | None = None

    def __init__(self, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class InvalidInput(DomainError):
    """Bad input; `details` lists each bad field as {"path", "message"}."""

    status = 422
    code = "invalid"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class WrongStep(Conflict):
    """The ASN or carton is not in a state where this step can happen."""

    code = "wrong_step"


class NotEnoughStock(Conflict):
    """A change would take a balance below zero."""

    code = "not_enough_stock"


class StorageFailed(DomainError):
    """The photo store could not write (disk full, I/O error); nothing was saved."""

    status = 507
    code = "storage_failed"


class IdempotencyKeyReused(DomainError):
    """An idempotency key sent again with another request (another carton, another step):
    the first answer is not this request's, and this request is not done."""

    status = 422
    code = "idempotency_key_reused"


class IdempotencyKeyInFlight(Conflict):
    """The first request with this key is still being answered; the same request sent again
    a moment later gets that answer."""

    code = "idempotency_key_in_flight"
    retry_after = 1

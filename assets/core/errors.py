"""Domain errors. Services raise them; the API maps them to problem+json, pages to messages."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "VALIDATION_ERROR"
    title = "Validation error"

    def __init__(self, detail: str = "", *, errors: list[dict] | None = None, **extra):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or []
        self.extra = extra

    def as_problem(self) -> dict:
        body = {
            "type": f"about:blank#{self.code.lower()}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
            "errors": self.errors,
        }
        body.update(self.extra)
        return body


class ValidationFailed(DomainError):
    """Bad input. `errors` holds one {field, message} per problem."""

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}])


class Unauthenticated(DomainError):
    status, code, title = 401, "UNAUTHENTICATED", "Authentication required"


class Forbidden(DomainError):
    status, code, title = 403, "FORBIDDEN", "Permission denied"


class NotFound(DomainError):
    """`entity_type` and `entity_id` say which object is missing (or hidden), for surfaces that
    name it their own way (a dialect names an asset by key); they stay out of the problem body."""

    status, code, title = 404, "NOT_FOUND", "Not found"

    def __init__(self, detail: str = "", *, entity_type: str | None = None, entity_id=None, **kwargs):
        super().__init__(detail, **kwargs)
        self.entity_type, self.entity_id = entity_type, entity_id

    @classmethod
    def of(cls, entity_type: str, entity_id, **kwargs) -> NotFound:
        return cls(f"{entity_type} {entity_id} does not exist", entity_type=entity_type, entity_id=entity_id, **kwargs)


def one_or_404(queryset, entity_type: str, pk):
    """The row of `queryset` with primary key `pk`; a row outside it (missing or hidden) is a 404."""
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise NotFound.of(entity_type, pk)
    return row


class Conflict(DomainError):
    """Optimistic lock failure: the client's version is not the current one."""

    status, code, title = 409, "CONFLICT", "Entity has been modified by another request"

    def __init__(self, entity_type: str, entity_id, expected_version: int | None, current_version: int | None):
        super().__init__(
            f"{entity_type} {entity_id} is at version {current_version}, not {expected_version}",
            entity_type=entity_type,
            entity_id=entity_id,
            expected_version=expected_version,
            current_version=current_version,
        )
        self.current_version = current_version


class Duplicate(DomainError):
    status, code, title = 409, "DUPLICATE", "Duplicate"


class Cycle(DomainError):
    status, code, title = 409, "CYCLE", "Hierarchy would contain a cycle"


class InUse(DomainError):
    status, code, title = 409, "IN_USE", "In use"


class PayloadTooLarge(DomainError):
    status, code, title = 413, "PAYLOAD_TOO_LARGE", "Payload too large"


class Throttled(DomainError):
    """Too many requests or failed sign-ins; `retry_after` seconds until the next may pass."""

    status, code, title = 429, "THROTTLED", "Too many requests"

    def __init__(self, detail: str = "", *, retry_after: int):
        super().__init__(detail or f"Too many requests; retry in {retry_after} s", retry_after=retry_after)
        self.retry_after = retry_after

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import secrets

from django.db import transaction
from django.db.models import OuterRef
from django.utils import timezone

from assets.access import throttle
from assets.access.permissions import attach_snapshot, limit_to_organizations, snapshot_columns
from assets.core.db import CompiledQuery
from assets.core.db.compiled import objects_together
from assets.core.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from assets.core.inputs import is_id, require_user
from assets.models import ApiToken

TOKEN_PREFIX = "art_"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_organization_ids(user, organization_ids) -> list[int]:
    from assets.services.organizations import visible_organizations

    if organization_ids is None:
        return []
    if not isinstance(organization_ids, list | tuple) or not all(
        is_id(v) and not isinstance(v, bool) for v in organization_ids
    ):
        raise ValidationFailed.field("organization_ids", "must be a list of organization ids")
    wanted = sorted(set(organization_ids))
    found = set(visible_organizations(user).filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [v for v in wanted if v not in found]
    if missing:
        # The same answer for a missing and an invisible organization.
        raise ValidationFailed.field("organization_ids", f"organization {missing[0]} does not exist")
    return wanted


def _clean_allowed_ips(allowed_ips) -> list[str]:
    if allowed_ips is None:
        return []
    if not isinstance(allowed_ips, list | tuple) or len(allowed_ips) > 100:
        raise ValidationFailed.field("allowed_ips", "must be a list of at most 100 address ranges (CIDR)")
    networks = []
    for value in allowed_ips:
        try:
            if not isinstance(value, str) or len(value) > 64:
                raise ValueError
            networks.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise ValidationFailed.field("allowed_ips", f"{str(value)[:64]!r} is not an address range such as 10.0.0.0/8")
    return sorted(set(networks))


def issue_token(
    user, *, name: str = "", expires_at=None, read_only: bool = False, organization_ids=None, allowed_ips=None
) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is never stored and shown only now. A token
    may be read-only, limited to some of the organizations its user may see (`organization_ids`)
    and to client address ranges (`allowed_ips`)."""
    require_user(user)
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            expires_at = timezone.make_aware(expires_at, dt.UTC)
        if expires_at <= timezone.now():
            raise ValidationFailed.field("expires_at", "must be in the future")
    if not isinstance(name, str) or len(name) > 100:
        raise ValidationFailed.field("name", "must be a string of at most 100 characters")
    if not isinstance(read_only, bool):
        raise ValidationFailed.field("read_only", "must be true or false")
    organization_ids = _clean_organization_ids(user, organization_ids)
    allowed_ips = _clean_allowed_ips(allowed_ips)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:12], digest=digest(raw), expires_at=expires_at, read_only=read_only,
        organization_ids=organization_ids, allowed_ips=allowed_ips,
    )
    return token, raw


def issue_token_for_credentials(request, *, username, password, **options) -> tuple[ApiToken, str]:
    """Sign-in for a token: failed attempts are throttled per account and per client address
    (assets.access.throttle), and a locked account is refused even with the right password."""
    if not isinstance(username, str) or not isinstance(password, str):
        raise ValidationFailed("username and password are required")
    user = throttle.sign_in(request, username, password)
    if user is None:
        raise Unauthenticated("wrong username or password")
    return issue_token(user, **options)


# Every API request starts here: the token, its user and the user's permission snapshot come in
# one query, whose SQL is compiled once (assets.core.db.compiled).
_TOKEN_BY_DIGEST = CompiledQuery(
    lambda digest: ApiToken.objects.select_related("user").filter(digest=digest)
    .annotate(**snapshot_columns(OuterRef("user_id"))).order_by()[:1],
    digest=str,
)


def token_read(raw: str) -> tuple:
    """The token's read as (CompiledQuery, values), for objects_together: the token, its user and
    the user's permission snapshot."""
    return _TOKEN_BY_DIGEST, {"digest": digest(raw)}


def _address_allowed(token: ApiToken, address: str) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(network) for network in token.allowed_ips)


def user_for_token(raw: str, request=None, along=None):
    """The user a bearer token stands for, or None. With the request: a token limited to address
    ranges refuses other clients, a read-only token refuses writes (both 403). An organization-
    scoped token gives the user the token's scope, which the permission snapshot intersects with
    every grant (assets.access.permissions).

    `along` = (CompiledQuery, values): a read the request will make anyway, run in the token's own
    statement (one round trip instead of two); its objects land on `request.read_along`. The
    token and its grants are still read on every request, so a revocation takes effect at once."""
    if not raw or len(raw) > 200:
        return None
    if along is not None and request is not None:
        found, request.read_along = objects_together(token_read(raw), along)
    else:
        found = _TOKEN_BY_DIGEST.objects(digest=digest(raw))
    token = found[0] if found else None
    if token is None or not token.is_active or not token.user.is_active:
        return None
    if request is not None:
        if token.allowed_ips and not _address_allowed(token, throttle.client_address(request)):
            raise Forbidden("this token is not accepted from your address")
        if token.read_only and request.method not in SAFE_METHODS:
            raise Forbidden("this token is read-only")
    user = token.user
    user._api_token = token  # what GET /me tells about the request
    if token.organization_ids:
        limit_to_organizations(user, token.organization_ids)
    attach_snapshot(user, token)
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


def list_tokens(user, user_id: int | None = None):
    """The caller's tokens; a superuser may ask for another user's (`user_id`)."""
    require_user(user)
    if user_id is not None and user_id != user.pk:
        if not user.is_superuser:
            raise Forbidden("only superusers list other users' tokens")
        return ApiToken.objects.filter(user_id=user_id)
    return ApiToken.objects.filter(user=user)


@transaction.atomic
def revoke_token(user, token_id: int) -> None:
    """Revokes one of the caller's tokens; superusers may revoke anyone's."""
    require_user(user)
    tokens = ApiToken.objects.all() if user.is_superuser else ApiToken.objects.filter(user=user)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise NotFound(f"token {token_id} does not exist")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])

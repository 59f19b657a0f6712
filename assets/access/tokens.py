from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import OuterRef
from django.utils import timezone

from assets.access.permissions import attach_snapshot, snapshot_columns
from assets.core.db.compiled import CompiledQuery
from assets.core.errors import NotFound, Unauthenticated, ValidationFailed
from assets.core.inputs import require_user
from assets.models import ApiToken

TOKEN_PREFIX = "art_"
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user, *, name: str = "", expires_at=None) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is never stored and shown only now."""
    require_user(user)
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            expires_at = timezone.make_aware(expires_at, dt.UTC)
        if expires_at <= timezone.now():
            raise ValidationFailed.field("expires_at", "must be in the future")
    if not isinstance(name, str) or len(name) > 100:
        raise ValidationFailed.field("name", "must be a string of at most 100 characters")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12], digest=digest(raw), expires_at=expires_at)
    return token, raw


def issue_token_for_credentials(request, *, username, password, expires_at=None, name="") -> tuple[ApiToken, str]:
    if not isinstance(username, str) or not isinstance(password, str):
        raise ValidationFailed("username and password are required")
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise Unauthenticated("wrong username or password")
    return issue_token(user, name=name, expires_at=expires_at)


# Every API request starts here: the token, its user and the user's permission snapshot come in
# one query, whose SQL is compiled once (assets.core.db.compiled).
_TOKEN_BY_DIGEST = CompiledQuery(
    lambda digest: ApiToken.objects.select_related("user").filter(digest=digest)
    .annotate(**snapshot_columns(OuterRef("user_id"))).order_by()[:1],
    digest=str,
)


def user_for_token(raw: str):
    if not raw or len(raw) > 200:
        return None
    found = _TOKEN_BY_DIGEST.objects(digest=digest(raw))
    token = found[0] if found else None
    if token is None or not token.is_active or not token.user.is_active:
        return None
    attach_snapshot(token.user, token)
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def list_tokens(user):
    require_user(user)
    return ApiToken.objects.filter(user=user)


@transaction.atomic
def revoke_token(user, token_id: int) -> None:
    require_user(user)
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound(f"token {token_id} does not exist")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])

"""API tokens: issued for credentials, listed and revoked by their owner."""

from __future__ import annotations

from ninja import Router, Status

from assets import serializers
from assets.access import tokens
from assets.core.api import ERRORS, id_filter, only_params, page_body
from assets.core.pagination import SortKey, paginate
from assets.schemas import Problem, TokenCreate, TokenCreated, TokenPage

auth_router = Router(tags=["auth"])


@auth_router.post("/tokens", auth=None, response={201: TokenCreated, **ERRORS, 429: Problem})
def create_token(request, payload: TokenCreate):
    token, raw = tokens.issue_token_for_credentials(
        request, username=payload.username, password=payload.password, expires_at=payload.expires_at,
        name=payload.name, read_only=payload.read_only, organization_ids=payload.organization_ids,
        allowed_ips=payload.allowed_ips,
    )
    return Status(201, {**serializers.token_data(token), "token": raw})


@auth_router.get("/tokens", response={200: TokenPage, **ERRORS}, exclude_unset=True)
def list_tokens(request, user_id: int | None = None, limit: int | None = None, cursor: str | None = None,
                count: bool = False):
    """The caller's own tokens, newest first (never the token itself: only its prefix);
    superusers may list another user's (`user_id`)."""
    only_params(request, "user_id")
    page = paginate(tokens.list_tokens(request.auth, id_filter(user_id, "user_id")),
                    [SortKey("created_at", descending=True)], limit=limit, cursor=cursor, with_count=count)
    return page_body(page, serializers.token_data)


@auth_router.delete("/tokens/{token_id}", response={204: None, **ERRORS})
def revoke_token(request, token_id: int):
    tokens.revoke_token(request.auth, token_id)
    return Status(204, None)

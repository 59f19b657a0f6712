"""What resolvers share for one request: the authenticated user and the page batches."""

from __future__ import annotations

from collections.abc import Callable

from .relay import Batch


def user_of(info):
    """The user the view authenticated (bearer token or session); resolvers never see anyone else."""
    return info.context.request.graphql_user


def batch(info, name: str, load: Callable[[set], dict]) -> Batch:
    """One Batch per kind of row per request, shared by every node of every page it serves."""
    request = info.context.request
    batches = request.__dict__.setdefault("graphql_batches", {})
    if name not in batches:
        batches[name] = Batch(load)
    return batches[name]

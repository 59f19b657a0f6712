"""Request shapes of the asset file endpoints (responses reuse the asset schemas)."""

from __future__ import annotations

from assets.schemas import Strict


class RemoteFileIn(Strict):
    remote_url: str
    version: int | None = None

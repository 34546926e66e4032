"""Session signals: after a commit that revokes a session or changes what a user may see, every
server process closes that user's open sockets (see ``app.live.connections``)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Literal

from app import events

log = logging.getLogger(__name__)

SESSIONS_CHANNEL = "helpdesk:sessions"

Reason = Literal["revoked", "access"]
"""``revoked``: the token (or, without one, every token of the user but ``keep``) no longer
works. ``access``: role or departments changed; the sockets reconnect with the new access."""


@dataclass(frozen=True, slots=True)
class SessionSignal:
    user: int
    reason: Reason
    token: int | None = None
    keep: int | None = None

    def to_json(self) -> str:
        return json.dumps(
            {"user": self.user, "reason": self.reason, "token": self.token, "keep": self.keep}
        )

    def revokes(self, token_id: int | None) -> bool:
        """Whether a socket signed in with ``token_id`` must close."""
        if self.reason != "revoked":
            return False
        if self.token is not None:
            return token_id == self.token
        return self.keep is None or token_id != self.keep

    @classmethod
    def from_json(cls, raw: str) -> SessionSignal:
        data = json.loads(raw)
        reason = data["reason"]
        if reason not in ("revoked", "access"):
            raise ValueError(f"unknown session signal reason {reason!r}")
        token, keep = data.get("token"), data.get("keep")
        return cls(
            user=int(data["user"]),
            reason=reason,
            token=None if token is None else int(token),
            keep=None if keep is None else int(keep),
        )


async def publish_session_change(
    *, user_id: int, reason: Reason, token_id: int | None = None, keep_token_id: int | None = None
) -> None:
    """Publish after commit. A lost signal is covered by each process's periodic session check.
    ``keep_token_id``: with ``revoked`` and no ``token_id``, the one token that stays valid."""
    publisher = events.sinks.publisher
    if publisher is None:
        return
    signal = SessionSignal(user=user_id, reason=reason, token=token_id, keep=keep_token_id)
    try:
        await publisher.publish(SESSIONS_CHANNEL, signal.to_json())
    except Exception:
        log.exception("could not publish the session signal for user %s", user_id)

"""What get_access_token() returns. The token is left out of repr() and str(), so printing or
logging the object never shows it: only ``token.access_token`` (and ``authorization``) do.

A plain class rather than a dataclass: importing dataclasses (and typing) costs a one-shot
script more time than its whole request to the agent."""

from __future__ import annotations

import time
from datetime import datetime, timezone

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Tuple


class AccessToken:
    """``access_token``; ``token_type`` (``Bearer``, or the provider's type); ``expires_at``: when
    it expires on this machine's clock (from ``expires_in``, so a clock that differs from the
    agent's, as over ``ssh -R``, does not matter), None when the provider gave no lifetime;
    ``expires_in``: whole seconds left when the agent answered, or None; ``scopes``: the token's
    scopes (a narrowed token's when ``scopes`` was asked for). Read-only."""

    __slots__ = ("access_token", "token_type", "expires_at", "expires_in", "scopes")

    access_token: str
    token_type: str
    expires_at: Optional[datetime]
    expires_in: Optional[int]
    scopes: Tuple[str, ...]

    def __init__(
        self,
        access_token: str,
        token_type: str = "Bearer",
        expires_at: Optional[datetime] = None,
        expires_in: Optional[int] = None,
        scopes: Tuple[str, ...] = (),
    ) -> None:
        for name, value in (
            ("access_token", access_token),
            ("token_type", token_type),
            ("expires_at", expires_at),
            ("expires_in", expires_in),
            ("scopes", tuple(scopes)),
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("AccessToken is read-only")

    @property
    def authorization(self) -> str:
        """``<token_type> <token>``: the value of an Authorization header."""
        return f"{self.token_type} {self.access_token}"

    def _fields(self) -> Tuple[Any, ...]:
        return (self.access_token, self.token_type, self.expires_at, self.expires_in, self.scopes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccessToken) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"AccessToken(token_type={self.token_type!r}, expires_at={self.expires_at!r}, "
            f"expires_in={self.expires_in!r}, scopes={self.scopes!r})"
        )

    @classmethod
    def from_answer(cls, answer: Dict[str, Any], received_at: Optional[float] = None) -> AccessToken:
        received_at = time.time() if received_at is None else received_at
        expires_in = answer.get("expiresIn")
        if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)):
            expires_in = None
        else:
            expires_in = max(0, int(expires_in))
        token_type = answer.get("tokenType")
        scopes = answer.get("scopes")
        return cls(
            access_token=answer["accessToken"],
            token_type=token_type if isinstance(token_type, str) and token_type else "Bearer",
            expires_at=None if expires_in is None else datetime.fromtimestamp(received_at + expires_in, tz=timezone.utc),
            expires_in=expires_in,
            scopes=tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else (),
        )

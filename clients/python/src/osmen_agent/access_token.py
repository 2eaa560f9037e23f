"""What get_access_token() returns. The token is left out of repr() and str(), so printing or
logging the object never shows it: only ``token.access_token`` (and ``authorization``) do."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Optional, Tuple


@dataclass(frozen=True)
class AccessToken:
    access_token: str = field(repr=False)
    #: ``Bearer`` (written as such), or the provider's type.
    token_type: str
    #: When it expires on this machine's clock (from ``expires_in``, so a clock that differs from
    #: the agent's, as over ``ssh -R``, does not matter); None when the provider gave no lifetime.
    expires_at: Optional[datetime]
    #: Whole seconds the token had left when the agent answered; None when no lifetime was given.
    expires_in: Optional[int]
    #: The token's scopes (a narrowed token's when ``scopes`` was asked for).
    scopes: Tuple[str, ...]

    @property
    def authorization(self) -> str:
        """``<token_type> <token>``: the value of an Authorization header."""
        return f"{self.token_type} {self.access_token}"

    @classmethod
    def from_answer(cls, answer: Dict[str, Any], received_at: Optional[float] = None) -> "AccessToken":
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

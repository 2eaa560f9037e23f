"""Typed errors: the agent's error answers (the same ``code`` and ``exit_code`` as
``osmen-cred token``) and the client's own failures (no agent, unsafe socket, timeout). One class
per kind of remedy, chosen by the exit code."""

from __future__ import annotations

import re
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Type

CATEGORY_BY_EXIT = {
    2: "not_found",
    3: "reauth",
    64: "usage",
    65: "data",
    70: "internal",
    74: "io",
    75: "transient",
    77: "permission",
    78: "configuration",
}

_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
# Text from the agent is shown to people: one line, no terminal control sequences, bounded.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_MAX_MESSAGE = 1000


def _one_line(text: Any) -> str:
    s = _CONTROL.sub(" ", text).strip() if isinstance(text, str) else ""
    return s[:_MAX_MESSAGE] + "…" if len(s) > _MAX_MESSAGE else s


class AgentError(Exception):
    """Every error this package raises (wrong arguments raise TypeError or ValueError instead).

    ``code``: the agent's (``ACCOUNT_NOT_FOUND``, ``needs_reauth``, …) or the client's
    (``AGENT_UNAVAILABLE``, ``AGENT_SOCKET_UNSAFE``, ``AGENT_TIMEOUT``, ``AGENT_GONE``,
    ``AGENT_PROTOCOL``, ``CLIENT_CLOSED``); ``exit_code``: what ``osmen-cred token`` exits with;
    ``retry_after``: seconds to wait before asking again, or None."""

    def __init__(self, code: str, message: str, exit_code: int = 70, retry_after: Optional[float] = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.exit_code = exit_code
        self.retry_after = retry_after

    @property
    def category(self) -> str:
        return CATEGORY_BY_EXIT.get(self.exit_code, "internal")

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, exit_code={self.exit_code}, message={self.message!r})"

    def __reduce__(self):  # picklable (multiprocessing, concurrent.futures) with its fields
        return (type(self), (self.code, self.message, self.exit_code, self.retry_after))


class NotFoundError(AgentError):
    """Exit 2: no such account (connect it in the app)."""


class NeedsReauthError(AgentError):
    """Exit 3: the grant was revoked or expired; only signing in again helps. Do not retry."""


class UsageError(AgentError):
    """Exit 64: a malformed request (``bad_request``, ``INVALID_SCOPES``)."""


class TemporaryError(AgentError):
    """Exit 75: temporary; retry after ``retry_after`` seconds or with backoff."""


class AgentUnavailableError(TemporaryError):
    """No agent answers at the socket (``AGENT_UNAVAILABLE``)."""


class NotPermittedError(AgentError):
    """Exit 77: the agent refuses this program (``consent_required``, ``forbidden``)."""


class ConfigurationError(AgentError):
    """Exit 78: configuration, including ``AGENT_SOCKET_UNSAFE``."""


_CLASS_BY_EXIT: Dict[int, Type[AgentError]] = {
    2: NotFoundError,
    3: NeedsReauthError,
    64: UsageError,
    75: TemporaryError,
    77: NotPermittedError,
    78: ConfigurationError,
}


def error_from_wire(wire: Any) -> AgentError:
    """The typed error for an agent's ``{"code", "message", "retryAfter", "exitCode"}``."""
    w = wire if isinstance(wire, dict) else {}
    code = w.get("code")
    code = code if isinstance(code, str) and _CODE.match(code) else "INTERNAL"
    exit_code = w.get("exitCode")
    if not (isinstance(exit_code, int) and not isinstance(exit_code, bool) and 0 < exit_code < 256):
        exit_code = 70
    retry_after = w.get("retryAfter")
    if not (isinstance(retry_after, (int, float)) and not isinstance(retry_after, bool) and retry_after >= 0):
        retry_after = None
    cls = _CLASS_BY_EXIT.get(exit_code, AgentError)
    return cls(code, _one_line(w.get("message")) or f"the agent answered {code}", exit_code, retry_after)

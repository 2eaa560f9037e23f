"""Access tokens from the OsMEN Credential Manager's token agent.

    from osmen_agent import get_access_token
    token = get_access_token("google", "me@example.com", min_ttl=60)
    headers = {"Authorization": token.authorization}

One persistent, thread-safe connection per process (``AgentClient``), requests pipelined, the
agent's errors as typed exceptions with the same codes and exit codes as ``osmen-cred token``.
Standard library only."""

from .access_token import AccessToken
from .client import DEFAULT_TIMEOUT, AgentClient, default_client, get_access_token
from .errors import (
    AgentError,
    AgentUnavailableError,
    ConfigurationError,
    NeedsReauthError,
    NotFoundError,
    NotPermittedError,
    TemporaryError,
    UsageError,
    error_from_wire,
)
from .socket_check import check_agent_socket
from .socket_path import agent_socket_path

__all__ = [
    "DEFAULT_TIMEOUT",
    "AccessToken",
    "AgentClient",
    "AgentError",
    "AgentUnavailableError",
    "ConfigurationError",
    "NeedsReauthError",
    "NotFoundError",
    "NotPermittedError",
    "TemporaryError",
    "UsageError",
    "agent_socket_path",
    "check_agent_socket",
    "default_client",
    "error_from_wire",
    "get_access_token",
]
__version__ = "0.1.0"

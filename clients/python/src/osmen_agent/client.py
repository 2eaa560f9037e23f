"""AgentClient: one persistent connection to the token agent, shared by every thread.

- Requests are pipelined: each is written at once and answered in order (connection.py).
- The connection is opened on first use, after the socket check, and again after it is lost.
- A request written on a connection that is lost before its answer (the agent restarted or was
  killed, or another request on it timed out) is sent once more on a new connection; lost a
  second time it fails with ``AGENT_GONE``. Asking twice is safe: a token request only reads or
  refreshes, and an agent finishes (and saves) a refresh even when its asker went away.
- Each request has a deadline (``timeout`` seconds, connecting included); when it passes, the
  request fails with ``AGENT_TIMEOUT`` and its connection is closed, because every answer after it
  on that connection would wait behind it.
- After ``os.fork()`` the child opens a connection of its own (the parent's stays the parent's).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import socket
import sys
import threading
import time
import weakref
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional, Sequence

from .access_token import AccessToken
from .connection import Call, Connection
from .errors import AgentError, AgentUnavailableError, TemporaryError, error_from_wire
from .socket_check import check_agent_socket
from .socket_path import agent_socket_path

#: Seconds: long enough for a refresh at a slow provider behind another process's lease, or a
#: person's consent click.
DEFAULT_TIMEOUT = 130.0
_ATTEMPTS = 2
#: Requests in flight per connection. The agent stops reading a connection with 256 unanswered
#: requests; staying below keeps a writer from ever blocking on a full socket.
MAX_IN_FLIGHT = 128
_PRINTABLE = re.compile(r"^[\x20-\x7e]{1,64}$")

_clients: "weakref.WeakSet[AgentClient]" = weakref.WeakSet()


def _default_client_name() -> str:
    script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] not in ("", "-c", "-m") else ""
    name = re.sub(r"[^\x20-\x7e]", "", script)[:64]
    return name or "python"


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number of seconds")
    return float(value)


def _closed_error() -> AgentError:
    return AgentError("CLIENT_CLOSED", "This AgentClient was closed.", 64)


class AgentClient:
    """One persistent, thread-safe connection to the token agent.

    ``socket_path``: default ``$OSMEN_AGENT_SOCK``, else ``<OSMEN_HOME or ~/.osmen>/agent.sock``.
    ``key``: sent as ``"key"`` with every request; default ``$OSMEN_AGENT_KEY``.
    ``client_name``: the program's name for the agent's hand-off counts; default the script's name.
    ``timeout``: default deadline per request, in seconds.
    """

    def __init__(
        self,
        socket_path: Optional[str] = None,
        *,
        key: Optional[str] = None,
        client_name: Optional[str] = None,
        timeout: float = DEFAULT_TIMEOUT,
        env: Optional[Mapping[str, str]] = None,
    ) -> None:
        env = os.environ if env is None else env
        self.socket_path = socket_path or agent_socket_path(env)
        key = key if key is not None else (env.get("OSMEN_AGENT_KEY") or None)
        if key is not None and not isinstance(key, str):
            raise TypeError("key must be a str")
        self._key = key
        name = client_name if client_name is not None else _default_client_name()
        if not isinstance(name, str) or not _PRINTABLE.match(name):
            raise ValueError("client_name must be 1-64 printable ASCII characters")
        self.client_name = name
        self.timeout = _positive(timeout, "timeout")
        self._ids = itertools.count(1)
        self._closed = False
        self._setup()
        _clients.add(self)

    def _setup(self) -> None:
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_IN_FLIGHT)
        self._conn: Optional[Connection] = None

    # -- the API ------------------------------------------------------------------------------

    def get_access_token(
        self,
        provider: str,
        user: str,
        min_ttl: Optional[float] = None,
        scopes: Optional[Sequence[str]] = None,
        *,
        timeout: Optional[float] = None,
    ) -> AccessToken:
        """A valid access token for the account, refreshed first when it would expire within
        ``min_ttl`` seconds; narrowed to ``scopes`` (a subset of the account's) when given."""
        for value, name in ((provider, "provider"), (user, "user")):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str")
            if not value:
                raise ValueError(f"{name} must not be empty")
        body: Dict[str, Any] = {"method": "token", "provider": provider, "user": user}
        if min_ttl is not None:
            if isinstance(min_ttl, bool) or not isinstance(min_ttl, (int, float)) or not min_ttl >= 0:
                raise ValueError("min_ttl must be a number of seconds, 0 or more")
            body["minTtl"] = min_ttl
        if scopes is not None:
            if isinstance(scopes, (str, bytes)) or not all(isinstance(s, str) for s in scopes):
                raise TypeError("scopes must be a list of str (not one space-separated string)")
            body["scopes"] = list(scopes)
        answer = self._request(body, timeout)
        if not isinstance(answer.get("accessToken"), str) or not answer["accessToken"]:
            raise AgentError("AGENT_PROTOCOL", "The agent answered without an access token.", 75)
        return AccessToken.from_answer(answer)

    def list_accounts(self, *, timeout: Optional[float] = None) -> List[Dict[str, Any]]:
        """The accounts, as ``osmen-cred list --json`` gives them (no secrets)."""
        accounts = self._request({"method": "list"}, timeout).get("accounts")
        return accounts if isinstance(accounts, list) else []

    def status(self, *, timeout: Optional[float] = None) -> Dict[str, Any]:
        """``{"usable": bool, "accounts": [...]}`` as ``osmen-cred status --json`` gives them."""
        answer = self._request({"method": "status"}, timeout)
        accounts = answer.get("accounts")
        return {"usable": answer.get("usable") is True, "accounts": accounts if isinstance(accounts, list) else []}

    def ping(self, *, timeout: Optional[float] = None) -> Dict[str, Any]:
        answer = self._request({"method": "ping"}, timeout)
        return {"agent": answer.get("agent"), "protocol": answer.get("protocol")}

    def close(self) -> None:
        """Closes the connection; waiting and later requests fail with ``CLIENT_CLOSED``."""
        with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.kill()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "AgentClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # A client dropped without close(): end its connection so its reader thread ends too.
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.kill()

    def __repr__(self) -> str:  # the key is sent to the agent, never shown
        return f"AgentClient({self.socket_path!r}{', with client key' if self._key else ''})"

    # -- requests -----------------------------------------------------------------------------

    def _request(self, body: Dict[str, Any], timeout: Optional[float]) -> Dict[str, Any]:
        seconds = self.timeout if timeout is None else _positive(timeout, "timeout")
        deadline = time.monotonic() + seconds
        if self._closed:
            raise _closed_error()
        if not self._slots.acquire(timeout=seconds):
            raise self._timeout_error(seconds)
        try:
            answer = self._exchange(body, deadline, seconds)
        finally:
            self._slots.release()
        if answer.get("ok") is True:
            return answer
        raise error_from_wire(answer.get("error"))

    def _exchange(self, body: Dict[str, Any], deadline: float, seconds: float) -> Dict[str, Any]:
        call = Call()
        for attempt in range(1, _ATTEMPTS + 1):
            conn = self._connection(deadline, seconds)
            request_id = next(self._ids)
            request = {"id": request_id, **body, "client": self.client_name}
            if self._key is not None:
                request["key"] = self._key
            call.reset()
            line = json.dumps(request, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"
            if conn.send(request_id, call, line):
                if not call.event.wait(max(0.0, deadline - time.monotonic())):
                    # Everything behind this request on the connection would wait for it: close it.
                    conn.kill()
                    if call.answer is None:
                        raise self._timeout_error(seconds)
                if call.protocol is not None:
                    raise call.protocol
                if call.answer is not None:
                    return call.answer
            if self._closed:
                raise _closed_error()
        raise TemporaryError("AGENT_GONE", f"The agent at {self.socket_path} closed the connection before answering, twice.", 75)

    def _connection(self, deadline: float, seconds: float) -> Connection:
        with self._lock:
            if self._closed:
                raise _closed_error()
            if self._conn is not None and not self._conn.lost:
                return self._conn
            path = self.socket_path
            if check_agent_socket(path) == "missing":
                raise self._no_agent("ENOENT")
            if sys.platform == "win32" or not hasattr(socket, "AF_UNIX"):
                raise AgentError("UNSUPPORTED_PLATFORM", "The Python client speaks to the agent over a Unix socket; Windows named pipes are not supported yet.", 78)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(max(0.001, deadline - time.monotonic()))
                sock.connect(path)
                sock.settimeout(None)
            except socket.timeout:
                sock.close()
                raise self._timeout_error(seconds) from None
            except OSError as err:
                sock.close()
                raise self._no_agent(_errno_name(err)) from None
            self._conn = Connection(sock)
            return self._conn

    def _no_agent(self, why: str) -> AgentUnavailableError:
        return AgentUnavailableError(
            "AGENT_UNAVAILABLE",
            f"No agent answers at {self.socket_path} ({why}). Start the desktop app or `osmen-cred agent`.",
            75,
        )

    def _timeout_error(self, seconds: float) -> TemporaryError:
        return TemporaryError("AGENT_TIMEOUT", f"The agent at {self.socket_path} did not answer within {seconds:g} s.", 75)

    def _after_fork_in_child(self) -> None:
        # The inherited connection belongs to the parent: never write to it or shut it down here.
        self._setup()


def _errno_name(err: OSError) -> str:
    import errno

    return errno.errorcode.get(err.errno or 0, type(err).__name__)


def _reset_after_fork() -> None:
    global _default_lock
    _default_lock = threading.Lock()
    for client in list(_clients):
        client._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


_default: Optional[AgentClient] = None
_default_lock = threading.Lock()


def default_client() -> AgentClient:
    """The client get_access_token() uses: made on first use from the environment
    (``OSMEN_AGENT_SOCK``, ``OSMEN_HOME``, ``OSMEN_AGENT_KEY``), one connection per process."""
    global _default
    with _default_lock:
        if _default is None or _default.closed:
            _default = AgentClient()
        return _default


def get_access_token(
    provider: str,
    user: str,
    min_ttl: Optional[float] = None,
    scopes: Optional[Sequence[str]] = None,
    *,
    timeout: Optional[float] = None,
) -> AccessToken:
    """A valid access token from the agent, over the process's one shared connection."""
    return default_client().get_access_token(provider, user, min_ttl, scopes, timeout=timeout)

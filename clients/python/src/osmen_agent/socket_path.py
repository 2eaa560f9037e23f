"""Where the agent listens: what ``osmen-cred agent`` and the desktop app use by default, unless
``OSMEN_AGENT_SOCK`` names another socket."""

from __future__ import annotations

import ntpath
import os
import posixpath
import sys
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping, Optional


def agent_socket_path(env: Optional[Mapping[str, str]] = None, platform: Optional[str] = None) -> str:
    """``$OSMEN_AGENT_SOCK``, else ``<OSMEN_HOME or ~/.osmen>/agent.sock``; on Windows the named
    pipe named after that path (``\\\\.\\pipe\\C:/Users/me/.osmen/agent.sock``)."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    explicit = (env.get("OSMEN_AGENT_SOCK") or "").strip()
    if explicit:
        return explicit
    windows = platform == "win32"
    path = ntpath if windows else posixpath
    home = (env.get("OSMEN_HOME") or "").strip() or path.join(os.path.expanduser("~"), ".osmen")
    sock = path.join(home, "agent.sock")
    return "\\\\.\\pipe\\" + sock.replace("\\", "/") if windows else sock

"""The check before connecting (the same rules as ``osmen-cred``): a socket another user could
have put there, or could replace, would hand this program that user's tokens and get our client
key. So it must be our own socket, private, in a folder nobody else can write."""

from __future__ import annotations

import os
import stat
import sys

from .errors import ConfigurationError


def _unsafe(path: str, what: str) -> ConfigurationError:
    return ConfigurationError("AGENT_SOCKET_UNSAFE", f"Refusing the agent socket {path}: {what}. Nothing was sent.", 78)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    return "not a socket"


def _octal(mode: int) -> str:
    return "0" + format(mode & 0o7777, "o").rjust(3, "0")


def check_agent_socket(path: str) -> str:
    """``lstat`` the socket and its folder. Returns ``"missing"`` when nothing is at ``path`` (no
    agent), ``"ok"`` when it may be used; raises ConfigurationError ``AGENT_SOCKET_UNSAFE`` (exit
    78) naming what is wrong otherwise. Windows named pipes are not files: ``"ok"``."""
    if sys.platform == "win32" or not hasattr(os, "geteuid"):
        return "ok"
    uid = os.geteuid()
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError as err:
        raise _unsafe(path, f"it cannot be examined ({type(err).__name__})") from None
    if not stat.S_ISSOCK(st.st_mode):
        raise _unsafe(path, f"it is {_kind(st.st_mode)}")
    if st.st_uid != uid:
        raise _unsafe(path, f"it is owned by uid {st.st_uid}, not by you (uid {uid})")
    if st.st_mode & 0o077:
        raise _unsafe(path, f"its mode is {_octal(st.st_mode)}: group or others may use it (it must be 0600)")
    folder = os.path.dirname(os.path.abspath(path))
    dst = os.lstat(folder)
    if not stat.S_ISDIR(dst.st_mode):
        raise _unsafe(path, f"its folder {folder} is {_kind(dst.st_mode)}")
    if dst.st_uid not in (uid, 0):
        raise _unsafe(path, f"its folder {folder} is owned by uid {dst.st_uid}, not by you (uid {uid}) or root")
    if dst.st_mode & 0o022:
        raise _unsafe(path, f"its folder {folder} (mode {_octal(dst.st_mode)}) is writable by group or others")
    return "ok"

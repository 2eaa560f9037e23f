"""One socket to the agent. Requests are written as they come (pipelined); the agent answers in
request order, so each answer line belongs to the oldest request still waiting. A reader thread
reads the answers and wakes the threads waiting for them."""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Deque, Dict, Optional, Tuple

from .errors import AgentError

#: An answer longer than this (a ``list`` of very many accounts is far below) means a runaway peer.
MAX_ANSWER_BYTES = 64 * 1024 * 1024


class Call:
    """One request's answer slot: ``answer`` when it came, ``lost`` when its connection ended first."""

    __slots__ = ("event", "answer", "lost", "protocol")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.answer: Optional[Dict[str, Any]] = None
        self.lost = False
        self.protocol: Optional[AgentError] = None

    def reset(self) -> None:
        self.event.clear()
        self.answer = None
        self.lost = False


def _protocol(message: str) -> AgentError:
    return AgentError("AGENT_PROTOCOL", message, 75)


class Connection:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        # Appending to the queue and writing happen together under _write_lock, so the queue's order
        # is the order on the wire; the reader takes only _queue_lock, never waiting for a writer.
        self._write_lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: Deque[Tuple[int, Call]] = deque()
        self.lost = False
        self._reader = threading.Thread(target=self._read_loop, name="osmen-agent-reader", daemon=True)
        self._reader.start()

    def send(self, request_id: int, call: Call, line: bytes) -> bool:
        """Writes one request line; False when the connection is already lost (nothing written)."""
        with self._write_lock:
            with self._queue_lock:
                if self.lost:
                    return False
                self._queue.append((request_id, call))
            try:
                self._sock.sendall(line)
            except OSError:
                self.kill()  # the reader wakes every waiting request, this one included
        return True

    def kill(self) -> None:
        """Ends the connection; the reader then hands every waiting request back as lost."""
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _read_loop(self) -> None:
        protocol: Optional[AgentError] = None
        partial = bytearray()
        try:
            while protocol is None:
                chunk = self._sock.recv(65536)
                if not chunk:
                    break
                start = 0
                while protocol is None:
                    nl = chunk.find(b"\n", start)
                    if nl < 0:
                        partial += chunk[start:]
                        if len(partial) > MAX_ANSWER_BYTES:
                            protocol = _protocol("The agent sent an answer that is too long.")
                        break
                    if partial:
                        partial += chunk[start:nl]
                        line = bytes(partial)
                        partial.clear()
                    else:
                        line = chunk[start:nl]
                    start = nl + 1
                    protocol = self._answer(line)
        except OSError:
            pass
        finally:
            self.kill()
            with self._queue_lock:
                self.lost = True
                waiting = list(self._queue)
                self._queue.clear()
            with self._write_lock:  # no writer is inside sendall on this descriptor any more
                self._sock.close()
            for _, call in waiting:
                call.lost = True
                call.protocol = protocol
                call.event.set()

    def _answer(self, line: bytes) -> Optional[AgentError]:
        try:
            answer = json.loads(line.decode("utf-8"))
        except ValueError:
            return _protocol("The agent sent a line that is not JSON.")
        with self._queue_lock:
            if not self._queue:
                return None  # a line nobody waits for (an agent's notice before it closes an idle connection)
            if not isinstance(answer, dict):
                return _protocol("The agent sent an answer that is not a JSON object.")
            head_id, call = self._queue[0]
            aid = answer.get("id")
            same = isinstance(aid, int) and not isinstance(aid, bool) and aid == head_id
            # Answers come in request order. An error the agent could not tie to a request has id null.
            if not same and not (aid is None and answer.get("ok") is False):
                return _protocol(f"The agent answered request {str(aid)[:40]!r} when {head_id} was next.")
            self._queue.popleft()
        call.answer = answer
        call.event.set()
        return None

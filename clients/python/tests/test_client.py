"""osmen_agent against scripted peers on real Unix sockets: what is sent on the wire, pipelining,
the retry of a lost request, timeouts, the typed errors, the socket check, fork safety.
The same library against a real agent is tested by the OsMEN checkout's npm test
(test/integration/clients/python-client.test.ts), which also runs this file.

    PYTHONPATH=clients/python/src python3 -m unittest discover -s clients/python/tests
"""

import json
import os
import pickle
import shutil
import socket
import tempfile
import threading
import unittest

import osmen_agent
from osmen_agent import (
    AgentClient,
    AgentError,
    AgentUnavailableError,
    ConfigurationError,
    NeedsReauthError,
    NotFoundError,
    NotPermittedError,
    TemporaryError,
    UsageError,
    agent_socket_path,
    check_agent_socket,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
OTHER_UID = 4242


def token_answer(request_id, token, **extra):
    answer = {"id": request_id, "ok": True, "accessToken": token, "tokenType": "Bearer", "expiresAt": None, "expiresIn": 3600, "scopes": ["openid"]}
    answer.update(extra)
    return (json.dumps(answer) + "\n").encode()


class Peer:
    """A scripted agent: records (connection index, request) and calls script(peer, conn, request, sock)."""

    def __init__(self, path, script):
        self.path = path
        self.script = script
        self.requests = []
        self.connections = 0
        self.lock = threading.Lock()
        old = os.umask(0o177)
        try:
            self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.server.bind(path)
        finally:
            os.umask(old)
        self.server.listen(16)
        self.socks = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                sock, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                conn = self.connections
                self.connections += 1
                self.socks.append(sock)
            threading.Thread(target=self._serve, args=(conn, sock), daemon=True).start()

    def _serve(self, conn, sock):
        buf = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    request = json.loads(line)
                    with self.lock:
                        self.requests.append((conn, request))
                    self.script(self, conn, request, sock)
        except OSError:
            return

    def close(self):
        self.server.close()
        for s in self.socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def answer_all(peer, conn, request, sock):
    sock.sendall(token_answer(request["id"], "tok-" + request.get("user", "")))


class PeerTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="osmen-py-")
        self.peers = []
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()
        for p in self.peers:
            p.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def peer(self, script=answer_all, name="agent.sock"):
        p = Peer(os.path.join(self.dir, name), script)
        self.peers.append(p)
        return p

    def client(self, path, **kw):
        kw.setdefault("env", {})
        c = AgentClient(path, **kw)
        self.clients.append(c)
        return c


class WireTest(PeerTest):
    def test_sends_the_request_fields_key_and_client_name(self):
        key = "osk_" + "B" * 43
        peer = self.peer(lambda p, conn, r, s: s.sendall(token_answer(r["id"], "wire", scopes=r.get("scopes", []))))
        c = self.client(None, env={"OSMEN_AGENT_SOCK": peer.path, "OSMEN_AGENT_KEY": key}, client_name="py-wire")
        self.assertEqual(c.socket_path, peer.path)
        t = c.get_access_token("google", "me@example.com", min_ttl=30, scopes=["openid", "email"])
        self.assertEqual(t.access_token, "wire")
        self.assertEqual(t.scopes, ("openid", "email"))
        c.ping()
        self.assertEqual(
            [r for _, r in peer.requests],
            [
                {"id": 1, "method": "token", "provider": "google", "user": "me@example.com", "minTtl": 30, "scopes": ["openid", "email"], "client": "py-wire", "key": key},
                {"id": 2, "method": "ping", "client": "py-wire", "key": key},
            ],
        )
        self.assertNotIn(key, repr(c))
        self.client(peer.path).ping()
        self.assertNotIn("key", peer.requests[-1][1])

    def test_the_token_is_never_in_repr_or_str(self):
        peer = self.peer(lambda p, conn, r, s: s.sendall(token_answer(r["id"], "SECRET-TOKEN-VALUE")))
        t = self.client(peer.path).get_access_token("p", "u")
        self.assertEqual(t.authorization, "Bearer SECRET-TOKEN-VALUE")
        for shown in (repr(t), str(t), "%s" % (t,), repr([t])):
            self.assertNotIn("SECRET-TOKEN-VALUE", shown)
        self.assertEqual(t.expires_in, 3600)
        self.assertIsNotNone(t.expires_at.tzinfo)

    def test_arguments_are_checked_before_anything_is_sent(self):
        peer = self.peer()
        c = self.client(peer.path)
        with self.assertRaises(TypeError):
            c.get_access_token("p", "u", scopes="openid email")
        with self.assertRaises(ValueError):
            c.get_access_token("", "u")
        with self.assertRaises(ValueError):
            c.get_access_token("p", "u", min_ttl=-1)
        self.assertEqual(peer.connections, 0)


class PipelineTest(PeerTest):
    def test_many_threads_share_one_connection_with_requests_in_flight_together(self):
        n = 40

        def script(p, conn, r, s):
            if len(p.requests) == n:  # answer only once all 40 are in flight, in order
                s.sendall(b"".join(token_answer(req["id"], "tok-" + req["user"]) for _, req in p.requests))

        peer = self.peer(script)
        c = self.client(peer.path)
        results = {}

        def ask(i):
            results[i] = c.get_access_token("p", "u%d" % i, timeout=20).access_token

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, {i: "tok-u%d" % i for i in range(n)})
        self.assertEqual(peer.connections, 1)


class LostConnectionTest(PeerTest):
    def test_a_lost_request_is_sent_once_more_on_a_new_connection(self):
        def script(p, conn, r, s):
            if conn == 0:
                s.shutdown(socket.SHUT_RDWR)  # read, then gone without answering
            else:
                answer_all(p, conn, r, s)

        peer = self.peer(script)
        self.assertEqual(self.client(peer.path).get_access_token("p", "u").access_token, "tok-u")
        self.assertEqual([conn for conn, _ in peer.requests], [0, 1])

    def test_lost_twice_fails_with_agent_gone(self):
        peer = self.peer(lambda p, conn, r, s: s.shutdown(socket.SHUT_RDWR))
        with self.assertRaises(TemporaryError) as caught:
            self.client(peer.path).get_access_token("p", "u")
        self.assertEqual((caught.exception.code, caught.exception.exit_code), ("AGENT_GONE", 75))
        self.assertEqual(peer.connections, 2)

    def test_a_timeout_closes_the_connection_and_the_requests_behind_it_go_again(self):
        stuck = set()

        def script(p, conn, r, s):
            if r["user"] == "slow":
                stuck.add(conn)
            if conn not in stuck:
                answer_all(p, conn, r, s)

        peer = self.peer(script)
        c = self.client(peer.path)
        errors, fast = [], []
        slow = threading.Thread(target=lambda: errors.append(_raises(lambda: c.get_access_token("p", "slow", timeout=0.3))))
        slow.start()
        while not peer.requests:
            threading.Event().wait(0.01)
        fast_thread = threading.Thread(target=lambda: fast.append(c.get_access_token("p", "fast", timeout=20)))
        fast_thread.start()
        slow.join()
        fast_thread.join()
        self.assertIsInstance(errors[0], TemporaryError)
        self.assertEqual(errors[0].code, "AGENT_TIMEOUT")
        self.assertEqual(fast[0].access_token, "tok-fast")
        self.assertEqual([(conn, r["user"]) for conn, r in peer.requests], [(0, "slow"), (0, "fast"), (1, "fast")])

    def test_a_garbled_answer_is_a_protocol_error_not_retried(self):
        peer = self.peer(lambda p, conn, r, s: s.sendall(b"not json\n"))
        with self.assertRaises(AgentError) as caught:
            self.client(peer.path).get_access_token("p", "u")
        self.assertEqual(caught.exception.code, "AGENT_PROTOCOL")
        self.assertEqual(peer.connections, 1)

    def test_no_agent_and_closed_client(self):
        c = self.client(os.path.join(self.dir, "nobody.sock"))
        with self.assertRaises(AgentUnavailableError) as caught:
            c.get_access_token("p", "u")
        self.assertEqual((caught.exception.code, caught.exception.exit_code), ("AGENT_UNAVAILABLE", 75))
        peer = self.peer()
        live = self.client(peer.path)
        live.ping()
        live.close()
        with self.assertRaises(AgentError) as caught:
            live.ping()
        self.assertEqual(caught.exception.code, "CLIENT_CLOSED")

    @unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
    def test_a_forked_child_opens_its_own_connection(self):
        peer = self.peer()
        c = self.client(peer.path)
        c.ping()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its own connection, the parent's left alone
            try:
                ok = c.get_access_token("p", "child", timeout=10).access_token == "tok-child"
                os.write(write, b"1" if ok else b"0")
            finally:
                os._exit(0)
        os.close(write)
        self.assertEqual(os.read(read, 1), b"1")
        os.waitpid(pid, 0)
        os.close(read)
        self.assertEqual(c.get_access_token("p", "parent").access_token, "tok-parent")
        self.assertEqual(sorted(conn for conn, r in peer.requests if r["method"] == "token"), [0, 1])
        self.assertEqual([conn for conn, r in peer.requests if r.get("user") == "parent"], [0])


def _raises(fn):
    try:
        fn()
    except Exception as err:  # noqa: BLE001 - handed to the test thread
        return err
    return None


class ErrorTest(PeerTest):
    def test_each_exit_code_is_a_typed_error(self):
        wire = {
            "missing": ("ACCOUNT_NOT_FOUND", 2, None, NotFoundError, "not_found"),
            "reauth": ("needs_reauth", 3, None, NeedsReauthError, "reauth"),
            "bad": ("bad_request", 64, None, UsageError, "usage"),
            "temp": ("temporarily_unavailable", 75, 7, TemporaryError, "transient"),
            "consent": ("consent_required", 77, None, NotPermittedError, "permission"),
            "forbidden": ("forbidden", 77, None, NotPermittedError, "permission"),
            "config": ("not_configured", 78, None, ConfigurationError, "configuration"),
            "data": ("DECRYPT_FAILED", 65, None, AgentError, "data"),
        }

        def script(p, conn, r, s):
            code, exit_code, retry_after, _, _ = wire[r["user"]]
            error = {"code": code, "exitCode": exit_code, "retryAfter": retry_after, "message": "said \x1b[31m" + r["user"] + "\n"}
            s.sendall((json.dumps({"id": r["id"], "ok": False, "error": error}) + "\n").encode())

        c = self.client(self.peer(script).path)
        for user, (code, exit_code, retry_after, cls, category) in wire.items():
            with self.assertRaises(AgentError) as caught:
                c.get_access_token("p", user)
            err = caught.exception
            self.assertIs(type(err), cls)
            self.assertEqual((err.code, err.exit_code, err.retry_after, err.category), (code, exit_code, retry_after, category))
            self.assertEqual(str(err), "said  [31m" + user)
            again = pickle.loads(pickle.dumps(err))
            self.assertEqual((type(again), again.code, again.exit_code, str(again)), (cls, code, exit_code, str(err)))


class SocketCheckTest(PeerTest):
    def private_peer(self, name):
        folder = os.path.join(self.dir, name)
        os.mkdir(folder, 0o700)
        p = Peer(os.path.join(folder, "agent.sock"), answer_all)
        self.peers.append(p)
        return p

    def refused(self, peer):
        with self.assertRaises(ConfigurationError) as caught:
            self.client(peer.path).get_access_token("p", "u")
        self.assertEqual((caught.exception.code, caught.exception.exit_code), ("AGENT_SOCKET_UNSAFE", 78))
        self.assertEqual(peer.connections, 0)
        return str(caught.exception)

    def test_a_private_socket_in_a_private_folder_is_used(self):
        peer = self.private_peer("good")
        self.assertEqual(self.client(peer.path).get_access_token("p", "u").access_token, "tok-u")
        self.assertEqual(check_agent_socket(os.path.join(self.dir, "none", "agent.sock")), "missing")

    def test_mode_0660_is_refused(self):
        peer = self.private_peer("mode")
        os.chmod(peer.path, 0o660)
        self.assertIn("its mode is 0660", self.refused(peer))

    def test_a_folder_others_can_write_is_refused(self):
        peer = self.private_peer("open")
        for mode in (0o777, 0o1777, 0o770):
            os.chmod(os.path.dirname(peer.path), mode)
            self.assertIn("open (mode 0%o) is writable by group or others" % mode, self.refused(peer))

    def test_not_a_socket_is_refused(self):
        path = os.path.join(self.dir, "file.sock")
        open(path, "w").close()
        with self.assertRaises(ConfigurationError) as caught:
            self.client(path).ping()
        self.assertIn("a regular file", str(caught.exception))

    @unittest.skipUnless(IS_ROOT, "needs root to chown to another uid")
    def test_another_owner_is_refused(self):
        peer = self.private_peer("theirs")
        os.chown(peer.path, OTHER_UID, OTHER_UID)
        self.assertIn("owned by uid %d, not by you (uid 0)" % OTHER_UID, self.refused(peer))
        os.chown(peer.path, 0, 0)
        os.chown(os.path.dirname(peer.path), OTHER_UID, OTHER_UID)
        self.assertIn("theirs is owned by uid %d" % OTHER_UID, self.refused(peer))


class SocketPathTest(unittest.TestCase):
    def test_defaults(self):
        self.assertEqual(agent_socket_path({"OSMEN_AGENT_SOCK": "/run/x.sock", "OSMEN_HOME": "/h"}), "/run/x.sock")
        self.assertEqual(agent_socket_path({"OSMEN_HOME": "/h"}, "linux"), "/h/agent.sock")
        self.assertEqual(agent_socket_path({"OSMEN_AGENT_SOCK": " ", "OSMEN_HOME": "/h"}, "linux"), "/h/agent.sock")
        self.assertEqual(agent_socket_path({}, "linux"), os.path.join(os.path.expanduser("~"), ".osmen", "agent.sock"))
        self.assertEqual(agent_socket_path({"OSMEN_HOME": "C:\\Users\\me\\.osmen"}, "win32"), "\\\\.\\pipe\\C:/Users/me/.osmen/agent.sock")

    def test_public_names(self):
        self.assertTrue(set(osmen_agent.__all__) <= set(dir(osmen_agent)))


if __name__ == "__main__":
    unittest.main()

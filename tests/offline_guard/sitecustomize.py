"""Loaded by Python at start-up when this folder is on PYTHONPATH (tests/test_offline.py).

Makes every attempt to use the network fail, and records it (one line, with a stack
summary) in the file named by $BWV_NET_LOG, so the test can assert that nothing tried.
Local AF_UNIX sockets (inter-process pipes) are allowed: they are not network.
"""
import os
import socket
import traceback

_LOG = os.environ.get("BWV_NET_LOG")


def _record(what, *args):
    where = " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno}"
                        for f in reversed(traceback.extract_stack()[:-2][-6:]))
    line = f"{what} {args!r} at {where}\n"
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(line)
    raise OSError(101, f"network disabled by the offline test: {what}")


def _is_local(sock):
    return getattr(socket, "AF_UNIX", None) is not None and sock.family == socket.AF_UNIX


_connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto


def connect(self, address):
    if _is_local(self):
        return _connect(self, address)
    _record("socket.connect", address)


def connect_ex(self, address):
    if _is_local(self):
        return _connect_ex(self, address)
    _record("socket.connect_ex", address)


def sendto(self, *args):
    if _is_local(self):
        return _sendto(self, *args)
    _record("socket.sendto", args[-1])


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.socket.sendto = sendto
for _name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex",
              "gethostbyaddr"):
    setattr(socket, _name, (lambda n: lambda *a, **k: _record(f"socket.{n}", *a))(_name))
os.environ["BWV_NET_GUARD_ACTIVE"] = "1"

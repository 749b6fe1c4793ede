"""A TCP proxy on loopback that misbehaves on purpose, for the sync fault tests and benchmark.

It forwards bytes unchanged (TLS stays end to end, so the device's certificate pin still holds)
and, per connection, can cut the link after N request bytes (a cut mid-batch), swallow the reply
(the acknowledgement lost), delay, and limit bandwidth with a one-way latency (a slow rural link).
"""

from __future__ import annotations

import contextlib
import queue
import random
import socket
import threading
import time
from dataclasses import dataclass


@dataclass
class Faults:
    cut_after: int | None = None  # close both sides after this many request bytes
    drop_reply: bool = False  # forward the request, then close before any reply byte
    delay: float = 0.0  # extra seconds before each chunk, each way


class FaultProxy:
    """``FaultProxy(target_port, policy).start()``; ``policy(n)`` gives connection n's faults."""

    def __init__(self, target_port: int, policy=None, *, bits_per_s: float | None = None,
                 latency: float = 0.0) -> None:  # fmt: skip
        self.target_port = target_port
        self.policy = policy or (lambda n: Faults())
        self.bits_per_s = bits_per_s
        self.latency = latency  # round trip; each direction gets half
        self.connections = 0
        self.cut = self.dropped = 0
        self.bytes_up = self.bytes_down = 0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []

    def start(self) -> FaultProxy:
        self._spawn(self._accept)
        return self

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        self._server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                n = self.connections
                self.connections += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:
                client.close()  # the hub is down: the device sees a refused/cut connection
                continue
            self._sockets += [client, upstream]
            faults = self.policy(n)
            self._spawn(self._pump, client, upstream, faults, True)
            self._spawn(self._pump, upstream, client, faults, False)

    def _pump(self, src: socket.socket, dst: socket.socket, faults: Faults, up: bool) -> None:
        """Copy src to dst through a delay line (latency + bandwidth), applying the faults."""
        line: queue.Queue = queue.Queue()
        done = threading.Event()

        def deliver() -> None:
            while True:
                item = line.get()
                if item is None:
                    break
                arrived, data = item
                wait = arrived + self.latency / 2 + faults.delay - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                try:
                    dst.sendall(data)
                except OSError:
                    break
                if self.bits_per_s:
                    time.sleep(len(data) * 8 / self.bits_per_s)
            done.set()

        self._spawn(deliver)
        sent = 0
        try:
            while not self._stop.is_set():
                data = src.recv(4096)
                if not data:
                    break
                if up:
                    if faults.cut_after is not None and sent + len(data) > faults.cut_after:
                        line.put((time.monotonic(), data[: faults.cut_after - sent]))
                        with self._lock:
                            self.cut += 1
                        break
                    with self._lock:
                        self.bytes_up += len(data)
                else:
                    if faults.drop_reply:
                        with self._lock:
                            self.dropped += 1
                        break
                    with self._lock:
                        self.bytes_down += len(data)
                sent += len(data)
                line.put((time.monotonic(), data))
        except OSError:
            pass
        line.put(None)
        done.wait(timeout=120)
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def stop(self) -> None:
        self._stop.set()
        self._server.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()
        for thread in self._threads:
            thread.join(timeout=5)


def flaky(seed: int, p_cut: float, p_drop: float, max_delay: float):
    """A policy that cuts or swallows replies on some connections and delays the rest."""
    rng = random.Random(seed)

    def policy(_n: int) -> Faults:
        roll = rng.random()
        if roll < p_cut:
            return Faults(cut_after=rng.randint(200, 3000), delay=rng.random() * max_delay)
        if roll < p_cut + p_drop:
            return Faults(drop_reply=True, delay=rng.random() * max_delay)
        return Faults(delay=rng.random() * max_delay)

    return policy

"""The HTTPS server: TLS with the cluster CA, HTTP/1.1 on asyncio, and the simulated clock.

Requests are parsed here and answered by :class:`~kubelab.http.frontdoor.FrontDoor` on the
thread that runs the event loop, one at a time: that call is the only place the outside world
enters the simulation. Three ways to run the loop:

- in a Jupyter kernel, on the kernel's own asyncio loop (:meth:`HTTPSServer.start`): requests
  are answered between cells, and a cell that runs, runs alone;
- ``kubelab serve`` (:meth:`HTTPSServer.serve_forever`): the loop is the program;
- in a script or a test, on one background thread that then owns the simulation
  (:meth:`HTTPSServer.start_thread`); touch the cluster only through :meth:`ServeHandle.call`.

Time: *paused* (the default) answers every request at the current simulated time (a write runs
the simulation until the API server answers, as the in-process facade does) and the clock
moves only when asked; *live* lets the clock follow wall time × ``speed`` while the loop is idle.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import email.utils
import shlex
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from kubelab.api import errors
from kubelab.api.base import SIM_EPOCH

from .frontdoor import MAX_REQUEST_BODY_BYTES, FrontDoor, HTTPRequest, HTTPResponse, status_response
from .pki import ClusterPKI, user_from_certificate

MAX_HEADER_BYTES = 1 << 20  # Go's http.DefaultMaxHeaderBytes
_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict", 410: "Gone",
            413: "Request Entity Too Large", 415: "Unsupported Media Type", 422: "Unprocessable Entity",
            429: "Too Many Requests", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
            503: "Service Unavailable", 504: "Gateway Timeout"}


class _BadRequest(Exception):
    """A request the HTTP layer itself refuses (Go's net/http answers these in plain text)."""

    def __init__(self, status: int = 400, text: str = "400 Bad Request"):
        super().__init__(text)
        self.status = status
        self.text = text


@dataclass
class ServeHandle:
    """What ``cluster.serve()`` hands back: where the API is and how to point kubectl at it."""

    url: str
    kubeconfig: Path
    server: "HTTPSServer"

    @property
    def export(self) -> str:
        return f"export KUBECONFIG={shlex.quote(str(self.kubeconfig))}"

    def __repr__(self) -> str:
        return f"Serving the Kubernetes API at {self.url} ({self.server.mode})\n{self.export}"

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(repr(self))

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` where the simulation lives (between requests) and return its result."""
        return self.server.call(fn)

    def run(self, seconds: float) -> None:
        """Advance simulated time by ``seconds`` (paused mode's clock)."""
        self.call(lambda: self.server.sim.run_for(seconds))

    def live(self, speed: Optional[float] = None) -> None:
        self.call(lambda: self.server.set_mode("live", speed))

    def pause(self) -> None:
        self.call(lambda: self.server.set_mode("paused"))

    def stop(self) -> None:
        self.server.stop()


class HTTPSServer:
    def __init__(self, door: FrontDoor, sim, pki: Optional[ClusterPKI] = None, directory: Optional[str] = None,
                 host: str = "127.0.0.1", port: int = 0, mode: str = "paused", speed: float = 1.0,
                 kubeconfig: Optional[str] = None):
        if mode not in ("paused", "live"):
            raise ValueError('mode must be "paused" or "live"')
        self.door = door
        self.sim = sim
        self.pki = pki or ClusterPKI(hosts=tuple(dict.fromkeys(("127.0.0.1", "localhost", host))))
        self.directory = Path(directory or tempfile.mkdtemp(prefix="kubelab-"))
        self.files = self.pki.write(self.directory)
        self.mode = mode
        self.speed = float(speed)
        self.tick = 0.05
        self._sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(128)
        self._sock.setblocking(False)
        self.host, self.port = self._sock.getsockname()[:2]
        h = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"https://{h}:{self.port}"
        door.server_address = f"{h}:{self.port}"
        self.kubeconfig = self.pki.write_kubeconfig(kubeconfig or self.directory / "admin.conf", self.url)
        self.ssl = self._ssl_context()
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._server: Optional[asyncio.base_events.Server] = None
        self._pacer: Optional[asyncio.Task] = None
        self._users: dict[bytes, Any] = {}
        self._connections: set = set()
        self.handled = 0
        self.stopped = False

    def handle(self) -> ServeHandle:
        return ServeHandle(self.url, self.kubeconfig, self)

    def _ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.files.apiserver_crt, self.files.apiserver_key)
        ctx.load_verify_locations(self.files.ca_crt)
        # kube-apiserver asks for a client certificate and verifies one against --client-ca-file
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.set_alpn_protocols(["http/1.1"])  # kubectl falls back from h2 to HTTP/1.1
        return ctx

    # -- running --------------------------------------------------------------------------
    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._connection, sock=self._sock, ssl=self.ssl,
                                                  limit=MAX_HEADER_BYTES)
        self.set_mode(self.mode)

    def start(self, loop: Optional[asyncio.AbstractEventLoop] = None) -> ServeHandle:
        """Serve on ``loop`` (default: the running loop of this thread, e.g. a Jupyter kernel's).
        The socket is already listening; requests are answered once the loop gets control."""
        self.loop = loop or asyncio.get_event_loop()
        self._start_task = self.loop.create_task(self._start())
        return self.handle()

    def start_thread(self) -> ServeHandle:
        """Serve from one background thread that owns the simulation from now on."""
        ready = threading.Event()

        def main() -> None:
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            self.loop.set_exception_handler(_quiet)
            self.loop.run_until_complete(self._start())
            ready.set()
            self.loop.run_forever()

        self._thread = threading.Thread(target=main, name="kubelab-https", daemon=True)
        self._thread.start()
        ready.wait(30)
        return self.handle()

    def serve_forever(self) -> None:
        """Run the loop in this thread until interrupted (``kubelab serve``)."""
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.set_exception_handler(_quiet)
        try:
            self.loop.run_until_complete(self._start())
            self.loop.run_forever()
        finally:
            self.stop()

    def call(self, fn: Callable[[], Any]) -> Any:
        if self.loop is None or self._thread is None or threading.current_thread() is self._thread:
            return fn()  # same thread as the loop (a kernel cell): nothing to cross
        fut: concurrent.futures.Future = concurrent.futures.Future()

        def run() -> None:
            try:
                fut.set_result(fn())
            except BaseException as exc:  # noqa: BLE001
                fut.set_exception(exc)

        self.loop.call_soon_threadsafe(run)
        return fut.result()

    def set_mode(self, mode: str, speed: Optional[float] = None) -> None:
        if mode not in ("paused", "live"):
            raise ValueError('mode must be "paused" or "live"')
        self.mode = mode
        if speed is not None:
            self.speed = float(speed)
        if mode == "live" and self._pacer is None and self.loop is not None:
            self._pacer = self.loop.create_task(self._pace())
        elif mode == "paused" and self._pacer is not None:
            self._pacer.cancel()
            self._pacer = None

    async def _pace(self) -> None:
        """Live mode: while the loop is idle, simulated time follows wall time × speed. A long
        cell in between is not made up for (at most one second of wall time per step)."""
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(self.tick)
            now = loop.time()
            dt, last = min(now - last, 1.0), now
            self.sim.run_for(dt * self.speed)

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True

        def shutdown() -> None:
            if self._pacer is not None:
                self._pacer.cancel()
            for w in list(self._connections):
                w.close()
            if self._server is not None:
                self._server.close()
            else:
                self._sock.close()

        async def drain() -> None:
            shutdown()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            asyncio.get_running_loop().stop()

        if self.loop is not None and self._thread is not None and self._thread.is_alive():
            self.loop.call_soon_threadsafe(lambda: self.loop.create_task(drain()))
            self._thread.join(10)
        else:
            shutdown()

    # -- one connection --------------------------------------------------------------------
    def _user(self, writer: asyncio.StreamWriter):
        sslobj = writer.get_extra_info("ssl_object")
        der = sslobj.getpeercert(binary_form=True) if sslobj is not None else None
        if not der:
            return None
        u = self._users.get(der)
        if u is None:
            u = self._users[der] = user_from_certificate(der)
        return u

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        try:
            user = self._user(writer)
            while not self.stopped:
                try:
                    req = await self._read_request(reader)
                except _BadRequest as bad:
                    writer.write(_plain(bad.status, bad.text))
                    await writer.drain()
                    break
                if req is None:
                    break
                req.user = user
                if isinstance(req, HTTPResponse):  # refused before reading the body (413)
                    writer.write(_head(req.status, req.content_type, len(req.body), [("Connection", "close")],
                                       self.sim.now) + req.body)
                    await writer.drain()
                    break
                resp = self.door.handle(req)
                self.handled += 1
                if resp.stream is not None:
                    await self._stream(resp, reader, writer)
                    break
                body = b"" if req.method == "HEAD" else resp.body
                close = req.headers.get("connection", "").lower() == "close"
                extra = list(resp.headers) + ([("Connection", "close")] if close else [])
                writer.write(_head(resp.status, resp.content_type, len(resp.body), extra, self.sim.now) + body)
                await writer.drain()
                if close:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError, asyncio.CancelledError):
            pass  # a client gone, or the server shutting down
        finally:
            self._connections.discard(writer)
            try:
                writer.close()
            except Exception:  # noqa: BLE001
                pass

    async def _read_request(self, reader: asyncio.StreamReader):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                raise _BadRequest() from None
            return None
        except asyncio.LimitOverrunError:
            raise _BadRequest(431, "431 Request Header Fields Too Large") from None
        try:
            text = head.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
            raise _BadRequest() from None
        lines = text.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[0].isalpha() or not parts[1]:
            raise _BadRequest()
        method, target, _ = parts
        if not target.startswith("/"):
            raise _BadRequest()
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip() or any(c in name for c in " \t()<>@,;\\\"/[]?={}"):
                raise _BadRequest(400, "400 Bad Request: malformed MIME header line")
            headers[name.lower()] = value.strip()
        body = b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            total = 0
            while True:
                size_line = await reader.readuntil(b"\r\n")
                try:
                    size = int(size_line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise _BadRequest() from None
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                total += size
                if total > MAX_REQUEST_BODY_BYTES:
                    return _too_large(method, target, headers)
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(chunks)
        elif "content-length" in headers:
            try:
                n = int(headers["content-length"])
            except ValueError:
                raise _BadRequest(400, "400 Bad Request: bad Content-Length") from None
            if n < 0:
                raise _BadRequest(400, "400 Bad Request: bad Content-Length")
            if n > MAX_REQUEST_BODY_BYTES:
                return _too_large(method, target, headers)
            body = await reader.readexactly(n)
        return HTTPRequest(method, target, headers, body)

    async def _stream(self, resp: HTTPResponse, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        done = asyncio.get_running_loop().create_future()
        writer.write(_head(200, resp.content_type, None, [("Transfer-Encoding", "chunked"), *resp.headers],
                           self.sim.now))

        def write(data: bytes) -> None:
            if not writer.is_closing():
                writer.write(b"%x\r\n%s\r\n" % (len(data), data))

        def close() -> None:
            if not writer.is_closing():
                writer.write(b"0\r\n\r\n")
            if not done.done():
                done.set_result(None)

        stream = resp.stream
        stream.start(write, close)
        timer = asyncio.get_running_loop().call_later(stream.timeout, stream.stop)
        eof = asyncio.ensure_future(reader.read(1))
        try:
            await asyncio.wait([done, eof], return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            eof.cancel()
            stream.stop()
            try:
                await writer.drain()
            except (ConnectionError, OSError):
                pass


def _too_large(method: str, target: str, headers: dict) -> HTTPResponse:
    resp = status_response(errors.new_request_entity_too_large(f"limit is {MAX_REQUEST_BODY_BYTES}"))
    return resp


def http_date(sim_seconds: float) -> str:
    """The ``Date`` header for a simulated instant: Go's net/http stamps every response with
    the server's clock (server.go, ``appendTime``: RFC 1123 in GMT, whole seconds); this
    server's clock is the simulated one (timestamps in objects count from the same epoch)."""
    return email.utils.format_datetime(SIM_EPOCH + datetime.timedelta(seconds=int(sim_seconds)), usegmt=True)


def _head(status: int, content_type: str, length: Optional[int], extra: list, now: Optional[float] = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", f"Content-Type: {content_type}",
             "Audit-Id: kubelab", "Cache-Control: no-cache, private", "X-Content-Type-Options: nosniff"]
    if now is not None:
        lines.append(f"Date: {http_date(now)}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    for k, v in extra:
        lines.append(f"{k}: {v}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


def _plain(status: int, text: str) -> bytes:
    # net/http's own answer to a request it cannot parse (server.go: "400 Bad Request")
    body = text.encode()
    return (f"HTTP/1.1 {status} {_REASONS.get(status, 'Bad Request')}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def _quiet(loop, context) -> None:
    exc = context.get("exception")
    if isinstance(exc, (ssl.SSLError, ConnectionError, OSError)):
        return  # a failed handshake or a client gone: the server keeps serving
    loop.default_exception_handler(context)

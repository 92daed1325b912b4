"""Serving the app: bind the address, issue the reviewers' links, run waitress.

waitress: pure Python, threaded, no access log by default (so no token reaches a log file), and
the server Flask's own docs recommend for running on Windows and Linux alike.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from waitress.server import create_server

from litreview.errors import WebError
from litreview.screening import decisions as sc
from litreview.store import Library
from litreview.store import web as web_store
from litreview.web import tokens
from litreview.web.app import Site, create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8642
THREADS = 8


@dataclass
class Served:
    server: Any
    host: str
    port: int
    site: Site | None = None

    @property
    def local_only(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host == "localhost"

    def base_url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = lan_address()
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def link(self, token: str) -> str:
        return f"{self.base_url()}/r/{token}/"

    def run(self) -> None:
        self.server.run()

    def close(self) -> None:
        self.server.close()

    def stop(self, running: threading.Thread, timeout: float = 10) -> None:
        """Stop the server that `running` runs: its own loop closes every socket and so ends
        (closed from this thread, a socket could vanish under the loop's select: EBADF); then its
        request threads, which would otherwise outlive it (and keep this process from forking
        workers: parallel.can_fork)."""
        def close_all() -> None:
            for channel in list(self.server._map.values()):
                channel.close()

        self.server.trigger.pull_trigger(close_all)
        running.join(timeout)
        if running.is_alive():
            raise WebError(f"the server on port {self.port} did not stop within {timeout:.0f} s")
        self.server.task_dispatcher.shutdown(timeout=timeout)


def lan_address() -> str:
    """This machine's address on its network, for links served on every address (0.0.0.0): the
    address the system would send from (a UDP socket 'connected' to a documentation address sends
    nothing), else the host name's address; 127.0.0.1 only when the machine has no other."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))
        address = str(probe.getsockname()[0])
        if not ipaddress.ip_address(address).is_loopback:
            return address
    except OSError:
        pass
    finally:
        probe.close()
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


def bind(db_path: Path, queries_dir: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
         order: str = "random") -> Served:
    """The app bound to host:port (port 0: any free one), not yet serving."""
    app = create_app(db_path, queries_dir, order)
    sock = _listening_socket(host, port)
    server = create_server(app, sockets=[sock], threads=THREADS, ident="litreview")
    return Served(server, host, int(sock.getsockname()[1]), app.extensions["litreview"])


def _listening_socket(host: str, port: int) -> socket.socket:
    """Bound here rather than by waitress, so a taken port is one clear error and no leaked socket."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise WebError(f"cannot serve on {host}: {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise WebError(f"cannot serve on {host}:{port}: {exc.strerror or exc}"
                       + ("; choose another port with --port" if port else "")) from None
    return sock


def reviewers_to_link(library: Library, named: list[str]) -> list[str]:
    """The reviewers named now, those the review's settings name, and those holding a live link."""
    settings = sc.load_settings(library)
    holders = [row["reviewer"] for row in web_store.reviewers_with_tokens(library)]
    ordered = list(dict.fromkeys([*named, *settings.reviewer_names, *holders]))
    if not ordered:
        raise WebError("no reviewer to give a link to: name one with --reviewer NAME "
                       "(or set screening.reviewer_names)")
    return ordered


def issue_links(library: Library, served: Served, reviewers: list[str]) -> list[tuple[str, str]]:
    """A fresh link for each reviewer: (name, URL). Earlier links stay valid until revoked."""
    return [(name, served.link(tokens.issue(library, name))) for name in reviewers]

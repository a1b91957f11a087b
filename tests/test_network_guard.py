"""No test can reach the network: pytest-socket (``--allow-hosts`` loopback, pyproject) blocks
any non-loopback connection, while loopback servers (the sandbox, scripted servers) work."""

from __future__ import annotations

import socket
import threading

import pytest
import requests
from pytest_socket import SocketConnectBlockedError

from integrations.http import HttpClient


@pytest.mark.parametrize(
    "address", [("10.255.255.1", 80), ("93.184.216.34", 80), ("8.8.8.8", 53), ("1.1.1.1", 443)]
)
def test_a_connection_to_a_non_loopback_address_is_blocked(address):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        with pytest.raises(SocketConnectBlockedError):
            sock.connect(address)


def test_create_connection_to_the_internet_is_blocked():
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("93.184.216.34", 80), timeout=1)


def test_an_http_client_request_to_the_internet_is_blocked():
    client = HttpClient(provider="test", max_retries=0, sleep=lambda s: None)
    with pytest.raises(SocketConnectBlockedError):
        client.request("GET", "http://93.184.216.34/")


def test_loopback_is_allowed():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        received = []

        def accept() -> None:
            conn, _ = server.accept()
            with conn:
                received.append(conn.recv(5))

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        with socket.create_connection(server.getsockname(), timeout=2) as client:
            client.sendall(b"hello")
        thread.join(timeout=2)
    assert received == [b"hello"]


def test_requests_to_a_loopback_server_work():
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        response = requests.get(f"http://127.0.0.1:{httpd.server_address[1]}/", timeout=2)
        assert response.status_code == 204
    finally:
        httpd.shutdown()
        httpd.server_close()

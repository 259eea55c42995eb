"""TLS: a galleyd serving a self-signed certificate, reached by pin or with the certificate as the CA.

The certificate and its key are made at test time with the openssl command (skipped with the
reason when it is missing) and never leave a temporary directory.
"""

import hashlib
import shutil
import socket
import ssl
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import running_galleyd

from galley_client import Client, GalleyConnectionError, GalleyTLSError


def _self_signed(directory: Path, name: str):
    """A self-signed EC certificate for 127.0.0.1, ::1 and localhost: (cert, key, pin)."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"],
        check=True, capture_output=True,
    )
    der = ssl.PEM_cert_to_DER_cert(cert.read_text())
    return cert, key, "sha256:" + hashlib.sha256(der).hexdigest()


@pytest.fixture(scope="module")
def certificates():
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed: cannot make a test certificate")
    directory = Path(tempfile.mkdtemp(prefix="galley-tls-"))
    try:
        yield {"server": _self_signed(directory, "server"), "other": _self_signed(directory, "other")}
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def tls_galleyd(certificates):
    cert, key, pin = certificates["server"]
    with running_galleyd("--tls-cert", str(cert), "--tls-key", str(key)) as server:
        server.pin = pin
        server.cert = cert
        yield server


def test_a_pinned_connection_authenticates_and_calls(tls_galleyd):
    with Client(tls_galleyd.host, tls_galleyd.port, token=tls_galleyd.admin_token, pin=tls_galleyd.pin, timeout=10) as galley:
        assert galley.whoami()["role"] == "admin"
        assert galley.identity["role"] == "admin"
        assert galley.ping() is not None


def test_the_self_signed_certificate_as_cafile_verifies_the_server(tls_galleyd):
    with Client(tls_galleyd.host, tls_galleyd.port, token=tls_galleyd.admin_token, cafile=str(tls_galleyd.cert), timeout=10) as galley:
        assert galley.whoami()["role"] == "admin"


def test_a_wrong_pin_is_refused_with_both_pins_named(tls_galleyd, certificates):
    other_pin = certificates["other"][2]
    client = Client(tls_galleyd.host, tls_galleyd.port, token=tls_galleyd.admin_token, pin=other_pin, timeout=10)
    with pytest.raises(GalleyTLSError) as refused:
        client.connect()
    assert other_pin in str(refused.value) and tls_galleyd.pin in str(refused.value)
    assert isinstance(refused.value, GalleyConnectionError)
    assert not client.connected


def test_system_trust_refuses_a_self_signed_certificate(tls_galleyd):
    with pytest.raises(GalleyTLSError):
        Client(tls_galleyd.host, tls_galleyd.port, token=tls_galleyd.admin_token, tls=True, timeout=10).connect()


def test_a_plaintext_client_is_closed_and_the_server_keeps_serving(tls_galleyd):
    with pytest.raises(GalleyConnectionError):
        Client(tls_galleyd.host, tls_galleyd.port, token=tls_galleyd.admin_token, timeout=10).connect()
    with socket.create_connection((tls_galleyd.host, tls_galleyd.port), timeout=10) as raw:
        raw.sendall(b'{"jsonrpc":"2.0","id":1,"method":"server.ping"}\n')
        received = b""
        while True:
            chunk = raw.recv(4096)
            if not chunk:
                break
            received += chunk
        assert b"jsonrpc" not in received
    with Client(tls_galleyd.host, tls_galleyd.port, token=tls_galleyd.admin_token, pin=tls_galleyd.pin, timeout=10) as galley:
        assert galley.whoami()["role"] == "admin"


def test_a_tls_client_against_a_plaintext_server_fails_cleanly(certificates):
    with running_galleyd() as server:
        with pytest.raises(GalleyTLSError):
            Client(server.host, server.port, token=server.admin_token, pin=certificates["server"][2], timeout=2).connect()


def test_pin_and_environment_settings(monkeypatch, tls_galleyd):
    with pytest.raises(ValueError):
        Client(pin="sha256:abc")
    with pytest.raises(ValueError):
        Client(cafile="ca.pem", pin=tls_galleyd.pin)
    assert Client(pin=tls_galleyd.pin.upper().replace("SHA256", "sha256")).pin == tls_galleyd.pin
    monkeypatch.setenv("GALLEY_SERVER", f"{tls_galleyd.host}:{tls_galleyd.port}")
    monkeypatch.setenv("GALLEY_TOKEN", tls_galleyd.admin_token)
    monkeypatch.setenv("GALLEY_TLS_PIN", tls_galleyd.pin)
    with Client.from_env(timeout=10) as galley:
        assert galley.tls and galley.whoami()["role"] == "admin"

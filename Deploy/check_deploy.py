#!/usr/bin/env python3
"""Checks the deployment files without Docker (this machine and CI have none).

docker-compose.yml: the services (postgres, migrate, galleyd-1, galleyd-2, haproxy), PostgreSQL 15
with a pg_isready healthcheck, the one-shot `galleyd migrate --database postgres://...` after
PostgreSQL is healthy, both instances `galleyd serve --database ...` after migrate completed
successfully, every instance on the same database, no instance port published, HAProxy publishing
7420 with Deploy/haproxy.cfg mounted. Flags passed to galleyd are checked against
`galleyd serve --help` when a galleyd binary is at hand ($GALLEYD or .build/debug/galleyd).
Deploy/haproxy.cfg: `mode tcp`, a frontend on 7420, one checked server per instance, the health
check (a server.info frame whose reply must carry the head), and
`haproxy -c -f Deploy/haproxy.cfg` when haproxy is installed. Dockerfile: multi-stage from a
swift:6 image, release builds of galleyd and galley, a slim Debian runtime with libsqlite3-0 and
libuuid1, a non-root user, EXPOSE 7420.

  python3 Deploy/check_deploy.py        # exit 0 when every check passes; needs PyYAML
"""

import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = ["galleyd-1", "galleyd-2"]


class Checks:
    def __init__(self):
        self.passed = 0
        self.failures = []

    def expect(self, condition, what):
        if condition:
            self.passed += 1
        else:
            self.failures.append(what)
        return condition


def option(command, name):
    """The value after `name` in an argument list, or None."""
    for index, argument in enumerate(command):
        if argument == name and index + 1 < len(command):
            return command[index + 1]
        if argument.startswith(name + "="):
            return argument.split("=", 1)[1]
    return None


def depends_condition(service, dependency):
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return "service_started" if dependency in depends else None
    entry = depends.get(dependency)
    if entry is None:
        return None
    return (entry or {}).get("condition", "service_started")


def as_list(command):
    return command if isinstance(command, list) else str(command or "").split()


def database_url_ok(url):
    if not url:
        return False
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("postgres", "postgresql") and parts.hostname == "postgres" and parts.path.strip("/") != ""


def serve_help():
    candidates = [os.environ.get("GALLEYD"), str(ROOT / ".build" / "debug" / "galleyd"), str(ROOT / ".build" / "release" / "galleyd")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            try:
                done = subprocess.run([candidate, "serve", "--help"], capture_output=True, text=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                continue
            return candidate, done.stdout + done.stderr
    return None, None


def check_compose(checks):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose.get("services") or {}
    for name in ["postgres", "migrate", *INSTANCES, "haproxy"]:
        checks.expect(name in services, f"docker-compose.yml: service {name} is missing")
    if not all(name in services for name in ["postgres", "migrate", *INSTANCES, "haproxy"]):
        return

    postgres = services["postgres"]
    checks.expect(str(postgres.get("image", "")).startswith("postgres:15"), "postgres: image is not postgres:15")
    health = as_list((postgres.get("healthcheck") or {}).get("test"))
    checks.expect(any("pg_isready" in part for part in health), "postgres: healthcheck does not run pg_isready")
    checks.expect(not postgres.get("ports"), "postgres: publishes a port (only HAProxy should)")
    environment = postgres.get("environment") or {}
    database = environment.get("POSTGRES_DB") if isinstance(environment, dict) else None
    user = environment.get("POSTGRES_USER") if isinstance(environment, dict) else None

    migrate = services["migrate"]
    command = as_list(migrate.get("command"))
    checks.expect(command[:2] == ["galleyd", "migrate"], f"migrate: command is not `galleyd migrate ...`: {command}")
    url = option(command, "--database")
    checks.expect(database_url_ok(url), f"migrate: --database is not a postgres:// URL on the postgres service: {url}")
    urls = {url}
    checks.expect(depends_condition(migrate, "postgres") == "service_healthy", "migrate: does not wait for postgres healthy")
    checks.expect(str(migrate.get("restart", "no")) in ("no", "False"), "migrate: is restarted (it is a one-shot)")
    checks.expect("build" in migrate or "image" in migrate, "migrate: neither build nor image")

    binary, help_text = serve_help()
    for name in INSTANCES:
        service = services[name]
        command = as_list(service.get("command"))
        checks.expect(command[:2] == ["galleyd", "serve"], f"{name}: command is not `galleyd serve ...`: {command}")
        url = option(command, "--database")
        checks.expect(database_url_ok(url), f"{name}: --database is not a postgres:// URL on the postgres service: {url}")
        urls.add(url)
        listen = option(command, "--listen") or ""
        checks.expect(listen.endswith(":7420"), f"{name}: does not listen on port 7420: {listen}")
        checks.expect(option(command, "--data") is not None, f"{name}: no --data (it holds the admin token file)")
        checks.expect("--insecure-plaintext" in command or option(command, "--tls-cert"),
                      f"{name}: listens beyond loopback without TLS or --insecure-plaintext (galleyd would refuse)")
        checks.expect(depends_condition(service, "migrate") == "service_completed_successfully",
                      f"{name}: does not wait for migrate to complete successfully")
        checks.expect(not service.get("ports"), f"{name}: publishes a port (clients go through HAProxy)")
        checks.expect(service.get("image") == migrate.get("image"), f"{name}: not the image migrate runs")
        if help_text:
            for flag in (part.split("=", 1)[0] for part in command if part.startswith("--")):
                if flag == "--database" and "--database" not in help_text:
                    continue  # a galleyd without the PostgreSQL store: nothing to compare with
                checks.expect(flag in help_text, f"{name}: {flag} is not a flag of `{binary} serve`")
    if binary:
        top = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30).stdout
        if re.search(r"^\s+migrate\b", top, re.M):  # a galleyd with the PostgreSQL store
            migrate_help = subprocess.run([binary, "migrate", "--help"], capture_output=True, text=True, timeout=30)
            checks.expect("--database" in migrate_help.stdout + migrate_help.stderr,
                          f"migrate: --database is not a flag of `{binary} migrate`")
    checks.expect(len(urls) == 1, f"migrate and the instances use different databases: {sorted(map(str, urls))}")
    if database and url:
        parts = urllib.parse.urlsplit(url)
        checks.expect(parts.path.strip("/") == database, f"the --database URL names {parts.path}, postgres creates {database}")
        checks.expect(parts.username == user, f"the --database URL logs in as {parts.username}, postgres creates {user}")
        checks.expect(parts.port in (None, 5432), "the --database URL does not use PostgreSQL's port 5432")
    volumes = [str(v).split(":")[0] for name in INSTANCES for v in services[name].get("volumes") or []]
    checks.expect(len(volumes) == len(set(volumes)), "the instances share a data volume")

    haproxy = services["haproxy"]
    checks.expect(str(haproxy.get("image", "")).startswith("haproxy:"), "haproxy: image is not haproxy")
    ports = [str(port) for port in haproxy.get("ports") or []]
    checks.expect(any(re.fullmatch(r"(?:[\d.]+:)?7420:7420", port) for port in ports), f"haproxy: does not publish 7420: {ports}")
    mounts = [str(volume) for volume in haproxy.get("volumes") or []]
    checks.expect(any(m.startswith("./Deploy/haproxy.cfg:") and "/usr/local/etc/haproxy/haproxy.cfg" in m for m in mounts),
                  "haproxy: Deploy/haproxy.cfg is not mounted as /usr/local/etc/haproxy/haproxy.cfg")
    for name in INSTANCES:
        checks.expect(depends_condition(haproxy, name) is not None, f"haproxy: does not depend on {name}")


def haproxy_sections(text):
    """{(kind, name): [lines]} for global, defaults, frontend, backend, listen, resolvers."""
    sections = {}
    current = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip() if not raw.lstrip().startswith("tcp-check") else raw.rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():
            words = line.split()
            current = (words[0], words[1] if len(words) > 1 else "")
            sections[current] = []
        elif current:
            sections[current].append(line.strip())
    return sections


def check_haproxy(checks):
    path = ROOT / "Deploy" / "haproxy.cfg"
    text = path.read_text()
    sections = haproxy_sections(text)
    modes = {key: [line for line in lines if line.split()[0] == "mode"] for key, lines in sections.items()}
    defaults_tcp = any(key[0] == "defaults" and "mode tcp" in lines for key, lines in modes.items())
    backends = [key for key in sections if key[0] in ("backend", "listen")]
    frontends = [key for key in sections if key[0] in ("frontend", "listen")]
    checks.expect(backends, "haproxy.cfg: no backend")
    checks.expect(frontends, "haproxy.cfg: no frontend")
    for key in frontends + backends:
        own = modes.get(key) or []
        checks.expect(own == ["mode tcp"] or (not own and defaults_tcp), f"haproxy.cfg: {key[0]} {key[1]} is not mode tcp")
    checks.expect(not any("mode http" in lines for lines in modes.values()), "haproxy.cfg: mode http somewhere")
    binds = [line for key in frontends for line in sections[key] if line.startswith("bind")]
    checks.expect(any(re.search(r":7420\b", line) for line in binds), f"haproxy.cfg: no frontend binds 7420: {binds}")
    for key in backends:
        lines = sections[key]
        servers = [line for line in lines if line.startswith("server ")]
        default_check = any(line.startswith("default-server") and " check" in f" {line} " for line in lines)
        for name in INSTANCES:
            matching = [line for line in servers if f" {name}:7420" in line]
            checks.expect(matching, f"haproxy.cfg: backend {key[1]} has no server {name}:7420")
            for line in matching:
                checks.expect(default_check or re.search(r"\bcheck\b", line), f"haproxy.cfg: {name} is not health-checked")
        sends = [line for line in lines if line.startswith("tcp-check send")]
        # A JSON-RPC health check: a real server.info frame (unauthenticated, reads the store's
        # head, newline framing) and an expectation on the head in its reply.
        checks.expect(any("server.info" in line and "jsonrpc" in line and line.rstrip().endswith('\\n"') for line in sends),
                      "haproxy.cfg: no tcp-check sending a newline-framed server.info request")
        checks.expect(any(line.startswith("tcp-check expect") and "head" in line for line in lines),
                      "haproxy.cfg: the health check does not expect a head in the reply")
        checks.expect(any(line.split()[:2] == ["balance", "roundrobin"] or line.split()[:2] == ["balance", "leastconn"]
                          for line in lines), f"haproxy.cfg: backend {key[1]} balances neither roundrobin nor leastconn")
    if shutil.which("haproxy"):
        done = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True, timeout=30)
        checks.expect(done.returncode == 0, "haproxy -c -f Deploy/haproxy.cfg failed:\n" + done.stdout + done.stderr)
        return "haproxy -c: " + ("valid" if done.returncode == 0 else "INVALID")
    return "haproxy -c: skipped, haproxy is not installed"


def check_dockerfile(checks):
    text = (ROOT / "Dockerfile").read_text()
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    froms = [line for line in lines if line.upper().startswith("FROM ")]
    checks.expect(len(froms) >= 2, "Dockerfile: not multi-stage")
    checks.expect(froms and re.match(r"FROM swift:6\.\d+", froms[0]), f"Dockerfile: the build stage is not a swift:6.x image: {froms[:1]}")
    checks.expect(froms and "slim" in froms[-1] and "debian" in froms[-1], f"Dockerfile: the runtime is not a slim Debian: {froms[-1:]}")
    runtime = text[text.rfind("\nFROM "):]
    runtime = "\n".join(line for line in runtime.splitlines() if not line.strip().startswith("#"))
    for product in ("galleyd", "galley"):
        checks.expect(re.search(rf"swift build -c release[^\n]*--product {product}\b", text), f"Dockerfile: no release build of {product}")
    for package in ("libsqlite3-0", "libuuid1"):
        checks.expect(package in runtime, f"Dockerfile: the runtime does not install {package}")
    users = [line.split()[1] for line in runtime.splitlines() if line.strip().startswith("USER ")]
    checks.expect(users and users[-1] not in ("root", "0"), "Dockerfile: the runtime runs as root")
    checks.expect(re.search(r"^EXPOSE 7420\b", runtime, re.M), "Dockerfile: no EXPOSE 7420")
    checks.expect("Resources" not in runtime and ".resources" not in runtime,
                  "Dockerfile: copies a resource bundle (migrations are embedded in the binary)")
    checks.expect((ROOT / "Sources" / "GalleyStore" / "Generated").is_dir(),
                  "Sources/GalleyStore/Generated is missing: migrations are not embedded")


def main():
    checks = Checks()
    check_compose(checks)
    note = check_haproxy(checks)
    check_dockerfile(checks)
    for failure in checks.failures:
        print(f"FAIL: {failure}")
    ok = not checks.failures
    print(f"check_deploy: {checks.passed} checks passed, {len(checks.failures)} failed ({note}): {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def test_deployment_files():  # so `pytest Deploy/check_deploy.py` runs it too
    assert main() == 0


if __name__ == "__main__":
    sys.exit(main())

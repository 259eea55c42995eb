#!/usr/bin/env python3
"""Several galleyd instances over one PostgreSQL behind HAProxy: commit-ordered cursors, no
duplicates, cross-instance notifications and failover (issue 7).

Topology: one PostgreSQL (started with scripts/start-postgres on a free port, or the server given
with --database, whose role needs CREATEDB: every phase gets a fresh database), `galleyd migrate`,
two `galleyd serve --database URL` on free loopback ports, and HAProxy (`mode tcp`, roundrobin, a
generated config on a free port) in front.

Default run (the CI quick tier), four phases, each on a fresh database:
  1. cursors: 8 writers, half on each instance directly, commit one-article changesets with their
     own ids after random 0-10 ms delays, for --seconds; 3 readers pull the change log through
     HAProxy (`sync.pull`, snapshot phase then log phase, pages of 2 to 8 entities, a new
     connection every few pages so consecutive pages come from different instances) until they
     reach the final head, each recording every seq it saw. Checked: 0 missed (every seq 1..head
     seen by every reader), 0 duplicated, seq gapless 1..head, every acknowledged changeset
     present once with its seq, one article per changeset.
  2. latency: a subscriber (`sync.subscribe`) on instance A, one commit at a time on instance B;
     the time from sending the commit to the `sync.changed` naming its seq (p50/p99). Checked:
     every notification arrived, p99 under 1 s (the issue's promise).
  3. listener: a subscriber on A, commits on B, 5 at a time: before, after every LISTEN connection
     is terminated (`pg_terminate_backend`; every galleyd connection when none is recognisable by
     its last statement), and after a PostgreSQL restart (only when this test started it).
     Checked: every commit notified (within --latency-timeout), a fresh reader misses nothing.
  4. failover: 8 writers through HAProxy; after --failover-after seconds instance A is killed
     with SIGKILL; writers whose connection broke reconnect through HAProxy and send the same
     changeset again (same id, same content) until acknowledged. Checked as in 1, plus: every
     retried changeset applied once; printed: the failover time (kill to every writer committing
     again).

--control runs phase 1 only, with GALLEY_TEST_PLAIN_SEQUENCE=1 on both instances (a debug
galleyd then takes seq from a plain sequence at the start of the transaction and sleeps 0-20 ms
before COMMIT): readers must miss rows, and the test exits 0 only if they did.

--throughput prints changesets/s with 1, 8 and 32 writers through HAProxy (--throughput-seconds
each; no delays), then checks the store as in 1.

--standin develops and checks this harness without the PostgreSQL store: one SQLite galleyd
(any build) stands for both instances behind HAProxy; in the failover phase it is killed and
restarted on the same port. It proves the readers, writers and checks, not scale-out.

Skips (exit 0, last line "SKIP: reason") when haproxy or the PostgreSQL binaries are missing.

  python3 Reliability/multi_instance_test.py --seconds 20              # quick tier (CI)
  python3 Reliability/multi_instance_test.py --seconds 20 --control
  python3 Reliability/multi_instance_test.py --seconds 120 --latency-samples 500   # full tier
  python3 Reliability/multi_instance_test.py --throughput
  python3 Reliability/multi_instance_test.py --database postgres://galley:galley@127.0.0.1:5432/galley
"""

import argparse
import json
import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from galley_harness import REPO, RpcError, Server, galleyd_binary  # noqa: E402

PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
START_POSTGRES = REPO / "scripts" / "start-postgres"
OVERLOADED = -32029


# ----------------------------------------------------------------------------------------------
# A JSON-RPC connection that also receives notifications


class Client:
    """One newline-framed JSON-RPC connection. A background thread reads every line: replies go to
    the caller waiting for their id, notifications (no id) to `notifications` with their arrival
    time. `call` raises ConnectionError when the connection ends or times out."""

    def __init__(self, port, token=None, timeout=5.0):
        self.timeout = timeout
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.settimeout(None)  # the reader thread blocks; calls time out on their queue
        self.next_id = 0
        self.replies = queue.Queue()
        self.notifications = queue.Queue()
        self.closed = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if token:
            self.call("auth.authenticate", token=token)

    def _read(self):
        try:
            reader = self.sock.makefile("r", encoding="utf-8")
            for line in reader:
                arrived = time.monotonic()
                message = json.loads(line)
                if "id" in message and message["id"] is not None:
                    self.replies.put(message)
                else:
                    self.notifications.put((arrived, message))
        except (OSError, ValueError):
            pass
        finally:
            self.closed.set()
            self.replies.put(None)

    def call(self, method, **params):
        self.next_id += 1
        wanted = self.next_id
        message = {"jsonrpc": "2.0", "id": wanted, "method": method, "params": params}
        try:
            self.sock.sendall((json.dumps(message) + "\n").encode())
        except OSError as error:
            raise ConnectionError(f"send failed: {error}") from error
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConnectionError(f"no reply to {method} in {self.timeout} s")
            try:
                reply = self.replies.get(timeout=remaining)
            except queue.Empty:
                raise ConnectionError(f"no reply to {method} in {self.timeout} s") from None
            if reply is None:
                raise ConnectionError("connection closed")
            if reply.get("id") != wanted:
                continue  # a late reply to a call that timed out
            if "error" in reply:
                raise RpcError(reply["error"])
            return reply["result"]

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# ----------------------------------------------------------------------------------------------
# PostgreSQL, galleyd instances and HAProxy


class Postgres:
    """The database server: one started here with scripts/start-postgres (stopped in `stop`), or
    an existing one given by URL. `fresh_database` makes a new database per phase."""

    def __init__(self, url=None):
        self.directory = None
        self.created = []
        if url:
            self.url = url
            return
        self.directory = tempfile.mkdtemp(prefix="galley-multi-pg-")
        port = free_port()
        # Without PGDIR_FILE: a caller's (CI's) file names its own server, which must stay its own.
        environment = {key: value for key, value in os.environ.items() if key != "PGDIR_FILE"}
        done = subprocess.run(
            [str(START_POSTGRES), str(port), "--dir", self.directory],
            capture_output=True, text=True, timeout=180, env=environment,
        )
        if done.returncode != 0:
            raise RuntimeError("scripts/start-postgres failed:\n" + done.stderr[-3000:])
        self.url = done.stdout.strip().splitlines()[-1]

    def psql(self, url, sql):
        done = subprocess.run(
            ["psql", url, "-v", "ON_ERROR_STOP=1", "-qtA", "-c", sql],
            capture_output=True, text=True, timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql {sql!r} failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def fresh_database(self, label):
        name = f"galley_multi_{label}_{uuid.uuid4().hex[:8]}"
        self.psql(self.url, f"CREATE DATABASE {name}")
        self.created.append(name)
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def restart(self):
        """A fast restart of the server we started (every connection is cut); False for --database."""
        if not self.directory:
            return False
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PGBIN / "pg_ctl"), "-D", f"{self.directory}/data",
             "-m", "fast", "-w", "-t", "60", "-l", f"{self.directory}/server.log", "restart"],
            # The new postmaster must not inherit our pipes (run would wait for it to exit).
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            timeout=120, cwd="/tmp",
        )
        if done.returncode != 0:
            raise RuntimeError("pg_ctl restart failed:\n" + done.stderr)
        return True

    def stop(self):
        if self.directory:
            subprocess.run([str(START_POSTGRES), "--stop", self.directory], capture_output=True, timeout=120)
            return
        for name in self.created:  # on a server we did not start, leave nothing behind
            try:
                self.psql(self.url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                print(f"note: could not drop {name}: {error}", file=sys.stderr)


HAPROXY_CONFIG = """\
# Generated by Reliability/multi_instance_test.py for one run.
global
    maxconn 4096

defaults
    mode tcp
    timeout connect 1s
    timeout client 120s
    timeout server 120s
    # A connection refused by a dead instance is retried, the last time on another server.
    retries 3
    option redispatch

frontend galley
    bind 127.0.0.1:{port}
    default_backend galleyd

backend galleyd
    balance roundrobin
    # The health check of Deploy/haproxy.cfg: server.info (no token needed) must answer with a head.
    option tcp-check
    tcp-check connect
    tcp-check send "{{\\"jsonrpc\\":\\"2.0\\",\\"id\\":\\"health\\",\\"method\\":\\"server.info\\"}}\\n"
    tcp-check expect rstring "\\"head\\":[0-9]+"
{servers}
"""


class HAProxy:
    """HAProxy in front of `backends` (loopback ports), in the foreground as a child process."""

    def __init__(self, backends, directory):
        self.port = free_port()
        servers = "\n".join(
            f"    server g{index} 127.0.0.1:{port} check inter 200ms fall 2 rise 2"
            for index, port in enumerate(backends, start=1)
        )
        self.config = Path(directory) / "haproxy.cfg"
        self.config.write_text(HAPROXY_CONFIG.format(port=self.port, servers=servers))
        self.log = open(Path(directory) / "haproxy.log", "w")
        self.process = subprocess.Popen(
            ["haproxy", "-db", "-f", str(self.config)], stdout=self.log, stderr=subprocess.STDOUT
        )
        if not wait_for_port(self.port, 10):
            self.process.kill()
            raise RuntimeError("haproxy did not listen:\n" + (Path(directory) / "haproxy.log").read_text())

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


class Cluster:
    """`galleyd migrate`, then instances A and B over one fresh database, and HAProxy in front.
    A starts first and so creates the admin token in its data directory (tokens live in the
    database: B serves the same token). In stand-in mode A and B are one SQLite galleyd."""

    def __init__(self, args, postgres, label, env=None):
        self.args = args
        self.env = dict(env or {})
        self.directory = Path(tempfile.mkdtemp(prefix=f"galley-multi-{label}-"))
        self.instances = []
        self.haproxy = None
        self.database = None
        try:
            if args.standin:
                self.extra = ()
            else:
                self.database = postgres.fresh_database(label)
                self.migrate()
                self.extra = ("--database", self.database)
            self.a = self.start("a")
            self.token = self.a.token
            self.b = self.a if args.standin else self.start("b")
            ports = [self.a.port] if args.standin else [self.a.port, self.b.port]
            self.haproxy = HAProxy(ports, self.directory)
            self.port = self.haproxy.port
        except BaseException:
            self.stop()
            raise

    def migrate(self):
        done = subprocess.run(
            [str(galleyd_binary()), "migrate", "--database", self.database],
            capture_output=True, text=True, timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"galleyd migrate failed with status {done.returncode} (is {galleyd_binary()} a build with "
                f"the PostgreSQL store? --standin tests the harness without it):\n{done.stderr[-3000:]}"
            )

    def start(self, name, extra=()):
        server = Server(self.directory / name, env=self.env, extra_args=(*self.extra, *extra))
        self.instances.append(server)
        return server

    def restart_standin(self):
        """Stand-in failover: the one SQLite instance comes back on the same port."""
        port = self.a.port
        self.a = self.b = self.start("a", extra=("--listen", f"127.0.0.1:{port}"))

    def client(self, port=None, timeout=5.0):
        return Client(port or self.port, self.token, timeout=timeout)

    def stop(self):
        if self.haproxy:
            self.haproxy.stop()
        for server in self.instances:
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait(timeout=30)
        shutil.rmtree(self.directory, ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# Writers and readers


class Ledger:
    """What the clients were told: every acknowledged changeset, retries, errors."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acknowledged = []
        self.errors = []
        self.retried = 0
        self.replayed = 0
        # per writer: monotonic times of its acknowledgements after a broken connection
        self.recovered = {}
        self.broken = {}

    def ack(self, record):
        with self.lock:
            self.acknowledged.append(record)


def writer(cluster, index, port, stop, ledger, rng, max_delay, deadline_seconds=30.0):
    """Commits one-article changesets until `stop`. A broken connection or a timeout means the
    changeset's fate is unknown: reconnect (through `port`) and send the same changeset again
    until it is acknowledged or `deadline_seconds` pass."""
    conn = None
    counter = 0
    while not stop.is_set():
        if max_delay:
            time.sleep(rng.uniform(0, max_delay))
        counter += 1
        changeset_id = str(uuid.uuid4())
        article_id = str(uuid.uuid4())
        headline = f"writer {index} story {counter} {changeset_id[:8]}"
        params = {
            "id": changeset_id,
            "message": f"multi-instance w{index} n{counter}",
            "ops": [{"op": "create", "type": "article", "id": article_id, "data": {"headline": headline}}],
        }
        attempts = 0
        give_up = time.monotonic() + deadline_seconds
        while True:
            attempts += 1
            try:
                if conn is None:
                    conn = cluster.client(port)
                result = conn.call("changeset.commit", **params)
            except (OSError, ConnectionError) as error:
                if conn is not None:
                    conn.close()
                    conn = None
                with ledger.lock:
                    ledger.broken.setdefault(index, time.monotonic())
                if time.monotonic() > give_up:
                    with ledger.lock:
                        ledger.errors.append(f"w{index}: gave up on {changeset_id} after {attempts} attempts: {error}")
                    return
                time.sleep(0.05)
                continue
            except RpcError as error:
                if error.code == OVERLOADED and time.monotonic() < give_up:
                    time.sleep(0.05)
                    continue
                with ledger.lock:
                    ledger.errors.append(f"w{index}: {changeset_id}: {error}")
                break
            now = time.monotonic()
            with ledger.lock:
                ledger.acknowledged.append(
                    {"id": changeset_id, "seq": result["seq"], "headline": headline, "attempts": attempts,
                     "replayed": bool(result.get("replayed")), "writer": index, "at": now}
                )
                if attempts > 1:
                    ledger.retried += 1
                if result.get("replayed"):
                    ledger.replayed += 1
                if index in ledger.broken and index not in ledger.recovered:
                    ledger.recovered[index] = now
            break
    if conn is not None:
        conn.close()


def reader(cluster, index, rng, writers_done, final_head, outcome, deadline):
    """Pulls the feed through HAProxy in small pages from a fresh snapshot until `writers_done`
    is set and its cursor has reached `final_head[0]`; records every seq seen. A new connection
    every 2 to 6 pages, so consecutive pages come from different instances."""
    seen = {}
    pages = 0
    reconnects = 0
    cursor = None
    phase = "snapshot"
    conn = None
    pages_left = 0
    consistent_at = 0
    errors = []
    while time.monotonic() < deadline:
        if conn is None or pages_left <= 0:
            if conn is not None:
                conn.close()
            try:
                conn = cluster.client()
            except (OSError, ConnectionError) as error:
                errors.append(f"connect: {error}")
                conn = None
                time.sleep(0.1)
                continue
            reconnects += 1
            pages_left = rng.randint(2, 6)
        params = {"limit": rng.randint(2, 8)}
        if cursor:
            params["cursor"] = cursor
        try:
            page = conn.call("sync.pull", **params)
        except (OSError, ConnectionError) as error:
            errors.append(f"pull: {error}")
            conn.close()
            conn = None
            continue
        except RpcError as error:
            if error.code == OVERLOADED:
                time.sleep(0.05)
                continue
            errors.append(f"pull: {error}")
            break
        pages += 1
        pages_left -= 1
        for item in page["items"]:
            seen[item["seq"]] = seen.get(item["seq"], 0) + 1
        cursor = page["cursor"]
        if page.get("consistentAt") is not None:
            phase = "log"
            consistent_at = page["consistentAt"]
        if phase == "log" and not page["hasMore"]:
            if writers_done.is_set() and consistent_at >= final_head[0]:
                break
            time.sleep(0.002)
    if conn is not None:
        conn.close()
    outcome[index] = {
        "seen": seen, "pages": pages, "connections": reconnects, "reachedHead": consistent_at >= final_head[0],
        "consistentAt": consistent_at, "errors": errors[:5],
    }


# ----------------------------------------------------------------------------------------------
# Checking the store against the ledger


def check_store(cluster, ledger):
    conn = cluster.client(timeout=30.0)
    try:
        head = conn.call("server.info")["head"]
        kept = {}
        cursor = None
        for _ in range(100000):
            params = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = conn.call("changeset.list", **params)
            for item in page["items"]:
                kept[item["seq"]] = item
            cursor = page.get("nextCursor")
            if not cursor:
                break
        articles = 0
        cursor = None
        for _ in range(100000):
            params = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = conn.call("article.list", **params)
            articles += len(page["items"])
            cursor = page.get("nextCursor")
            if not cursor:
                break
    finally:
        conn.close()
    by_id = {}
    duplicates = 0
    for seq, item in kept.items():
        if item["id"] in by_id:
            duplicates += 1
        by_id[item["id"]] = seq
    lost = changed = 0
    for ack in ledger.acknowledged:
        seq = by_id.get(ack["id"])
        if seq is None:
            lost += 1
        elif seq != ack["seq"]:
            changed += 1
    acked_ids = [ack["id"] for ack in ledger.acknowledged]
    duplicates += len(acked_ids) - len(set(acked_ids))  # one changeset acknowledged as two seqs
    duplicates += max(0, articles - len(kept))
    gapless = sorted(kept) == list(range(1, head + 1))
    return {"head": head, "kept": len(kept), "lost": lost, "changed": changed, "duplicates": duplicates,
            "gapless": gapless, "articles": articles}


def count_reads(outcome, head):
    expected = set(range(1, head + 1))
    missed = duplicated = 0
    per_reader = []
    for index in sorted(outcome):
        seen = outcome[index]["seen"]
        reader_missed = len(expected - set(seen))
        reader_duplicated = sum(n - 1 for n in seen.values() if n > 1)
        reader_duplicated += sum(n for seq, n in seen.items() if seq not in expected)
        missed += reader_missed
        duplicated += reader_duplicated
        per_reader.append({"reader": index, "seen": len(seen), "missed": reader_missed, "duplicated": reader_duplicated,
                           "pages": outcome[index]["pages"], "connections": outcome[index]["connections"],
                           "reachedHead": outcome[index]["reachedHead"], "errors": outcome[index]["errors"]})
    return missed, duplicated, per_reader


# ----------------------------------------------------------------------------------------------
# Phases


def phase_cursors(args, postgres, control):
    env = {"GALLEY_TEST_PLAIN_SEQUENCE": "1"} if control else {}
    cluster = Cluster(args, postgres, "control" if control else "cursors", env=env)
    try:
        rng = random.Random(args.seed)
        ledger = Ledger()
        stop = threading.Event()
        writers_done = threading.Event()
        final_head = [1 << 62]
        outcome = {}
        read_deadline = time.monotonic() + args.seconds + 120
        readers = [
            threading.Thread(target=reader, args=(cluster, i, random.Random(rng.random()), writers_done, final_head,
                                                  outcome, read_deadline), daemon=True)
            for i in range(args.readers)
        ]
        writers = [
            threading.Thread(target=writer, args=(cluster, i, (cluster.a if i % 2 == 0 else cluster.b).port, stop,
                                                  ledger, random.Random(rng.random()), 0.010), daemon=True)
            for i in range(args.writers)
        ]
        for thread in readers + writers:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in writers:
            thread.join(timeout=60)
        check = cluster.client()
        final_head[0] = check.call("server.info")["head"]
        check.close()
        writers_done.set()
        for thread in readers:
            thread.join(timeout=max(1.0, read_deadline - time.monotonic()))
        store = check_store(cluster, ledger)
        missed, duplicated, per_reader = count_reads(outcome, store["head"])
        result = {
            "phase": "control" if control else "cursors", "seconds": args.seconds, "writers": args.writers,
            "readers": args.readers, "acknowledged": len(ledger.acknowledged), "writerErrors": ledger.errors[:5],
            "missed": missed, "duplicated": duplicated, "readersReachedHead": all(r["reachedHead"] for r in per_reader),
            "perReader": per_reader, **store,
        }
        result["ok"] = (missed == 0 and duplicated == 0 and store["gapless"] and store["lost"] == 0
                        and store["changed"] == 0 and store["duplicates"] == 0 and not ledger.errors
                        and result["readersReachedHead"] and len(per_reader) == args.readers)
        return result
    finally:
        cluster.stop()


def phase_latency(args, postgres):
    cluster = Cluster(args, postgres, "latency")
    try:
        subscriber = cluster.client(cluster.a.port)
        subscriber.call("sync.subscribe")
        committer = cluster.client(cluster.b.port)
        latencies = []
        timeouts = 0
        for number in range(args.latency_samples):
            while not subscriber.notifications.empty():
                subscriber.notifications.get_nowait()
            sent = time.monotonic()
            result = committer.call(
                "changeset.commit", id=str(uuid.uuid4()), message=f"latency {number}",
                ops=[{"op": "create", "type": "article", "id": str(uuid.uuid4()), "data": {"headline": f"latency {number}"}}],
            )
            seq = result["seq"]
            arrived = None
            give_up = sent + args.latency_timeout
            while arrived is None and time.monotonic() < give_up:
                try:
                    when, message = subscriber.notifications.get(timeout=max(0.001, give_up - time.monotonic()))
                except queue.Empty:
                    break
                if message.get("method") == "sync.changed" and message["params"]["head"] >= seq:
                    arrived = when
            if arrived is None:
                timeouts += 1
            else:
                latencies.append(arrived - sent)
            time.sleep(0.06 + random.random() * 0.04)  # past the 50 ms coalescing window
        subscriber.close()
        committer.close()
        p50 = percentile(latencies, 0.50)
        p99 = percentile(latencies, 0.99)
        result = {
            "phase": "latency", "samples": args.latency_samples, "received": len(latencies), "timeouts": timeouts,
            "p50Ms": round(p50 * 1000, 1) if p50 is not None else None,
            "p99Ms": round(p99 * 1000, 1) if p99 is not None else None,
            "maxMs": round(max(latencies) * 1000, 1) if latencies else None,
        }
        result["ok"] = timeouts == 0 and p99 is not None and p99 < 1.0
        return result
    finally:
        cluster.stop()


def phase_failover(args, postgres):
    cluster = Cluster(args, postgres, "failover")
    try:
        rng = random.Random(args.seed)
        ledger = Ledger()
        stop = threading.Event()
        writers = [
            threading.Thread(target=writer, args=(cluster, i, cluster.port, stop, ledger, random.Random(rng.random()),
                                                  0.005), daemon=True)
            for i in range(args.writers)
        ]
        for thread in writers:
            thread.start()
        time.sleep(args.failover_after)
        with ledger.lock:
            before = len(ledger.acknowledged)
        killed_at = time.monotonic()
        cluster.a.kill9()
        if args.standin:
            cluster.restart_standin()
        time.sleep(args.failover_load)
        stop.set()
        for thread in writers:
            thread.join(timeout=60)
        store = check_store(cluster, ledger)
        interrupted = sorted(ledger.broken)
        recovered = [ledger.recovered[i] - killed_at for i in interrupted if i in ledger.recovered]
        result = {
            "phase": "failover", "writers": args.writers, "acknowledged": len(ledger.acknowledged),
            "acknowledgedBeforeKill": before, "interruptedWriters": len(interrupted),
            "writersRecovered": len(recovered), "retried": ledger.retried, "replayed": ledger.replayed,
            "failoverSeconds": round(max(recovered), 3) if recovered else None,
            "medianWriterRecoverySeconds": round(percentile(recovered, 0.5), 3) if recovered else None,
            "writerErrors": ledger.errors[:5], **store,
        }
        result["ok"] = (store["lost"] == 0 and store["changed"] == 0 and store["duplicates"] == 0 and store["gapless"]
                        and not ledger.errors and len(recovered) == len(interrupted)
                        and len(ledger.acknowledged) > before)
        return result
    finally:
        cluster.stop()


def commit_until_acknowledged(conn, number, seconds=30.0):
    """One changeset, sent again with the same id while the store answers errors (its database
    restarting); returns (seq, attempts) or raises after `seconds`."""
    changeset_id = str(uuid.uuid4())
    params = {"id": changeset_id, "message": f"listener {number}",
              "ops": [{"op": "create", "type": "article", "id": str(uuid.uuid4()), "data": {"headline": f"listener {number}"}}]}
    give_up = time.monotonic() + seconds
    attempts = 0
    while True:
        attempts += 1
        try:
            return conn.call("changeset.commit", **params)["seq"], changeset_id, attempts
        except RpcError:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.2)


def wait_notified(subscriber, seq, sent, seconds):
    """Seconds from `sent` until a sync.changed naming `seq` or later arrived, or None."""
    give_up = sent + seconds
    while time.monotonic() < give_up:
        try:
            when, message = subscriber.notifications.get(timeout=max(0.001, give_up - time.monotonic()))
        except queue.Empty:
            return None
        if message.get("method") == "sync.changed" and message["params"]["head"] >= seq:
            return when - sent
    return None


def phase_listener(args, postgres):
    """Notifications survive the loss of the listener connection (pg_terminate_backend) and a
    PostgreSQL restart: a subscriber on A still hears about commits on B, and nothing is missed."""
    cluster = Cluster(args, postgres, "listener")
    try:
        subscriber = cluster.client(cluster.a.port)
        subscriber.call("sync.subscribe")
        committer = cluster.client(cluster.b.port, timeout=30.0)
        ledger = Ledger()
        steps = []
        listen_sql = ("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                      "AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()")

        errors = []

        def round_of_commits(label, count=5):
            nonlocal committer
            latencies = []
            missing = 0
            for number in range(count):
                while not subscriber.notifications.empty():
                    subscriber.notifications.get_nowait()
                sent = time.monotonic()
                try:
                    seq, changeset_id, attempts = commit_until_acknowledged(committer, f"{label} {number}")
                except (RpcError, ConnectionError, OSError) as error:
                    errors.append(f"{label}: commit on B failed: {error}")
                    missing += 1
                    committer.close()
                    try:
                        committer = cluster.client(cluster.b.port, timeout=30.0)
                    except (ConnectionError, OSError):
                        pass
                    continue
                ledger.ack({"id": changeset_id, "seq": seq, "attempts": attempts})
                latency = wait_notified(subscriber, seq, sent, args.latency_timeout)
                if latency is None:
                    missing += 1
                else:
                    latencies.append(latency)
                time.sleep(0.1)
            steps.append({"step": label, "commits": count, "notified": len(latencies), "missing": missing,
                          "maxMs": round(max(latencies) * 1000, 1) if latencies else None})

        round_of_commits("before")
        listeners = [line for line in postgres.psql(cluster.database, listen_sql).splitlines() if line]
        targets = listeners
        if len(listeners) < 2:
            # No idle connection whose last statement was LISTEN per instance (it may have run
            # another query since): cut every galleyd connection to the database, listeners included.
            targets = [line for line in postgres.psql(
                cluster.database,
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
            ).splitlines() if line]
        terminated = 0
        for pid in targets:
            if postgres.psql(cluster.database, f"SELECT pg_terminate_backend({int(pid)})") == "t":
                terminated += 1
        round_of_commits("listener terminated")
        restarted = postgres.restart()
        if restarted:
            round_of_commits("postgres restarted")
        relisteners = [line for line in postgres.psql(cluster.database, listen_sql).splitlines() if line]
        subscriber.close()
        committer.close()
        # Nothing missed: a reader from a new snapshot sees every seq once; the store holds every commit.
        outcome = {}
        done = threading.Event()
        done.set()
        head = cluster.client().call("server.info")["head"]
        reader(cluster, 0, random.Random(args.seed), done, [head], outcome, time.monotonic() + 60)
        missed, duplicated, _ = count_reads(outcome, head)
        store = check_store(cluster, ledger)
        result = {
            "phase": "listener", "listenConnectionsFound": len(listeners), "terminated": terminated,
            "terminatedEveryConnection": targets is not listeners, "errors": errors[:5],
            "postgresRestarted": restarted, "listenConnectionsAfter": len(relisteners), "steps": steps,
            "missed": missed, "duplicated": duplicated, **store,
        }
        result["ok"] = (terminated >= 2 and not errors and all(step["missing"] == 0 for step in steps) and missed == 0
                        and duplicated == 0 and store["lost"] == 0 and store["changed"] == 0
                        and store["duplicates"] == 0 and store["gapless"])
        return result
    finally:
        cluster.stop()


def phase_throughput(args, postgres):
    results = []
    for count in (1, 8, 32):
        cluster = Cluster(args, postgres, f"throughput{count}")
        try:
            ledger = Ledger()
            stop = threading.Event()
            writers = [
                threading.Thread(target=writer, args=(cluster, i, cluster.port, stop, ledger, random.Random(i), 0),
                                 daemon=True)
                for i in range(count)
            ]
            for thread in writers:
                thread.start()
            time.sleep(1.0)  # warm-up: connections, pools, caches
            with ledger.lock:
                start_count = len(ledger.acknowledged)
            started = time.monotonic()
            time.sleep(args.throughput_seconds)
            with ledger.lock:
                end_count = len(ledger.acknowledged)
            elapsed = time.monotonic() - started
            stop.set()
            for thread in writers:
                thread.join(timeout=60)
            store = check_store(cluster, ledger)
            ok = store["lost"] == 0 and store["duplicates"] == 0 and store["gapless"] and not ledger.errors
            outcome = {"phase": "throughput", "writers": count, "seconds": round(elapsed, 2),
                       "changesetsPerSecond": round((end_count - start_count) / elapsed, 1),
                       "writerErrors": ledger.errors[:5], "ok": ok, **store}
            print(json.dumps(outcome), flush=True)
            results.append(outcome)
        finally:
            cluster.stop()
    return results


# ----------------------------------------------------------------------------------------------


def skip_reason(args):
    if shutil.which("haproxy") is None:
        return "haproxy is not installed (apt-get install haproxy)"
    if args.standin or args.database:
        if args.database and shutil.which("psql") is None:
            return "psql is not installed (it makes a fresh database per phase)"
        return None
    if not (PGBIN / "initdb").exists() or not (PGBIN / "pg_ctl").exists():
        return f"the PostgreSQL 15 binaries are missing in {PGBIN} (apt-get install postgresql-15, or pass --database)"
    if shutil.which("psql") is None:
        return "psql is not installed"
    if os.geteuid() != 0:
        return "starting PostgreSQL here needs root (it runs as the postgres user); pass --database URL instead"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="how long the writers commit in the cursor phase")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--database", help="an existing PostgreSQL (role with CREATEDB) instead of starting one")
    parser.add_argument("--standin", action="store_true", help="one SQLite galleyd for both instances (harness development)")
    parser.add_argument("--control", action="store_true", help="positive control: GALLEY_TEST_PLAIN_SEQUENCE=1 must show misses")
    parser.add_argument("--throughput", action="store_true", help="changesets/s with 1, 8 and 32 writers")
    parser.add_argument("--throughput-seconds", type=float, default=10)
    parser.add_argument("--latency-samples", type=int, default=100)
    parser.add_argument("--latency-timeout", type=float, default=10.0)
    parser.add_argument("--failover-after", type=float, default=2.0, help="seconds of load before the kill")
    parser.add_argument("--failover-load", type=float, default=5.0, help="seconds of load after the kill")
    parser.add_argument("--only", choices=["cursors", "latency", "listener", "failover"], help="run one phase of the default run")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)

    reason = skip_reason(args)
    if reason:
        print(f"SKIP: {reason}")
        return 0
    if not galleyd_binary().exists():
        print(f"FAIL: {galleyd_binary()} is missing (build it, or set GALLEYD)")
        return 1

    # Children are killed however we leave: SIGTERM (a CI timeout) ends up in `finally` too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return run(args)
    except (RuntimeError, ConnectionError, OSError, RpcError) as error:
        # A process that did not start, a failed migration, a server that stopped answering.
        print(str(error), file=sys.stderr)
        print(f"multi-instance: FAIL: {type(error).__name__}: {(str(error).splitlines() or [''])[0]}")
        return 1


def run(args):
    postgres = None
    try:
        if not args.standin:
            postgres = Postgres(args.database)
        mode = "standin" if args.standin else "postgres"
        if args.throughput:
            results = phase_throughput(args, postgres)
            ok = all(r["ok"] for r in results)
            rates = ", ".join(f"{r['writers']} writers {r['changesetsPerSecond']}/s" for r in results)
            print(f"multi-instance throughput ({mode}): {rates}: {'PASS' if ok else 'FAIL'}")
            return 0 if ok else 1

        if args.control:
            result = phase_cursors(args, postgres, control=True)
            result.pop("perReader")
            print(json.dumps({**result, "seed": args.seed, "mode": mode}), flush=True)
            caught = result["missed"] > 0
            print(f"multi-instance control ({mode}): {'caught' if caught else 'DID NOT catch'} skipped rows: "
                  f"{result['missed']} missed over {args.readers} readers of {result['head']} changesets")
            return 0 if caught else 1

        results = []
        if args.only in (None, "cursors"):
            results.append(phase_cursors(args, postgres, control=False))
            print(json.dumps({**results[-1], "seed": args.seed, "mode": mode}), flush=True)
        if args.only in (None, "latency"):
            results.append(phase_latency(args, postgres))
            print(json.dumps(results[-1]), flush=True)
        if args.only in (None, "listener") and not args.standin:  # needs PostgreSQL's LISTEN connections
            results.append(phase_listener(args, postgres))
            print(json.dumps(results[-1]), flush=True)
        if args.only in (None, "failover"):
            results.append(phase_failover(args, postgres))
            print(json.dumps(results[-1]), flush=True)
        ok = all(r["ok"] for r in results)
        parts = []
        for r in results:
            if r["phase"] == "cursors":
                parts.append(f"{r['acknowledged']} changesets by {r['writers']} writers, {r['readers']} readers: "
                             f"missed {r['missed']}, duplicated {r['duplicated']}, gapless {r['gapless']}, "
                             f"lost {r['lost'] + r['changed']}")
            elif r["phase"] == "latency":
                parts.append(f"notification p50 {r['p50Ms']} ms p99 {r['p99Ms']} ms ({r['timeouts']} timeouts)")
            elif r["phase"] == "listener":
                missing = sum(step["missing"] for step in r["steps"])
                parts.append(f"{r['terminated']} listener connections terminated"
                             f"{', postgres restarted' if r['postgresRestarted'] else ''}: {missing} notifications missing, "
                             f"missed {r['missed']}")
            else:
                parts.append(f"failover {r['failoverSeconds']} s ({r['retried']} retried, {r['replayed']} replayed, "
                             f"lost {r['lost'] + r['changed']}, duplicates {r['duplicates']})")
        print(f"multi-instance ({mode}): " + "; ".join(parts) + f": {'PASS' if ok else 'FAIL'}")
        return 0 if ok else 1
    finally:
        if postgres:
            postgres.stop()


if __name__ == "__main__":
    sys.exit(main())

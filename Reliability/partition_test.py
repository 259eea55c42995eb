#!/usr/bin/env python3
"""Lost replies and partitions: client and galleyd in two network namespaces joined by a veth pair.

While 8 clients commit one-article changesets, each with its own id, the network misbehaves in
rounds: `ip route add blackhole CLIENT` on the server side drops the server's replies only (the
request arrives and commits, the answer never does), and `ip link set` down/up partitions both
ways. A client that gets no answer within 2 s reconnects and sends the same changeset (same id,
same content) again until it gets one. Checked afterwards through a fresh connection: every
changeset a client was told about is present exactly once with the seq it was told, no article
exists twice, seq is gapless, and some replies were really lost (retries answered `replayed`).

--control retries with a NEW changeset id, as a client without idempotency keys would: the test
must then find duplicated articles (exit 0 only when it does).

Needs root and network namespaces (`ip netns`); skips with a reason (exit 0) where they are missing.

  python3 Reliability/partition_test.py --seconds 20             # quick tier (CI)
  python3 Reliability/partition_test.py --seconds 120            # full tier
  python3 Reliability/partition_test.py --seconds 20 --control
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from galley_harness import Connection, RpcError, all_changesets, galleyd_binary  # noqa: E402

SERVER_ADDRESS = "10.231.7.1"
CLIENT_ADDRESS = "10.231.7.2"
PORT = 7420


def sh(*command, check=True):
    return subprocess.run(list(command), capture_output=True, text=True, check=check)


def netns_available():
    if os.geteuid() != 0:
        return "not root"
    name = f"galley-probe-{os.getpid()}"
    probe = sh("ip", "netns", "add", name, check=False)
    if probe.returncode != 0:
        return f"ip netns add failed: {probe.stderr.strip()}"
    sh("ip", "netns", "del", name, check=False)
    return None


class Network:
    """Two namespaces joined by a veth pair."""

    def __init__(self):
        suffix = uuid.uuid4().hex[:6]
        self.server_ns, self.client_ns = f"gsrv-{suffix}", f"gcli-{suffix}"
        self.server_link, self.client_link = f"vs{suffix}", f"vc{suffix}"
        sh("ip", "netns", "add", self.server_ns)
        sh("ip", "netns", "add", self.client_ns)
        sh("ip", "link", "add", self.server_link, "type", "veth", "peer", "name", self.client_link)
        sh("ip", "link", "set", self.server_link, "netns", self.server_ns)
        sh("ip", "link", "set", self.client_link, "netns", self.client_ns)
        for ns, link, address in ((self.server_ns, self.server_link, SERVER_ADDRESS), (self.client_ns, self.client_link, CLIENT_ADDRESS)):
            sh("ip", "-n", ns, "addr", "add", f"{address}/24", "dev", link)
            sh("ip", "-n", ns, "link", "set", link, "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")

    def drop_replies(self, on):
        verb = "add" if on else "del"
        sh("ip", "-n", self.server_ns, "route", verb, "blackhole", f"{CLIENT_ADDRESS}/32", check=False)

    def partition(self, on):
        sh("ip", "-n", self.client_ns, "link", "set", self.client_link, "down" if on else "up", check=False)

    def close(self):
        sh("ip", "netns", "del", self.server_ns, check=False)
        sh("ip", "netns", "del", self.client_ns, check=False)


def start_server(network, data_dir):
    help_text = sh(str(galleyd_binary()), "serve", "--help", check=False).stdout
    extra = ["--insecure-plaintext"] if "--insecure-plaintext" in help_text else []
    process = subprocess.Popen(
        ["ip", "netns", "exec", network.server_ns, str(galleyd_binary()), "serve",
         "--listen", f"{SERVER_ADDRESS}:{PORT}", "--data", str(data_dir), *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if "listening" in line:
            threading.Thread(target=lambda: [None for _ in process.stderr], daemon=True).start()
            return process
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("galleyd did not start in its namespace")


CLIENT_SCRIPT = r"""
import json, sys, time, uuid
sys.path.insert(0, sys.argv[1])
from galley_harness import Connection, RpcError
token, seconds, control, index = sys.argv[2], float(sys.argv[3]), sys.argv[4] == "1", int(sys.argv[5])
deadline = time.monotonic() + seconds
conn, counter = None, 0
while time.monotonic() < deadline:
    counter += 1
    changeset_id, article_id = str(uuid.uuid4()), str(uuid.uuid4())
    ops = [{"op": "create", "type": "article", "id": article_id, "data": {"headline": f"Client {index} story {counter}"}}]
    attempts = 0
    while time.monotonic() < deadline + 60:
        attempts += 1
        try:
            if conn is None:
                conn = Connection(%d, token, timeout=2.0, host="%s")
            result = conn.call("changeset.commit", id=changeset_id, message="partition test", ops=ops)
            print(json.dumps({"id": changeset_id, "article": article_id, "seq": result["seq"],
                              "replayed": bool(result.get("replayed")), "attempts": attempts}), flush=True)
            break
        except (OSError, ConnectionError, ValueError):
            if conn is not None:
                conn.close()
            conn = None
            if control:
                # The mistake the control makes: the retry is a new changeset creating the story
                # again (new ids), as a client without idempotency keys would send.
                changeset_id, article_id = str(uuid.uuid4()), str(uuid.uuid4())
                # (A new headline too: the same one would derive the same slug, which the server
                # keeps unique, and refuse the duplicate on its own.)
                ops = [{"op": "create", "type": "article", "id": article_id,
                        "data": {"headline": f"Client {index} story {counter} try {attempts + 1}"}}]
            time.sleep(0.2)
""" % (PORT, SERVER_ADDRESS)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--control", action="store_true")
    args = parser.parse_args()
    reason = netns_available()
    if reason:
        print(json.dumps({"test": "partition", "skipped": reason}))
        return 0
    network = Network()
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="galley-partition-") as directory:
            data = Path(directory) / "data"
            server = start_server(network, data)
            token = (data / "admin.token").read_text().strip()
            clients = [
                subprocess.Popen(
                    ["ip", "netns", "exec", network.client_ns, sys.executable, "-c", CLIENT_SCRIPT,
                     str(Path(__file__).resolve().parent), token, str(args.seconds), "1" if args.control else "0", str(index)],
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                )
                for index in range(args.clients)
            ]
            outputs = [None] * len(clients)

            def collect(index):
                outputs[index] = clients[index].stdout.read()

            readers = [threading.Thread(target=collect, args=(index,)) for index in range(len(clients))]
            for reader in readers:
                reader.start()
            rng = random.Random(7)
            rounds = {"dropReplies": 0, "partition": 0}
            end = time.monotonic() + args.seconds
            while time.monotonic() < end - 2:
                time.sleep(rng.uniform(0.5, 1.5))
                kind = ["dropReplies", "partition"][sum(rounds.values()) % 2]
                rounds[kind] += 1
                (network.drop_replies if kind == "dropReplies" else network.partition)(True)
                time.sleep(rng.uniform(0.5, 2.5))
                (network.drop_replies if kind == "dropReplies" else network.partition)(False)
            for client in clients:
                client.wait(timeout=args.seconds + 120)
            for reader in readers:
                reader.join()
            told = [json.loads(line) for output in outputs for line in (output or "").splitlines() if line.strip()]
            check = subprocess.run(
                ["ip", "netns", "exec", network.client_ns, sys.executable, "-c",
                 "import json,sys; sys.path.insert(0, sys.argv[1]);"
                 "from galley_harness import Connection, all_changesets;"
                 f"c = Connection({PORT}, sys.argv[2], host='{SERVER_ADDRESS}', timeout=30);"
                 "cs = all_changesets(c); arts = [];"
                 "cur = None\n"
                 "while True:\n"
                 "    p = c.call('article.list', limit=500, **({'cursor': cur} if cur else {}))\n"
                 "    arts += [a['headline'] for a in p['items']]; cur = p.get('nextCursor')\n"
                 "    if not cur: break\n"
                 "print(json.dumps({'changesets': {str(k): v['id'] for k, v in cs.items()}, 'headlines': arts}))",
                 str(Path(__file__).resolve().parent), token],
                capture_output=True, text=True, timeout=120,
            )
            state = json.loads(check.stdout)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        network.close()
    by_seq = {int(seq): changeset_id for seq, changeset_id in state["changesets"].items()}
    missing = [t for t in told if by_seq.get(t["seq"]) != t["id"]]
    head = max(by_seq) if by_seq else 0
    gaps = [seq for seq in range(1, head + 1) if seq not in by_seq]
    stories = [" ".join(headline.split()[:4]) for headline in state["headlines"]]
    duplicated = len(stories) - len(set(stories))
    summary = {
        "test": "partition", "control": args.control, "seconds": args.seconds, "clients": args.clients,
        "rounds": rounds, "acknowledged": len(told), "retried": sum(1 for t in told if t["attempts"] > 1),
        "answeredReplayed": sum(1 for t in told if t["replayed"]), "missingOrWrongSeq": len(missing),
        "duplicatedArticles": duplicated, "seqGaps": len(gaps), "head": head,
    }
    print(json.dumps(summary), flush=True)
    if args.control:
        return 0 if duplicated > 0 else 1
    ok = not missing and not gaps and duplicated == 0 and summary["answeredReplayed"] > 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Sync clients under faults, Jepsen-style: replicas made with `galley clone` edit offline and
push, pull and sync with real `galley` processes (and now and then create an article offline,
which the others pick up and edit), a direct writer commits over JSON-RPC, and a
nemesis kills clients (-9, mid push/pull/sync), stops and continues them (SIGSTOP/SIGCONT),
partitions them from the server, and kills the server (-9) and restarts it on the same data
directory and port. Every edit, push, pull, sync, conflict resolution and read is recorded; at
the end everything is healed, the replicas sync until every outbox is empty (conflicts resolved
with --mine), and the history is checked against the server's changesets:

  lost edits       every edit's value is in a server changeset, unless the same client later
                   resolved a conflict on that field with --theirs, or edited the field again
                   and then resolved it (--mine keeps only the newest local value); every edit
                   whose changeset left the outbox through a push/pull/sync is on the server
  applied twice    no changeset id twice; no edit's value in two server changesets
  atomic           an edit's changeset on the server sets exactly the edit's fields and values
                   (less fields stripped by a resolved conflict of that client)
  read-your-writes after a client's changeset was acknowledged, its reads of that article show
                   the value or one written later (a later seq, or a later local edit)
  monotonic reads  a replica's consistent-at changeset and each article's version never go back
  convergence      every replica's articles (version and fields) equal the server's
  stuck outbox     every outbox empty and every conflict resolved within the bounded heal

Partitions: each replica talks to galleyd through its own TCP proxy in this process
(galley_harness.FaultProxy), which the nemesis cuts by resetting connections or by blackholing
them (bytes dropped both ways, replies lost after requests arrived) and heals again; it needs
neither root nor network namespaces. The direct writer talks to galleyd without a proxy.

--control is the positive control: between a kill -9 of a client and its next command, the
test deletes that replica's queued outbox changesets with sqlite3 (what a client losing its
queue on a crash would do); the checker must report lost edits (exit 0 only when it does).

Timing is not deterministic: --seed fixes the choices (articles, fields, faults, waits), not the
interleaving. A failing run keeps its directory (history.json, the replicas, the server data).

  python3 Reliability/sync_jepsen_test.py --seconds 120                 # quick tier (CI)
  python3 Reliability/sync_jepsen_test.py --runs 20 --seconds 300       # full tier
  python3 Reliability/sync_jepsen_test.py --seconds 30 --control        # positive control
"""

import argparse
import json
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from galley_harness import (  # noqa: E402
    Connection, FaultProxy, RpcError, Server, all_changesets, free_port, galley_binary,
)

FIELDS = ("headline", "subheadline", "tags")
SERVER_KEYS = {"id", "version", "seq", "createdAt", "updatedAt", "createdBy", "updatedBy"}
COMMAND_TIMEOUT = 30.0


def key(value):
    return json.dumps(value, sort_keys=True)


class History:
    """Every event of a run, in the order it was recorded, with times relative to the start."""

    def __init__(self):
        self.started = time.monotonic()
        self.events = []
        self.lock = threading.Lock()

    def now(self):
        return round(time.monotonic() - self.started, 4)

    def add(self, **event):
        with self.lock:
            event.setdefault("t", self.now())
            self.events.append(event)
        return event

    def of(self, kind):
        with self.lock:
            return [e for e in self.events if e["kind"] == kind]


class ServerBox:
    """The current galleyd (the nemesis replaces it) on a fixed port."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.port = free_port()
        self.server = None
        self.start()
        self.token = self.server.token

    def start(self):
        last = None
        for _ in range(40):
            try:
                self.server = Server(self.data_dir, port=self.port)
                return self.server.ready_seconds
            except RuntimeError as error:  # the port may linger for a moment after a kill
                last = error
                time.sleep(0.25)
        raise RuntimeError(f"galleyd did not restart on port {self.port}: {last}")

    def kill9(self):
        self.server.kill9()

    def stop(self):
        if self.server and self.server.process.poll() is None:
            try:
                self.server.stop()
            except subprocess.TimeoutExpired:
                self.server.kill9()


class Client:
    """One replica directory and the `galley` processes that drive it, one at a time."""

    def __init__(self, index, directory, proxy, history, rng, articles):
        self.index = index
        self.directory = directory
        self.proxy = proxy
        self.history = history
        self.rng = rng
        self.articles = list(articles)  # grows with the articles this client creates or pulls
        self.counter = 0
        self.resolutions = 0
        self.current = None          # (Popen, kind) of the running command
        self.current_lock = threading.Lock()
        self.gate = threading.Lock()  # held for one action; the control takes it between actions
        self.outbox = set()
        self.closed = False
        self.edited = {}  # changeset id -> article, for reading back what a push acknowledged

    # -- running galley

    def galley(self, kind, *args, timeout=COMMAND_TIMEOUT):
        command = [str(galley_binary()), *args]
        with self.current_lock:
            if self.closed:  # the run is being torn down: start nothing new
                return -1, "", "closed", False
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                       stdin=subprocess.DEVNULL)
            self.current = (process, kind)
        timed_out = False
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            process.kill()
            out, err = process.communicate()
        finally:
            with self.current_lock:
                self.current = None
        return process.returncode, out, err, timed_out

    def in_doubt(self):
        """How many outbox changesets a failed push left in doubt (sent, no answer recorded): the
        lost-reply case the next push or pull must settle with `changeset.get`. A read-only look."""
        try:
            database = sqlite3.connect(f"file:{self.directory / '.galley' / 'replica.sqlite'}?mode=ro", uri=True, timeout=5)
            try:
                return database.execute("SELECT count(*) FROM outbox_changeset WHERE sent = 1").fetchone()[0]
            finally:
                database.close()
        except sqlite3.Error:
            return 0

    def replica_args(self):
        return ["--replica", str(self.directory)]

    def list_outbox(self, after_kind, t1):
        """Records which changesets left the outbox during the command that just ended."""
        rc, out, err, _ = self.galley("list", "changeset", "list", "--json", *self.replica_args())
        if rc != 0:
            return
        try:
            now = {item["id"] for item in json.loads(out)}
        except (ValueError, KeyError, TypeError):
            return
        gone = sorted(self.outbox - now)
        if gone:
            how = "resolved" if after_kind == "resolve" else "acknowledged"
            self.history.add(kind="left_outbox", client=self.index, ids=gone, how=how, by=after_kind, t=t1)
        self.outbox = now
        return gone

    # -- actions

    def edit(self):
        article = self.rng.choice(self.articles)
        fields = self.rng.sample(FIELDS, self.rng.choice([1, 1, 2, 3]))
        self.counter += 1
        tag = f"c{self.index}e{self.counter}"
        values, args = {}, []
        for field in fields:
            if field == "tags":
                values[field] = [tag]
                args += ["--tag", tag]
            else:
                values[field] = f"{tag} {field}"
                args.append(f"{field}={values[field]}")
        t0 = self.history.now()
        rc, out, err, timed_out = self.galley("edit", "article", "set", article, *args, "-m", f"jepsen {tag}", "--json",
                                              *self.replica_args())
        t1 = self.history.now()
        changeset = None
        if rc == 0:
            try:
                changeset = json.loads(out)["changeset"]["id"]
            except (ValueError, KeyError, TypeError):
                pass
        self.history.add(kind="edit", client=self.index, edit=tag, article=article, fields=values, changeset=changeset,
                         rc=rc, ok=rc == 0 and changeset is not None, indeterminate=timed_out or rc < 0,
                         error=err.strip()[-300:] if rc != 0 else None, t0=t0, t=t1)
        if changeset:
            self.outbox.add(changeset)
            self.edited[changeset] = article

    def create(self):
        """A new article, created offline with a headline and tags unique to this edit."""
        self.counter += 1
        tag = f"c{self.index}e{self.counter}"
        values = {"headline": f"{tag} headline", "tags": [tag]}
        t0 = self.history.now()
        rc, out, err, timed_out = self.galley("edit", "article", "new", "--headline", values["headline"], "--section", "world",
                                              "--tag", tag, "-m", f"jepsen {tag}", "--json", *self.replica_args())
        t1 = self.history.now()
        changeset = article = None
        if rc == 0:
            try:
                reply = json.loads(out)
                changeset, article = reply["changeset"]["id"], reply["entity"]["id"]
            except (ValueError, KeyError, TypeError):
                pass
        ok = rc == 0 and changeset is not None and article is not None
        self.history.add(kind="edit", client=self.index, edit=tag, article=article, fields=values, changeset=changeset,
                         create=True, rc=rc, ok=ok, indeterminate=timed_out or rc < 0,
                         error=err.strip()[-300:] if rc != 0 else None, t0=t0, t=t1)
        if ok:
            self.outbox.add(changeset)
            self.edited[changeset] = article
            self.articles.append(article)

    def learn_articles(self):
        """Picks up the articles others created, from the local copy."""
        rc, out, err, _ = self.galley("list", "article", "list", "--ids", "--all", *self.replica_args())
        if rc == 0:
            known = set(self.articles)
            self.articles += [line.strip() for line in out.splitlines() if line.strip() and line.strip() not in known]

    def exchange(self, kind, policy="random"):
        """push, pull or sync; resolves the conflicts it reports (during the run randomly with
        --mine or --theirs, as editors would; when healing with `policy`)."""
        t0 = self.history.now()
        rc, out, err, timed_out = self.galley(kind, kind, *self.replica_args())
        t1 = self.history.now()
        killed = (rc == -signal.SIGKILL) and not timed_out
        summary = out.strip().splitlines()
        self.history.add(kind=kind, client=self.index, rc=rc, killed=killed, timedOut=timed_out, t0=t0, t=t1,
                         out=" | ".join(summary[-3:])[-400:], err=err.strip()[-300:] if rc not in (0, 4) else None,
                         inDoubt=self.in_doubt() if rc not in (0, 4) else 0)
        gone = self.list_outbox(kind, t1) or []
        # Read-your-writes: read back (up to two of) the articles whose edits were just acknowledged.
        for article in sorted({self.edited[c] for c in gone if c in self.edited})[:2]:
            self.read(article)
        if rc == 4:
            self.resolve_all(policy)
        if rc in (0, 4) and kind != "push" and self.rng.random() < 0.3:
            self.learn_articles()
        return rc

    def resolve_all(self, policy):
        rc, out, err, _ = self.galley("conflicts", "conflicts", "--json", *self.replica_args())
        if rc != 0:
            return
        try:
            conflicts = json.loads(out)
        except ValueError:
            return
        for conflict in conflicts:
            choice = "mine" if policy == "mine" else self.rng.choice(["mine", "theirs"])
            self.resolutions += 1
            t0 = self.history.now()
            rc, out, err, _ = self.galley("resolve", "resolve", str(conflict["id"]), f"--{choice}",
                                          "-m", f"jepsen resolve c{self.index} r{self.resolutions} {choice}",
                                          *self.replica_args())
            t1 = self.history.now()
            self.history.add(kind="resolve", client=self.index, article=conflict["entityId"], field=conflict["field"],
                             choice=choice, mine=conflict.get("mine"), theirs=conflict.get("theirs"),
                             changeset=conflict.get("changesetId"), rc=rc, t0=t0, t=t1,
                             error=err.strip()[-300:] if rc != 0 else None)
            self.list_outbox("resolve", t1)

    def read(self, article=None):
        article = article or self.rng.choice(self.articles)
        t0 = self.history.now()
        rc, out, err, _ = self.galley("read", "article", "show", article, "--json", *self.replica_args())
        t1 = self.history.now()
        if rc == 0:
            try:
                entity = json.loads(out)
                self.history.add(kind="read", client=self.index, article=article, version=entity.get("version"),
                                 fields={f: entity.get(f) for f in FIELDS}, t0=t0, t=t1)
            except ValueError:
                pass
        self.status(record=True)

    def status(self, record=False):
        rc, out, err, _ = self.galley("status", "status", *self.replica_args())
        if rc != 0:
            return None
        found = {}
        for name, pattern in (("consistentAt", r"consistent\s+at changeset (\d+)"), ("serverHead", r"server head (\d+)"),
                              ("pending", r"pending\s+(\d+) changeset"), ("conflicts", r"conflicts\s+(\d+) open")):
            match = re.search(pattern, out)
            found[name] = int(match.group(1)) if match else None
        if record:
            self.history.add(kind="status", client=self.index, **found)
        return found

    def run(self, stop):
        while not stop.is_set():
            with self.gate:
                if stop.is_set():
                    break
                roll = self.rng.random()
                if roll < 0.03:
                    self.create()
                elif roll < 0.40:
                    self.edit()
                elif roll < 0.58:
                    self.exchange("push")
                elif roll < 0.72:
                    self.exchange("pull")
                elif roll < 0.86:
                    self.exchange("sync")
                else:
                    self.read()
            time.sleep(self.rng.uniform(0, 0.2))

    def signal_current(self, sig, kinds=None):
        with self.current_lock:
            if self.current is None:
                return None
            process, kind = self.current
            if kinds and kind not in kinds:
                return None
            try:
                process.send_signal(sig)
            except OSError:
                return None
            return process, kind


def direct_writer(box, history, rng, articles, stop):
    """Commits one- to three-field updates over JSON-RPC, each with its own changeset id, based on
    the version just read; retries a lost answer with the same id and content."""
    conn = None
    counter = 0
    while not stop.is_set():
        time.sleep(rng.uniform(0.2, 1.0))
        counter += 1
        tag = f"w{counter}"
        article = rng.choice(articles)
        fields = rng.sample(FIELDS, rng.choice([1, 2, 3]))
        values = {f: ([tag] if f == "tags" else f"{tag} {f}") for f in fields}
        changeset_id = str(uuid.uuid4())
        ops = None
        t0 = history.now()
        deadline = time.monotonic() + 30
        outcome = None
        while time.monotonic() < deadline and outcome is None:
            try:
                if conn is None:
                    conn = Connection(box.port, box.token, timeout=5.0)
                if ops is None:
                    version = conn.call("article.get", id=article)["version"]
                    ops = [{"op": "update", "type": "article", "id": article, "baseVersion": version, "set": values}]
                result = conn.call("changeset.commit", id=changeset_id, message=f"jepsen {tag}", ops=ops)
                outcome = {"ok": True, "seq": result["seq"], "replayed": bool(result.get("replayed"))}
            except RpcError as error:
                outcome = {"ok": False, "code": error.code}
            except (OSError, ConnectionError, ValueError):
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.2)
        history.add(kind="write", edit=tag, article=article, fields=values, changeset=changeset_id, t0=t0,
                    ok=bool(outcome and outcome["ok"]), seq=(outcome or {}).get("seq"),
                    replayed=(outcome or {}).get("replayed"), code=(outcome or {}).get("code"),
                    indeterminate=outcome is None)
    if conn is not None:
        conn.close()


class Nemesis:
    def __init__(self, box, clients, proxies, history, rng, control):
        self.box = box
        self.clients = clients
        self.proxies = proxies
        self.history = history
        self.rng = rng
        self.control = control
        self.counts = {"killClient": 0, "stopClient": 0, "killServer": 0, "partition": 0, "loseReplies": 0, "controlDeleted": 0}
        self.stopped = []

    def run(self, stop, end):
        started = time.monotonic()
        controls_done = 0
        while not stop.is_set() and time.monotonic() < end - 3:
            time.sleep(self.rng.uniform(0.5, 2.5))
            if self.control and controls_done < 3 and time.monotonic() > started + (controls_done + 1) * (end - started) / 5:
                if self.delete_outbox():
                    controls_done += 1
                continue
            fault = self.rng.choice(["killClient", "killClient", "stopClient", "killServer", "partition", "partition"])
            getattr(self, fault)()

    def killClient(self):
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            client = self.rng.choice(self.clients)
            hit = client.signal_current(signal.SIGKILL, kinds={"push", "pull", "sync"})
            if hit:
                self.counts["killClient"] += 1
                self.history.add(kind="nemesis", fault="killClient", client=client.index, during=hit[1])
                return
            time.sleep(0.02)

    def stopClient(self):
        client = self.rng.choice(self.clients)
        hit = client.signal_current(signal.SIGSTOP)
        if not hit:
            return
        self.stopped.append(hit[0])
        self.counts["stopClient"] += 1
        pause = self.rng.uniform(0.5, 4)
        self.history.add(kind="nemesis", fault="stopClient", client=client.index, during=hit[1], seconds=round(pause, 2))
        time.sleep(pause)
        try:
            hit[0].send_signal(signal.SIGCONT)
        except OSError:
            pass

    def killServer(self):
        down = self.rng.uniform(0.2, 2)
        self.box.kill9()
        self.history.add(kind="nemesis", fault="killServer", seconds=round(down, 2))
        time.sleep(down)
        ready = self.box.start()
        self.counts["killServer"] += 1
        self.history.add(kind="nemesis", fault="restartServer", readySeconds=round(ready, 3))

    def partition(self):
        how = self.rng.choice(["reset", "blackhole", "lose_replies"])
        victims = self.rng.sample(range(len(self.proxies)), self.rng.choice([1, 1, 2, len(self.proxies)]))
        seconds = self.rng.uniform(1, 6)
        for index in victims:
            self.proxies[index].cut(how)
        self.counts["loseReplies" if how == "lose_replies" else "partition"] += 1
        self.history.add(kind="nemesis", fault="partition", how=how, clients=victims, seconds=round(seconds, 2))
        time.sleep(seconds)
        for index in victims:
            self.proxies[index].heal()

    def delete_outbox(self):
        """The control's fault: a client whose queue does not survive its crash."""
        for client in self.rng.sample(self.clients, len(self.clients)):
            if not client.outbox:
                continue
            client.signal_current(signal.SIGKILL)
            with client.gate:
                database = sqlite3.connect(str(client.directory / ".galley" / "replica.sqlite"), timeout=30)
                try:
                    database.execute("PRAGMA foreign_keys = ON")
                    ids = [row[0] for row in database.execute("SELECT id FROM outbox_changeset WHERE sent = 0")]
                    database.execute("DELETE FROM outbox_changeset WHERE sent = 0")
                    database.commit()
                finally:
                    database.close()
            if ids:
                self.counts["controlDeleted"] += len(ids)
                self.history.add(kind="control", client=client.index, deleted=ids)
                return True
        return False

    def release(self):
        for process in self.stopped:
            try:
                process.send_signal(signal.SIGCONT)
            except OSError:
                pass


def heal(box, clients, history, max_rounds):
    """Syncs every replica, resolving conflicts with --mine, until every outbox is empty, nothing
    is in conflict and every replica is at the server's head. Returns (rounds, stuck details)."""
    for round_number in range(1, max_rounds + 1):
        for client in clients:
            if client.exchange("sync", policy="mine") == 4:
                client.exchange("sync", policy="mine")
        conn = Connection(box.port, box.token, timeout=30)
        head = conn.call("server.info")["head"]
        states = [client.status() for client in clients]
        head_after = conn.call("server.info")["head"]
        conn.close()
        settled = head == head_after and all(
            s and s["pending"] == 0 and s["conflicts"] == 0 and s["consistentAt"] == head for s in states
        )
        history.add(kind="heal", round=round_number, head=head, states=states)
        if settled:
            return round_number, []
    stuck = [{"client": c.index, **(s or {})} for c, s in zip(clients, states)
             if not s or s["pending"] or s["conflicts"] or s["consistentAt"] != head]
    return max_rounds, stuck


def export_articles(args):
    rc, out, err, _ = run_galley("export", *args)
    if rc != 0:
        raise RuntimeError(f"galley export {' '.join(args)} failed: {err}")
    articles = {}
    for line in out.splitlines():
        item = json.loads(line)
        if item.get("type") == "article":
            data = {k: v for k, v in item["data"].items() if k not in SERVER_KEYS}
            articles[item["id"]] = {"version": item["version"], "data": data}
    return articles


def run_galley(*args, timeout=120):
    process = subprocess.run([str(galley_binary()), *args], capture_output=True, text=True, timeout=timeout)
    return process.returncode, process.stdout, process.stderr, False


def check(history, changesets, server_articles, replica_articles, final_outboxes, stuck):
    """Judges the history against the server's changesets. Returns (stats, counts, examples): what was
    checked, how many violations of each property, and up to five examples of each."""
    problems = {name: [] for name in ("lost", "appliedTwice", "notAtomic", "readYourWrites", "monotonicReads",
                                      "divergent", "stuckOutbox")}
    by_id = {}
    for seq, item in changesets.items():
        if item["id"] in by_id:
            problems["appliedTwice"].append({"changeset": item["id"], "seqs": [by_id[item["id"]]["seq"], seq]})
        by_id[item["id"]] = item
    # Where each (article, field, value) was set on the server.
    sets = {}
    for seq, item in changesets.items():
        for op in item.get("ops", []):
            for field, value in (op.get("set") or op.get("data") or {}).items():
                if field in FIELDS and op.get("id"):
                    sets.setdefault((op["id"], field, key(value)), []).append(seq)

    edits = [e for e in history.of("edit") if e["ok"]]
    writes = [w for w in history.of("write") if w["ok"]]
    resolves = [r for r in history.of("resolve") if r["rc"] == 0]
    acknowledged = {}
    resolved_away = set()
    for event in history.of("left_outbox"):
        for changeset in event["ids"]:
            if event["how"] == "acknowledged":
                acknowledged.setdefault(changeset, event["t"])
            else:
                resolved_away.add(changeset)
    edits_at = {}
    for e in edits:
        for field in e["fields"]:
            edits_at.setdefault((e["client"], e["article"], field), []).append(e)
    resolves_at = {}
    for r in resolves:
        resolves_at.setdefault((r["client"], r["article"], r["field"]), []).append(r)
    pending_at_end = set().union(*final_outboxes) if final_outboxes else set()

    def written(e, op):
        """The fields `op` wrote for edit `e`: an update's `set`; a create's data, less the
        fields the create did not name (defaults such as an empty `bylines`)."""
        if op.get("op") == "create":
            data = op.get("data") or {}
            return {f: data[f] for f in e["fields"] if f in data}
        return op.get("set") or {}

    stats = {"editsWithOwnChangeset": 0, "valuesOnServer": 0, "valuesSuperseded": 0, "readsChecked": 0}

    def superseded(e, field):
        for r in resolves_at.get((e["client"], e["article"], field), []):
            if r["t0"] < e["t"]:
                continue
            if r["choice"] == "theirs":
                return True
            if any(e["t"] < later["t0"] and later["t"] < r["t0"] for later in edits_at[(e["client"], e["article"], field)]):
                return True
        return False

    def conflicted_later(e, field):
        return any(r["t0"] > e["t"] for r in resolves_at.get((e["client"], e["article"], field), []))

    for e in edits:
        stored = by_id.get(e["changeset"])
        if stored is None:
            if e["changeset"] in pending_at_end:
                continue  # counted as a stuck outbox
            if e["changeset"] in acknowledged:
                problems["lost"].append({"edit": e["edit"], "changeset": e["changeset"], "why": "acknowledged, not on the server",
                                         "acknowledgedAt": acknowledged[e["changeset"]]})
                continue
            if e["changeset"] not in resolved_away or not all(conflicted_later(e, f) for f in e["fields"]):
                problems["lost"].append({"edit": e["edit"], "changeset": e["changeset"],
                                         "why": "left the outbox without reaching the server"})
                continue
        for field, value in e["fields"].items():
            if (e["article"], field, key(value)) in sets:
                stats["valuesOnServer"] += 1
            elif superseded(e, field):
                stats["valuesSuperseded"] += 1
            else:
                problems["lost"].append({"edit": e["edit"], "field": field, "value": value, "changeset": e["changeset"],
                                         "why": "value never on the server and not superseded"})
        if stored is None:
            continue
        stats["editsWithOwnChangeset"] += 1
        ops = [op for op in stored["ops"] if op.get("id") == e["article"]]
        expected_op = "create" if e.get("create") else "update"
        sent = written(e, ops[0]) if len(ops) == 1 and ops[0]["op"] == expected_op else None
        if sent is None or any(f not in e["fields"] or key(v) != key(e["fields"][f]) for f, v in sent.items()) or \
                any(f not in sent and not conflicted_later(e, f) for f in e["fields"]):
            problems["notAtomic"].append({"edit": e["edit"], "fields": e["fields"], "server": stored["ops"], "seq": stored["seq"]})
        for field, value in (sent or {}).items():
            seqs = sets.get((e["article"], field, key(value)), [])
            if len(seqs) > 1:
                problems["appliedTwice"].append({"edit": e["edit"], "field": field, "seqs": seqs})

    for w in writes:
        stored = by_id.get(w["changeset"])
        if stored is None or stored["seq"] != w["seq"] or stored["ops"][0].get("set") != w["fields"]:
            problems["lost"].append({"write": w["edit"], "changeset": w["changeset"], "seq": w["seq"],
                                     "why": "acknowledged direct write missing or changed"})

    # Read-your-writes.
    seq_of = {cid: item["seq"] for cid, item in by_id.items()}
    reads = history.of("read")
    for r in reads:
        for e in edits:
            if e["client"] != r["client"] or e["article"] != r["article"]:
                continue
            if acknowledged.get(e["changeset"], float("inf")) >= r["t0"] or e["changeset"] not in by_id:
                continue
            stats["readsChecked"] += 1
            stored = by_id[e["changeset"]]
            sent = next((written(e, op) for op in stored["ops"] if op.get("id") == e["article"]), {})
            for field, value in sent.items():
                seen = r["fields"].get(field)
                if key(seen) == key(value):
                    continue
                if max(sets.get((e["article"], field, key(seen)), [0])) > seq_of[e["changeset"]]:
                    continue
                if any(key(later["fields"][field]) == key(seen) and later["t0"] > e["t0"]
                       for later in edits_at.get((r["client"], r["article"], field), [])):
                    continue
                problems["readYourWrites"].append({"client": r["client"], "readAt": r["t0"], "article": r["article"],
                                                   "field": field, "seen": seen, "expectedAtLeast": value,
                                                   "edit": e["edit"], "seq": seq_of[e["changeset"]]})

    # Monotonic reads: the consistent-at changeset of each replica and each article's version.
    last_consistent, last_version = {}, {}
    for event in sorted(history.of("status") + reads, key=lambda e: e["t"]):
        if event["kind"] == "status" and event.get("consistentAt") is not None:
            before = last_consistent.get(event["client"], 0)
            if event["consistentAt"] < before:
                problems["monotonicReads"].append({"client": event["client"], "t": event["t"], "consistentAt": event["consistentAt"],
                                                   "before": before})
            last_consistent[event["client"]] = max(before, event["consistentAt"])
        elif event["kind"] == "read" and event.get("version") is not None:
            slot = (event["client"], event["article"])
            before = last_version.get(slot, 0)
            if event["version"] < before:
                problems["monotonicReads"].append({"client": event["client"], "t": event["t"], "article": event["article"],
                                                   "version": event["version"], "before": before})
            last_version[slot] = max(before, event["version"])

    for index, articles in enumerate(replica_articles):
        for article_id in set(articles) | set(server_articles):
            if articles.get(article_id) != server_articles.get(article_id):
                problems["divergent"].append({"client": index, "article": article_id, "replica": articles.get(article_id),
                                              "server": server_articles.get(article_id)})
    problems["stuckOutbox"] = stuck
    return stats, {name: len(found) for name, found in problems.items()}, {name: found[:5] for name, found in problems.items() if found}


def pushed_counts(exchanges):
    """What the pushes said they did (push and sync print one line)."""
    totals = {"pushedApplied": 0, "pushedReplayed": 0, "pushConflicts": 0, "pushRefused": 0}
    for event in exchanges:
        match = re.search(r"Pushed: (\d+) applied, (\d+) already applied, (\d+) conflict\(s\), (\d+) refused", event["out"])
        if match:
            for name, value in zip(totals, match.groups()):
                totals[name] += int(value)
    return totals


def self_test():
    """Feeds the checker small made-up histories, each breaking one property, and returns the
    properties it failed to flag (empty: every check can fail)."""
    a, cs1, cs2 = "article-1", "cs-1", "cs-2"

    def base():
        history = History()
        history.add(kind="edit", client=0, edit="c0e1", article=a, fields={"headline": "v1", "tags": ["v1"]},
                    changeset=cs1, rc=0, ok=True, indeterminate=False, t0=1.0, t=1.1)
        history.add(kind="left_outbox", client=0, ids=[cs1], how="acknowledged", by="push", t=2.0)
        history.add(kind="read", client=0, article=a, version=2, fields={"headline": "v1", "subheadline": None, "tags": ["v1"]},
                    t0=2.5, t=2.6)
        history.add(kind="status", client=0, consistentAt=2, serverHead=2, pending=0, conflicts=0, t=2.7)
        changesets = {1: {"seq": 1, "id": "setup", "ops": [{"op": "create", "id": a, "data": {"headline": "v0"}}]},
                      2: {"seq": 2, "id": cs1, "ops": [{"op": "update", "id": a, "set": {"headline": "v1", "tags": ["v1"]}}]}}
        article = {a: {"version": 2, "data": {"headline": "v1", "tags": ["v1"]}}}
        return history, changesets, article

    missed = []
    cases = {
        "lost": lambda h, c, art: c.pop(2),
        "appliedTwice": lambda h, c, art: c.update({3: {"seq": 3, "id": cs1, "ops": c[2]["ops"]}}),
        "notAtomic": lambda h, c, art: c.update({2: {"seq": 2, "id": cs1, "ops": [{"op": "update", "id": a, "set": {"headline": "v1"}}]},
                                                 3: {"seq": 3, "id": cs2, "ops": [{"op": "update", "id": a, "set": {"tags": ["v1"]}}]}}),
        "readYourWrites": lambda h, c, art: h.add(kind="read", client=0, article=a, version=2,
                                                  fields={"headline": "v0", "tags": ["v1"]}, t0=3.0, t=3.1),
        "monotonicReads": lambda h, c, art: h.add(kind="status", client=0, consistentAt=1, serverHead=2, pending=0,
                                                  conflicts=0, t=3.0),
        "divergent": lambda h, c, art: art.update({a: {"version": 2, "data": {"headline": "v0"}}}),
    }
    history, changesets, article = base()
    _, counts, _ = check(history, changesets, article, [article], [set()], [])
    if any(counts.values()):
        missed.append(f"clean history flagged: {counts}")
    for name, breaking in cases.items():
        history, changesets, article = base()
        replica = dict(article)
        breaking(history, changesets, replica)
        _, counts, _ = check(history, changesets, article, [replica], [set()], [])
        if not counts[name]:
            missed.append(name)
    _, counts, _ = check(*base(), [base()[2]], [set()], [{"client": 0, "pending": 1}])
    if not counts["stuckOutbox"]:
        missed.append("stuckOutbox")
    return missed


def one_run(number, args, seed):
    rng = random.Random(seed)
    directory = Path(tempfile.mkdtemp(prefix=f"galley-jepsen-{number}-"))
    history = History()
    box = ServerBox(directory / "data")
    proxies, clients, threads = [], [], []
    stop = threading.Event()
    nemesis = None
    passed = False
    try:
        token_file = directory / "data" / "admin.token"
        conn = Connection(box.port, box.token)
        articles = []
        for index in range(args.articles):
            result = conn.call("changeset.commit", id=str(uuid.uuid4()), message="jepsen setup", ops=[
                {"op": "create", "type": "article", "id": str(uuid.uuid4()),
                 "data": {"headline": f"Story {index}", "section": "world"}}])
            articles.append(result["results"][0]["id"])
        conn.close()
        for index in range(args.clients):
            proxy = FaultProxy(box.port)
            proxies.append(proxy)
            replica = directory / f"replica-{index}"
            rc, out, err, _ = run_galley("clone", f"127.0.0.1:{proxy.port}", str(replica), "--token-file", str(token_file))
            if rc != 0:
                raise RuntimeError(f"galley clone failed: {err}")
            clients.append(Client(index, replica, proxy, history, random.Random(rng.random()), articles))

        end = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client.run, args=(stop,), daemon=True) for client in clients]
        threads.append(threading.Thread(target=direct_writer, args=(box, history, random.Random(rng.random()), articles, stop),
                                        daemon=True))
        nemesis = Nemesis(box, clients, proxies, history, random.Random(rng.random()), args.control)
        nemesis_thread = threading.Thread(target=nemesis.run, args=(stop, end), daemon=True)
        for thread in threads + [nemesis_thread]:
            thread.start()
        while time.monotonic() < end:
            time.sleep(min(10, max(0.1, end - time.monotonic())))
            if time.monotonic() < end:
                print(f"  run {number}: {history.now():.0f} s, {len(history.of('edit'))} edits, "
                      f"{len(history.of('write'))} direct writes, faults {nemesis.counts}", flush=True)
        stop.set()
        nemesis_thread.join(timeout=60)
        for thread in threads:
            thread.join(timeout=COMMAND_TIMEOUT * 3)
        # Heal: every proxy forwards, every process runs, the server is up.
        nemesis.release()
        for proxy in proxies:
            proxy.heal()
        if box.server.process.poll() is not None:
            box.start()
        heal_started = time.monotonic()
        rounds, stuck = heal(box, clients, history, args.heal_rounds)
        heal_seconds = time.monotonic() - heal_started

        conn = Connection(box.port, box.token, timeout=30)
        changesets = all_changesets(conn)
        for seq in sorted(changesets):
            changesets[seq] = conn.call("changeset.get", seq=seq)
        conn.close()
        server_articles = export_articles(["--server", f"127.0.0.1:{box.port}", "--token-file", str(token_file)])
        replica_articles = [export_articles(["--replica", str(client.directory)]) for client in clients]
        final_outboxes = []
        for client in clients:
            rc, out, err, _ = run_galley("changeset", "list", "--json", "--replica", str(client.directory))
            final_outboxes.append({item["id"] for item in json.loads(out)} if rc == 0 else set())
        stats, counts, examples = check(history, changesets, server_articles, replica_articles, final_outboxes, stuck)

        exchanges = [e for e in history.events if e["kind"] in ("push", "pull", "sync")]
        outcome = {
            "run": number, "seed": seed, "seconds": args.seconds, "clients": args.clients,
            "edits": len([e for e in history.of("edit") if e["ok"]]),
            "directWrites": len([w for w in history.of("write") if w["ok"]]),
            "directConflicts": len([w for w in history.of("write") if not w["ok"] and not w["indeterminate"]]),
            "pushes": len(history.of("push")), "pulls": len(history.of("pull")), "syncs": len(history.of("sync")),
            "exchangesFailed": sum(1 for e in exchanges if e["rc"] not in (0, 4)),
            "resolved": len([r for r in history.of("resolve") if r["rc"] == 0]),
            "reads": len(history.of("read")),
            "killedMidExchange": sum(1 for e in exchanges if e["killed"]),
            "leftInDoubt": sum(e.get("inDoubt", 0) for e in exchanges), "serverChangesets": len(changesets),
            **pushed_counts(exchanges), **stats,
            "faults": nemesis.counts, "healRounds": rounds, "healSeconds": round(heal_seconds, 1),
            **counts,
        }
        failures = sum(counts.values())
        passed = failures > 0 if args.control else failures == 0
        if examples:
            outcome["examples"] = examples
        (directory / "history.json").write_text(json.dumps({"outcome": outcome, "events": history.events}, indent=1))
        if not passed or args.keep:
            outcome["kept"] = str(directory)
        return outcome
    finally:
        stop.set()
        if nemesis:
            nemesis.release()
        for client in clients:
            with client.current_lock:
                client.closed = True
            client.signal_current(signal.SIGCONT)
            client.signal_current(signal.SIGKILL)
        for proxy in proxies:
            proxy.close()
        box.stop()
        if passed and not args.keep:
            shutil.rmtree(directory, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120, help="length of the faulty phase of each run")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--clients", type=int, default=6, help="replicas (5 to 10)")
    parser.add_argument("--articles", type=int, default=16, help="articles everyone edits (few: conflicts happen)")
    parser.add_argument("--heal-rounds", type=int, default=20, help="bound on sync rounds after healing")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--control", action="store_true", help="positive control: drop queued outbox changesets at a kill")
    parser.add_argument("--keep", action="store_true", help="keep every run's directory, not only failing ones")
    parser.add_argument("--self-test", action="store_true", help="only check that every property of the checker can fail")
    args = parser.parse_args()
    # A SIGTERM (a CI timeout) unwinds like Ctrl-C, so every child process is killed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    missed = self_test()
    if missed:
        print(f"sync-jepsen: the checker does not catch: {', '.join(missed)}")
        return 1
    if args.self_test:
        print("sync-jepsen self-test: the checker flags a made-up violation of every property and passes a clean history")
        return 0
    if not 5 <= args.clients <= 10:
        parser.error("--clients must be 5 to 10")
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    started = time.monotonic()
    results = []
    for number in range(1, args.runs + 1):
        outcome = one_run(number, args, seed + number - 1)
        results.append(outcome)
        print(json.dumps(outcome), flush=True)
    names = ("lost", "appliedTwice", "notAtomic", "readYourWrites", "monotonicReads", "divergent", "stuckOutbox")
    totals = {name: sum(r[name] for r in results) for name in names}
    failing = sum(1 for r in results if any(r[name] for name in names))
    summary = {
        "test": "sync-jepsen", "control": args.control, "seed": seed, "runs": len(results), "seconds": args.seconds,
        "clients": args.clients, "edits": sum(r["edits"] for r in results),
        "directWrites": sum(r["directWrites"] for r in results), "serverChangesets": sum(r["serverChangesets"] for r in results),
        "faults": {k: sum(r["faults"][k] for r in results) for k in results[0]["faults"]},
        "runsFailing": failing, **totals, "durationSeconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(summary), flush=True)
    if args.control:
        caught = totals["lost"] > 0
        print(f"sync-jepsen control: {'caught' if caught else 'DID NOT catch'} lost edits "
              f"({totals['lost']} reported, {summary['faults']['controlDeleted']} queued changesets deleted) "
              f"in {failing}/{len(results)} runs")
        return 0 if caught else 1
    ok = failing == 0
    print(f"sync-jepsen: {len(results)} runs of {args.seconds:g} s, {summary['edits']} edits, "
          f"{summary['directWrites']} direct writes, faults {summary['faults']}; lost {totals['lost']}, "
          f"applied twice {totals['appliedTwice']}, not atomic {totals['notAtomic']}, read-your-writes "
          f"{totals['readYourWrites']}, monotonic reads {totals['monotonicReads']}, divergent {totals['divergent']}, "
          f"stuck outbox {totals['stuckOutbox']}: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Server process crashes: 32 writers commit changesets with their own ids, galleyd is killed
with SIGKILL at a random moment and restarted, and the client-side history is checked against
what the server kept: every acknowledged changeset present with the same content, no duplicates,
seq gapless, PRAGMA integrity_check ok; the recovery time is measured.

--control runs the positive control: a debug galleyd with GALLEY_TEST_ACK_BEFORE_COMMIT=1
answers before its transaction commits, and the test must catch lost acknowledged changesets
(exit 0 only when it does). Release builds ignore that switch.

  python3 Reliability/crash_test.py --trials 10          # quick tier (CI)
  python3 Reliability/crash_test.py --trials 100         # full tier
  python3 Reliability/crash_test.py --trials 10 --control
"""

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from galley_harness import Connection, RpcError, Server, all_changesets  # noqa: E402


def writer(port, token, index, stop, acknowledged, lock):
    try:
        conn = Connection(port, token, timeout=5.0)
    except OSError:
        return
    counter = 0
    while not stop.is_set():
        counter += 1
        changeset_id = str(uuid.uuid4())
        article_id = str(uuid.uuid4())
        headline = f"writer {index} story {counter} {changeset_id[:8]}"
        try:
            result = conn.call(
                "changeset.commit",
                id=changeset_id,
                message=f"crash test w{index} n{counter}",
                ops=[{"op": "create", "type": "article", "id": article_id, "data": {"headline": headline}}],
            )
        except (OSError, ConnectionError, ValueError, RpcError):
            break  # the server died mid-call: this changeset's fate is unknown, not acknowledged
        with lock:
            acknowledged.append({"id": changeset_id, "seq": result["seq"], "headline": headline})
    conn.close()


def trial(number, args, rng):
    data_dir = Path(tempfile.mkdtemp(prefix=f"galley-crash-{number}-"))
    env = {"GALLEY_TEST_ACK_BEFORE_COMMIT": "1"} if args.control else {}
    server = Server(data_dir, env=env)
    token = server.token
    stop = threading.Event()
    acknowledged = []
    lock = threading.Lock()
    threads = [
        threading.Thread(target=writer, args=(server.port, token, index, stop, acknowledged, lock), daemon=True)
        for index in range(args.writers)
    ]
    for thread in threads:
        thread.start()
    time.sleep(rng.uniform(args.min_delay, args.max_delay))
    server.kill9()
    stop.set()
    for thread in threads:
        thread.join(timeout=10)

    restarted = Server(data_dir)
    recovery = restarted.ready_seconds
    conn = Connection(restarted.port, token)
    kept = all_changesets(conn)
    head = conn.call("server.info")["head"]
    by_id = {}
    duplicates = 0
    for seq, item in kept.items():
        if item["id"] in by_id:
            duplicates += 1
        by_id[item["id"]] = seq
    lost = 0
    changed = 0
    for ack in acknowledged:
        seq = by_id.get(ack["id"])
        if seq is None:
            lost += 1
            continue
        if seq != ack["seq"]:
            changed += 1
            continue
        stored = conn.call("changeset.get", seq=seq)
        if stored["ops"][0]["data"]["headline"] != ack["headline"]:
            changed += 1
    gaps = 0 if sorted(kept) == list(range(1, head + 1)) else 1
    articles = 0
    cursor = None
    while True:
        params = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = conn.call("article.list", **params)
        articles += len(page["items"])
        cursor = page.get("nextCursor")
        if not cursor:
            break
    duplicates += max(0, articles - len(kept))
    conn.close()
    status = restarted.stop()
    database = sqlite3.connect(str(data_dir / "galley.sqlite"))
    integrity = database.execute("PRAGMA integrity_check").fetchone()[0]
    database.close()
    return {
        "trial": number,
        "acknowledged": len(acknowledged),
        "kept": len(kept),
        "lost": lost,
        "changed": changed,
        "duplicates": duplicates,
        "gaps": gaps,
        "integrity": integrity,
        "recoverySeconds": round(recovery, 3),
        "cleanStop": status == 0,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--min-delay", type=float, default=0.3)
    parser.add_argument("--max-delay", type=float, default=1.5)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--control", action="store_true", help="positive control: acknowledge before commit")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    results = []
    for number in range(1, args.trials + 1):
        outcome = trial(number, args, rng)
        results.append(outcome)
        print(json.dumps(outcome), flush=True)
    lost = sum(r["lost"] + r["changed"] for r in results)
    duplicates = sum(r["duplicates"] for r in results)
    gaps = sum(r["gaps"] for r in results)
    corrupt = sum(1 for r in results if r["integrity"] != "ok")
    acked = sum(r["acknowledged"] for r in results)
    recovery = statistics.median(r["recoverySeconds"] for r in results)
    summary = {
        "test": "crash",
        "control": args.control,
        "seed": seed,
        "trials": len(results),
        "acknowledged": acked,
        "lostOrChanged": lost,
        "duplicates": duplicates,
        "seqGaps": gaps,
        "integrityFailures": corrupt,
        "trialsWithLoss": sum(1 for r in results if r["lost"] + r["changed"] > 0),
        "medianRecoverySeconds": recovery,
    }
    print(json.dumps(summary), flush=True)
    if args.control:
        caught = summary["trialsWithLoss"] > 0
        print(f"control: {'caught' if caught else 'DID NOT catch'} lost acknowledged changesets "
              f"in {summary['trialsWithLoss']}/{len(results)} trials")
        return 0 if caught else 1
    ok = lost == 0 and duplicates == 0 and gaps == 0 and corrupt == 0
    print(f"crash: {len(results)} trials, {acked} acknowledged, lost {lost}, duplicates {duplicates}, "
          f"gaps {gaps}, integrity failures {corrupt}, median recovery {recovery:.3f} s: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

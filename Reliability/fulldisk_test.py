#!/usr/bin/env python3
"""A real full filesystem: galleyd's data directory on a small tmpfs (as root).

4 writers commit one-article changesets (with their own ids) until the filesystem is full and
galleyd answers `-32603` with `data.kind = "storage_failure"`; then the tmpfs is grown
(`mount -o remount,size=...`: space returns) and the same writers must commit again without a
restart. Checked at the end, after a clean stop and a restart: every acknowledged changeset is
present with its seq, nothing refused is present, seq is gapless, `galleyd check` is clean.

Needs root and tmpfs mounts; skips with a reason (exit 0) where they are missing.

  python3 Reliability/fulldisk_test.py
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from galley_harness import Connection, RpcError, Server, all_changesets, galleyd_binary  # noqa: E402


def main():
    if os.geteuid() != 0:
        print(json.dumps({"test": "fulldisk", "skipped": "not root"}))
        return 0
    mount_point = Path(tempfile.mkdtemp(prefix="galley-fulldisk-"))
    probe = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount_point)], capture_output=True, text=True)
    if probe.returncode != 0:
        print(json.dumps({"test": "fulldisk", "skipped": f"cannot mount a tmpfs: {probe.stderr.strip()}"}))
        return 0
    acknowledged, refused, other_errors = {}, set(), []
    lock = threading.Lock()
    phase = {"name": "filling"}
    try:
        data = mount_point / "data"
        server = Server(data)
        token = server.token

        def writer(index, stop):
            conn = Connection(server.port, token, timeout=30)
            counter = 0
            while not stop.is_set():
                counter += 1
                changeset_id = str(uuid.uuid4())
                body = [{"type": "paragraph", "text": f"Writer {index}, story {counter}. " * 40}]
                ops = [{"op": "create", "type": "article", "id": str(uuid.uuid4()),
                        "data": {"headline": f"Writer {index} story {counter} {changeset_id[:8]}", "body": body}}]
                try:
                    result = conn.call("changeset.commit", id=changeset_id, message=phase["name"], ops=ops)
                    with lock:
                        acknowledged[changeset_id] = (result["seq"], phase["name"])
                except RpcError as error:
                    with lock:
                        if error.code == -32603 and error.data.get("kind") == "storage_failure":
                            refused.add(changeset_id)
                        else:
                            other_errors.append(f"{error.code} {error.data}")
                    time.sleep(0.05)
            conn.close()

        def run_writers(seconds_or_until):
            stop = threading.Event()
            threads = [threading.Thread(target=writer, args=(index, stop)) for index in range(4)]
            for thread in threads:
                thread.start()
            seconds_or_until(stop)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

        def until_full(stop):
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(refused) < 20:
                time.sleep(0.2)

        run_writers(until_full)
        full_at = len(acknowledged)
        refused_while_full = len(refused)
        subprocess.run(["mount", "-o", "remount,size=64m", str(mount_point)], check=True)
        phase["name"] = "after space returned"

        def for_five_seconds(stop):
            time.sleep(5)

        run_writers(for_five_seconds)
        after = sum(1 for seq, name in acknowledged.values() if name == "after space returned")
        server.stop()
        server = Server(data)
        conn = Connection(server.port, server.token, timeout=60)
        committed = {item["id"]: seq for seq, item in all_changesets(conn).items()}
        conn.close()
        server.stop()
        check = subprocess.run([str(galleyd_binary()), "check", "--data", str(data)], capture_output=True, text=True)
    finally:
        subprocess.run(["umount", str(mount_point)], capture_output=True)
        os.rmdir(mount_point)
    lost = [cid for cid, (seq, _) in acknowledged.items() if committed.get(cid) != seq]
    refused_but_present = [cid for cid in refused if cid in committed]
    head = max(committed.values(), default=0)
    summary = {
        "test": "fulldisk", "acknowledgedBeforeFull": full_at, "refusedWhileFull": refused_while_full,
        "acknowledgedAfterSpaceReturned": after, "lost": len(lost), "refusedButPresent": len(refused_but_present),
        "seqGapless": sorted(committed.values()) == list(range(1, head + 1)), "otherErrors": other_errors[:3],
        "check": check.returncode,
    }
    print(json.dumps(summary))
    ok = (refused_while_full > 0 and after > 0 and not lost and not refused_but_present
          and summary["seqGapless"] and not other_errors and check.returncode == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

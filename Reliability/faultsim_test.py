#!/usr/bin/env python3
"""Simulated power loss and I/O errors under the real store, through galley-faultsim and its
fault-injecting SQLite VFS (Sources/CFaultVFS).

powerloss: a fixed workload (120 one-article changesets, committed one by one) is run once to
count its VFS operations (writes plus syncs), then rerun with the power lost at each of
--points operations spread over that range; at the crash every write since the file's last sync
is kept, dropped or torn (seeded per point, newest first). The store is reopened on the normal VFS
and checked: every acknowledged changeset present with its seq, PRAGMA integrity_check and
Galley's invariants (gapless seq, versions, links) clean. --control runs the same sweep with
synchronous=NORMAL, which must lose acknowledged changesets (exit 0 only when it does).

ioerror: the Nth write, or the Nth sync, fails once or persistently, for N spread over the
workload. The same checks, plus: every refused changeset is answered as a storage failure, and
after an I/O error the store stops accepting writes (no changeset is acknowledged after one).

  python3 Reliability/faultsim_test.py powerloss --points 100            # quick tier (CI)
  python3 Reliability/faultsim_test.py powerloss --points 1000           # full tier
  python3 Reliability/faultsim_test.py powerloss --points 100 --control
  python3 Reliability/faultsim_test.py ioerror --points 60
  python3 Reliability/faultsim_test.py diskfull --points 40

diskfull: from the Nth write on, every write that would grow a file fails with SQLITE_FULL; after
5 refused changesets space returns. Checked: refusals are storage failures, nothing acknowledged
is lost, and commits succeed again without a restart.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def faultsim() -> Path:
    path = REPO / ".build" / "debug" / "galley-faultsim"
    if not path.exists():
        sys.exit(f"{path} is missing: run `swift build --product galley-faultsim` first")
    return path


def run_point(arguments, synchronous):
    """One run with a fault, then verify; returns (run lines, verify result or None)."""
    with tempfile.TemporaryDirectory(prefix="galley-faultsim-") as directory:
        data = Path(directory) / "data"
        log = Path(directory) / "run.log"
        run = subprocess.run(
            [str(faultsim()), "run", "--data", str(data), "--synchronous", synchronous, *arguments],
            capture_output=True, text=True, timeout=300,
        )
        log.write_text(run.stdout)
        lines = run.stdout.splitlines()
        if run.returncode != 0:
            return lines, {"runError": run.stderr[-500:]}
        verify = subprocess.run(
            [str(faultsim()), "verify", "--data", str(data), "--log", str(log)],
            capture_output=True, text=True, timeout=300,
        )
        try:
            result = json.loads(verify.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            result = {"verifyError": verify.stderr[-500:]}
        return lines, result


def operations(synchronous):
    lines, result = run_point(["--fault", "none"], synchronous)
    count = next(int(line.split()[1]) for line in lines if line.startswith("operations "))
    if result.get("lost") or result.get("problems"):
        sys.exit(f"the workload without a fault already fails its checks: {result}")
    return count


def spread(total, points):
    """`points` operation numbers spread evenly over 1...total (all of them when fewer)."""
    if points >= total:
        return list(range(1, total + 1))
    return sorted({1 + (index * (total - 1)) // (points - 1) for index in range(points)})


def powerloss(args):
    synchronous = "NORMAL" if args.control else "FULL"
    total = operations(synchronous)
    crash_points = spread(total, args.points)
    print(f"powerloss: synchronous={synchronous}, workload {total} VFS operations, {len(crash_points)} crash points", flush=True)
    trials = acknowledged = lost = corrupt = failed_runs = trials_with_loss = 0

    def one(point):
        return point, run_point(["--fault", "power-loss", "--at", str(point), "--seed", str(point)], synchronous)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for point, (lines, result) in pool.map(one, crash_points):
            trials += 1
            if "runError" in result or "verifyError" in result:
                failed_runs += 1
                print(f"  point {point}: {result}", flush=True)
                continue
            acknowledged += result.get("acknowledged", 0)
            lost += result.get("lost", 0)
            trials_with_loss += 1 if result.get("lost", 0) else 0
            if result.get("problems") or result.get("openError"):
                corrupt += 1
                print(f"  point {point}: corrupt: {result}", flush=True)
            elif result.get("lost") and not args.control:
                print(f"  point {point}: lost {result['lost']}: {result.get('lostIds')}", flush=True)
    summary = {
        "test": "powerloss", "synchronous": synchronous, "operations": total, "trials": trials,
        "acknowledged": acknowledged, "lost": lost, "trialsWithLoss": trials_with_loss,
        "corrupt": corrupt, "failedRuns": failed_runs,
    }
    print(json.dumps(summary), flush=True)
    if args.control:
        return 0 if lost > 0 else 1
    return 0 if lost == 0 and corrupt == 0 and failed_runs == 0 else 1


def ioerror(args):
    total = operations("FULL")
    # Writes and syncs are counted apart by the VFS; the workload has far more writes than syncs.
    cases = []
    for kind in ("fail-write", "fail-sync"):
        for point in spread(total if kind == "fail-write" else total // 20, args.points):
            for persistent in (False, True):
                cases.append((kind, point, persistent))
    print(f"ioerror: {len(cases)} cases over a workload of {total} VFS operations", flush=True)
    trials = acknowledged = lost = corrupt = failed_runs = wrong_answers = acked_after_error = fired = 0

    def one(case):
        kind, point, persistent = case
        arguments = ["--fault", kind, "--at", str(point)] + (["--persistent"] if persistent else [])
        return case, run_point(arguments, "FULL")

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for (kind, point, persistent), (lines, result) in pool.map(one, cases):
            trials += 1
            if "runError" in result or "verifyError" in result:
                failed_runs += 1
                print(f"  {kind} {point} {persistent}: {result}", flush=True)
                continue
            fired += 1 if "fired 1" in lines else 0
            acknowledged += result.get("acknowledged", 0)
            lost += result.get("lost", 0)
            if result.get("problems"):
                corrupt += 1
                print(f"  {kind} {point} {persistent}: corrupt: {result}", flush=True)
            outcomes = [line.split()[0] for line in lines if line.startswith(("ack ", "fail "))]
            if any(line.startswith("fail ") and line.split()[2] != "storage_failure" for line in lines):
                wrong_answers += 1
                print(f"  {kind} {point} {persistent}: a failure not answered as storage_failure", flush=True)
            if "fail" in outcomes and "ack" in outcomes[outcomes.index("fail"):]:
                acked_after_error += 1
                print(f"  {kind} {point} {persistent}: a changeset acknowledged after an I/O error", flush=True)
    summary = {
        "test": "ioerror", "operations": total, "trials": trials, "faultsFired": fired,
        "acknowledged": acknowledged, "lost": lost, "corrupt": corrupt, "failedRuns": failed_runs,
        "notStorageFailure": wrong_answers, "acknowledgedAfterIOError": acked_after_error,
    }
    print(json.dumps(summary), flush=True)
    return 0 if lost == corrupt == failed_runs == wrong_answers == acked_after_error == 0 else 1


def diskfull(args):
    total = operations("FULL")
    points = spread(total, args.points)
    print(f"diskfull: {len(points)} points over a workload of {total} VFS operations", flush=True)
    trials = acknowledged = lost = corrupt = failed_runs = wrong_answers = not_recovered = 0

    def one(point):
        return point, run_point(["--fault", "disk-full", "--at", str(point), "--space-returns-after", "5"], "FULL")

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for point, (lines, result) in pool.map(one, points):
            trials += 1
            if "runError" in result or "verifyError" in result:
                failed_runs += 1
                print(f"  point {point}: {result}", flush=True)
                continue
            acknowledged += result.get("acknowledged", 0)
            lost += result.get("lost", 0)
            if result.get("problems"):
                corrupt += 1
                print(f"  point {point}: corrupt: {result}", flush=True)
            if any(line.startswith("fail ") and line.split()[2] != "storage_failure" for line in lines):
                wrong_answers += 1
            # Once space returns, the store takes commits again without a restart.
            # (Unless the workload had no changeset left to try by then.)
            after = lines[lines.index("space-returned"):] if "space-returned" in lines else []
            tried = [line for line in after if line.startswith(("ack ", "fail "))]
            if tried and not any(line.startswith("ack ") for line in tried):
                not_recovered += 1
                print(f"  point {point}: no commit succeeded after space returned", flush=True)
    summary = {
        "test": "diskfull", "operations": total, "trials": trials, "acknowledged": acknowledged, "lost": lost,
        "corrupt": corrupt, "failedRuns": failed_runs, "notStorageFailure": wrong_answers, "notRecovered": not_recovered,
    }
    print(json.dumps(summary), flush=True)
    return 0 if lost == corrupt == failed_runs == wrong_answers == not_recovered == 0 else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("test", choices=["powerloss", "ioerror", "diskfull"])
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--control", action="store_true", help="powerloss with synchronous=NORMAL: must lose data")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    sys.exit({"powerloss": powerloss, "ioerror": ioerror, "diskfull": diskfull}[args.test](args))


if __name__ == "__main__":
    main()

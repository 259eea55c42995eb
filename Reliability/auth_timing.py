#!/usr/bin/env python3
"""Does auth.authenticate answer a wrong token that shares a long prefix with a valid one any
faster or slower than a random wrong token? (A timing side channel would let an attacker guess a
token prefix by prefix.) galleyd hashes the presented token with SHA-256 and looks the hash up,
so the answer time should not depend on how much of a real token was guessed.

Interleaves N attempts of each kind against one galleyd (started with the failed-authentication
limit lifted, which would otherwise refuse the attempts), each timed from send to reply on a
connection opened for at most 4 attempts (5 failures close a connection). Prints the medians,
the p90s and their ratio as a JSON line; exits 1 when the medians differ by more than 10%.
A measurement, not a CI test: run it on a quiet machine.

  python3 Reliability/auth_timing.py --attempts 3000
"""

import argparse
import json
import random
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from galley_harness import Connection, RpcError, Server  # noqa: E402


def timed_attempt(conn, token):
    started = time.perf_counter_ns()
    try:
        conn.call("auth.authenticate", token=token)
        raise RuntimeError("a wrong token was accepted")
    except RpcError as error:
        if error.code != -32001:
            raise
    return time.perf_counter_ns() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=3000)
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="galley-authtiming-") as directory:
        server = Server(Path(directory) / "data", extra_args=["--auth-failures-per-minute", "100000000"])
        try:
            valid = server.token
            alphabet = string.ascii_letters + string.digits + "_-"

            def near_miss():
                # The valid token with only its last character changed.
                last = rng.choice([c for c in alphabet if c != valid[-1]])
                return valid[:-1] + last

            def random_token():
                return "galley_" + "".join(rng.choice(alphabet) for _ in range(len(valid) - len("galley_")))

            timings = {"nearMiss": [], "random": []}
            conn, used = None, 0
            for index in range(2 * args.attempts):
                if conn is None or used == 4:
                    if conn is not None:
                        conn.close()
                    conn, used = Connection(server.port, None), 0
                # Kinds alternate, and which comes first flips per connection, so neither kind is
                # always a connection's first request (which is slower).
                kind = "nearMiss" if (index + index // 4) % 2 == 0 else "random"
                token = near_miss() if kind == "nearMiss" else random_token()
                timings[kind].append(timed_attempt(conn, token))
                used += 1
            conn.close()
        finally:
            server.stop()

    def summary(values):
        values = sorted(values)
        return {"medianUs": round(statistics.median(values) / 1000, 1), "p90Us": round(values[int(len(values) * 0.9)] / 1000, 1)}

    near, rand = summary(timings["nearMiss"]), summary(timings["random"])
    ratio = near["medianUs"] / rand["medianUs"]
    print(json.dumps({"test": "auth-timing", "attempts": args.attempts, "nearMiss": near, "random": rand, "medianRatio": round(ratio, 3)}))
    return 0 if 0.9 <= ratio <= 1.1 else 1


if __name__ == "__main__":
    sys.exit(main())

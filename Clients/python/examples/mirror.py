#!/usr/bin/env python3
"""Mirror Galley's content into another system: here a folder of JSON files, one per entity
(DIR/article/<id>.json, DIR/media/..., DIR/link/...), kept up to date as editors commit.

    python3 mirror.py ./mirror            # catch up, then follow changes until Ctrl-C
    python3 mirror.py ./mirror --once     # catch up and exit (e.g. from cron)

The cursor is saved in DIR/cursor.json after every page, so a restart goes on where it stopped.
Pages are idempotent (each item is an entity's whole state), so applying one twice after a crash
between writing files and saving the cursor is harmless. Replace `apply_item` to feed a search
index, a CMS or a data warehouse instead.
"""

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from galley_client import Client, GalleyConnectionError

TYPES = ("article", "media", "link")


def write_atomically(path, data):
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def apply_item(root, item):
    """Writes one entity's state, or removes it for a tombstone."""
    path = root / item["type"] / f"{item['id']}.json"
    if item["deleted"]:
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, item["data"])


def catch_up(galley, root, state):
    """Pulls pages from the saved cursor until the server's head; returns the new state."""
    for page in galley.pull(cursor=state.get("cursor")):
        if page.restarted:
            # The server cannot serve our cursor (restored from a backup): start over from a
            # new snapshot, which has no tombstones for what was deleted meanwhile.
            print("cursor expired: rebuilding the mirror from a new snapshot", flush=True)
            for kind in TYPES:
                shutil.rmtree(root / kind, ignore_errors=True)
        for item in page["items"]:
            apply_item(root, item)
        state = {"cursor": page["cursor"], "consistentAt": page["consistentAt"]}
        write_atomically(root / "cursor.json", state)
        deleted = sum(1 for item in page["items"] if item["deleted"])
        if page["items"]:
            print(f"applied {len(page['items']) - deleted} updated, {deleted} deleted", flush=True)
    print(f"up to date at changeset {state['consistentAt']}", flush=True)
    return state


def main(argv=None):
    parser = argparse.ArgumentParser(description="Mirror Galley's content into a folder of JSON files.")
    parser.add_argument("dir", type=Path, help="the mirror folder (created when missing)")
    parser.add_argument("--once", action="store_true", help="catch up and exit")
    parser.add_argument("--idle-exit", type=float, metavar="SECONDS", help="exit after this long without changes")
    args = parser.parse_args(argv)

    root = args.dir
    root.mkdir(parents=True, exist_ok=True)
    state_file = root / "cursor.json"
    state = json.loads(state_file.read_text(encoding="utf-8")) if state_file.exists() else {}
    if not state:
        print("starting with a snapshot", flush=True)
    elif state["consistentAt"] is None:
        print("resuming the snapshot", flush=True)
    else:
        print(f"resuming after changeset {state['consistentAt']}", flush=True)

    try:
        with Client.from_env() as galley:
            state = catch_up(galley, root, state)
            if args.once:
                return 0
            print("waiting for changes", flush=True)
            # The first head is read after subscribing, and after every reconnect, so a commit
            # landing between the catch-up and the subscription is not missed.
            for head in galley.subscribe(idle_timeout=args.idle_exit):
                if head > (state["consistentAt"] or 0):
                    state = catch_up(galley, root, state)
            print(f"no changes for {args.idle_exit:g} s; exiting", flush=True)
    except GalleyConnectionError as error:
        print(f"mirror: {error}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Fix a credit everywhere: every photo credited to one source gets new credit fields, in one
changeset. A dry run by default (the server checks everything and commits nothing); --apply commits.

    python3 fix_credit.py --source Wikimedia --set source="Wikimedia Commons" --set license="CC BY-SA 4.0"
    python3 fix_credit.py --source Wikimedia --set source="Wikimedia Commons" --set license="CC BY-SA 4.0" --apply

Exit codes: 0 done (or nothing to do), 2 usage error, 4 someone changed these credits meanwhile.
"""

import argparse
import sys

from galley_client import Client, ConflictError, ops

CREDIT_FIELDS = ("creator", "source", "license", "licenseUrl", "copyrightNotice", "creditLine")


def parse_assignment(text):
    field, sep, value = text.partition("=")
    if not sep or field not in CREDIT_FIELDS:
        raise argparse.ArgumentTypeError(f"expected FIELD=VALUE with FIELD one of {', '.join(CREDIT_FIELDS)}")
    return field, value


def main(argv=None):
    parser = argparse.ArgumentParser(description="Change the credit of every media item from one source.")
    parser.add_argument("--source", required=True, help="the credit.source to look for (exact, case-insensitive)")
    parser.add_argument("--creator", help="only media by this credit.creator")
    parser.add_argument("--set", dest="changes", metavar="FIELD=VALUE", action="append", type=parse_assignment,
                        required=True, help="a credit field to set (repeatable)")
    parser.add_argument("-m", "--message", help="why (default: describes the change)")
    parser.add_argument("--apply", action="store_true", help="commit (default: dry run)")
    args = parser.parse_args(argv)
    changes = dict(args.changes)

    with Client.from_env() as galley:
        # media.list's q matches words in caption, creator and source; keep exact matches only.
        wanted = args.source.casefold()
        found = [
            media for media in galley.paginate("media.list", q=args.source, limit=500)
            if ((media.get("credit") or {}).get("source") or "").casefold() == wanted
            and (args.creator is None or media["credit"].get("creator") == args.creator)
        ]
        plan = []
        for media in found:
            credit = media.get("credit") or {}
            diff = {f"credit.{field}": (credit.get(field), value) for field, value in changes.items() if credit.get(field) != value}
            if diff:
                plan.append((media, diff))
        if not plan:
            print(f'No media credited to source "{args.source}" needs changes.')
            return 0

        # How many stories show each photo: one pipelined round trip for all of them.
        usages = galley.call_many([("media.usage", {"id": media["id"]}) for media, _ in plan])
        print(f'{len(plan)} media credited to "{args.source}" will change:')
        for (media, diff), usage in zip(plan, usages):
            stories = len({use["id"] for use in usage["items"]})  # lead and body uses of one story
            print(f"  {media['id']}  {media['uri']}  (used in {stories} {'story' if stories == 1 else 'stories'})")
            for path, (old, new) in diff.items():
                print(f"      {path}: {old!r} -> {new!r}")

        # baseVersion: if someone edits these credit fields meanwhile, the changeset fails as a
        # whole with a conflict instead of overwriting their edit.
        changeset = [
            ops.update("media", media["id"], set={path: new for path, (_, new) in diff.items()}, base_version=media["version"])
            for media, diff in plan
        ]
        message = args.message or f'Fix credit of "{args.source}" media: ' + ", ".join(f"{k}={v!r}" for k, v in changes.items())
        try:
            galley.commit(message, changeset, dry_run=True)
            if not args.apply:
                print(f"Dry run passed: {len(changeset)} updates in one changeset; nothing committed. Run again with --apply.")
                return 0
            result = galley.commit(message, changeset)
        except ConflictError as conflict:
            for entry in conflict.conflicts:
                for field in entry["fields"]:
                    print(f"conflict on {entry['id']} {field['field']}: now {field['theirs']!r}", file=sys.stderr)
            print("Someone changed these credits meanwhile; run again to see the new state.", file=sys.stderr)
            return 4
        print(f"Committed changeset {result['seq']} ({result['id']}): {len(result['results'])} media updated.")
        return 0


if __name__ == "__main__":
    sys.exit(main())

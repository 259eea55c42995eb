#!/usr/bin/env python3
"""List the stories published today (UTC), oldest first.

    GALLEY_SERVER=127.0.0.1:7420 GALLEY_TOKEN_FILE=galley-data/admin.token \\
        python3 todays_stories.py [--date 2026-11-27] [--section world]
"""

import argparse
from datetime import date, datetime, time, timedelta, timezone

from galley_client import Client


def parse_time(text):
    """RFC 3339 as galleyd writes it (2026-11-27T09:14:03.120Z) -> an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def main(argv=None):
    parser = argparse.ArgumentParser(description="List the stories published on one day (UTC).")
    parser.add_argument("--date", help="the day, YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--section", help="only this section")
    args = parser.parse_args(argv)

    day = date.fromisoformat(args.date) if args.date else datetime.now(timezone.utc).date()
    start = datetime.combine(day, time.min, tzinfo=timezone.utc)
    end = start + timedelta(days=1)
    # A story published on `day` was changed on or after `start`, so `updatedAfter` lets the
    # server skip everything older instead of sending every published story ever.
    updated_after = (start - timedelta(milliseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    with Client.from_env() as galley:
        published = galley.paginate(
            "article.list", status="published", section=args.section, updatedAfter=updated_after, limit=500
        )
        stories = [a for a in published if a["publishedAt"] and start <= parse_time(a["publishedAt"]) < end]

    stories.sort(key=lambda a: (a["publishedAt"], a["seq"]))
    count = f"{len(stories)} {'story' if len(stories) == 1 else 'stories'}"
    print(f"Published on {day.isoformat()} (UTC): {count}")
    for story in stories:
        when = parse_time(story["publishedAt"]).strftime("%H:%M")
        section = story["section"] or "-"
        print(f"  {when}  {section:<10} {story['headline']}  ({story['slug']}, {story['readingMinutes']} min)")


if __name__ == "__main__":
    main()

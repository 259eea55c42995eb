"""The README's worked examples run as written against a live galleyd with seeded content."""

import json
import os
import queue
import subprocess
import sys
import threading
import time

import pytest

from conftest import CLIENT_DIR, running_galleyd
from galley_client import Client, ops

EXAMPLES = CLIENT_DIR / "examples"


def example_env(server):
    env = dict(os.environ)
    env.pop("GALLEY_TOKEN_FILE", None)
    env.update(
        GALLEY_SERVER=f"{server.host}:{server.port}",
        GALLEY_TOKEN=server.admin_token,
        PYTHONPATH=os.pathsep.join([str(CLIENT_DIR / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    return env


def run_example(server, name, *args, expect_status=0):
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        env=example_env(server), capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == expect_status, completed.stderr + completed.stdout
    return completed.stdout


def hhmm(timestamp):
    return timestamp[11:16]


def test_todays_stories(galleyd, client):
    photo = client.media_create(message="Photo", data={"uri": "https://example.org/a.jpg", "credit": {"creator": "A.Savin"}})["entity"]
    body = [{"type": "paragraph", "text": " ".join(["word"] * 300)}]
    first = client.article_create(message="File", data={
        "headline": "Talks in Istanbul", "section": "world", "status": "published", "leadMediaId": photo["id"], "body": body,
    })["entity"]
    second = client.article_create(message="File", data={"headline": "Opera season opens", "section": "culture", "status": "published"})["entity"]
    client.commit("Older and unpublished", [
        ops.create("article", {"headline": "Yesterday's story", "section": "world", "status": "published", "publishedAt": "2000-01-01T08:00:00Z"}),
        ops.create("article", {"headline": "Still a draft", "section": "world"}),
    ])
    day = first["publishedAt"][:10]  # the server's today, so the test holds at midnight too

    out = run_example(galleyd, "todays_stories.py", "--date", day)
    assert out.splitlines() == [
        f"Published on {day} (UTC): 2 stories",
        f"  {hhmm(first['publishedAt'])}  world      Talks in Istanbul  (talks-in-istanbul, 2 min)",
        f"  {hhmm(second['publishedAt'])}  culture    Opera season opens  (opera-season-opens, 1 min)",
    ]
    out = run_example(galleyd, "todays_stories.py", "--date", day, "--section", "culture")
    assert out.splitlines()[0] == f"Published on {day} (UTC): 1 story"
    assert "Opera season opens" in out and "Istanbul" not in out
    if day == time.strftime("%Y-%m-%d", time.gmtime()):  # without --date: today, unless midnight passed
        assert run_example(galleyd, "todays_stories.py").splitlines()[0] == f"Published on {day} (UTC): 2 stories"


def test_fix_credit_dry_run_then_apply(galleyd, client):
    made = client.commit("Photos", [
        ops.create("media", {"uri": "https://example.org/1.jpg", "credit": {"creator": "A.Savin", "source": "Wikimedia"}}),
        ops.create("media", {"uri": "https://example.org/2.jpg", "credit": {"creator": "B.Ek", "source": "wikimedia"}}),
        ops.create("media", {"uri": "https://example.org/3.jpg", "credit": {"creator": "C.Li", "source": "Wikimedia Commons", "license": "CC BY-SA 4.0"}}),
        ops.create("media", {"uri": "https://example.org/4.jpg", "credit": {"creator": "D.Roe", "source": "Reuters"}}),
    ])
    one, two, three, four = (r["id"] for r in made["results"])
    client.commit("Story", [ops.create("article", {"headline": "Bridge reopens", "leadMediaId": one,
                                                   "body": [{"type": "media", "mediaId": one}]})])
    head = client.server_info()["head"]
    args = ["--source", "Wikimedia", "--set", "source=Wikimedia Commons", "--set", "license=CC BY-SA 4.0"]

    dry = run_example(galleyd, "fix_credit.py", *args)
    lines = dry.splitlines()
    assert lines[0] == '2 media credited to "Wikimedia" will change:'
    assert f"  {one}  https://example.org/1.jpg  (used in 1 story)" in lines
    assert f"  {two}  https://example.org/2.jpg  (used in 0 stories)" in lines
    assert lines.count("      credit.source: 'Wikimedia' -> 'Wikimedia Commons'") == 1
    assert lines.count("      credit.source: 'wikimedia' -> 'Wikimedia Commons'") == 1
    assert lines.count("      credit.license: None -> 'CC BY-SA 4.0'") == 2
    assert lines[-1] == "Dry run passed: 2 updates in one changeset; nothing committed. Run again with --apply."
    assert client.server_info()["head"] == head

    applied = run_example(galleyd, "fix_credit.py", *args, "--apply")
    result = client.changeset_get(seq=head + 1)
    assert applied.splitlines()[-1] == f"Committed changeset {head + 1} ({result['id']}): 2 media updated."
    assert client.server_info()["head"] == head + 1
    for media_id in (one, two):
        credit = client.media_get(id=media_id)["credit"]
        assert (credit["source"], credit["license"]) == ("Wikimedia Commons", "CC BY-SA 4.0")
    assert client.media_get(id=one)["credit"]["creditLine"] == "A.Savin / Wikimedia Commons"
    assert client.media_get(id=three)["version"] == 1 and client.media_get(id=four)["version"] == 1

    again = run_example(galleyd, "fix_credit.py", *args, "--apply")
    assert again.strip() == 'No media credited to source "Wikimedia" needs changes.'


def mirror_files(root):
    return {
        (kind, path.stem): json.loads(path.read_text())
        for kind in ("article", "media", "link")
        for path in sorted((root / kind).glob("*.json"))
    }


def server_state(client):
    state = {}
    for page in client.pull():
        for item in page["items"]:
            state[(item["type"], item["id"])] = item["data"]
    return state


class LineReader:
    """Reads a process's stdout lines on a thread, so the test can wait for one with a bound."""

    def __init__(self, process):
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, wanted, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if line == wanted:
                return
        raise AssertionError(f"no {wanted!r} within {seconds} s; got {self.seen}")


def test_mirror_catches_up_resumes_follows_and_rebuilds(galleyd, client, tmp_path):
    root = tmp_path / "mirror"
    made = client.commit("Seed", [
        ops.create("article", {"headline": "Kept"}),
        ops.create("article", {"headline": "Spiked"}),
        ops.create("media", {"uri": "https://example.org/p.jpg"}),
    ])
    kept, spiked, _ = (r["id"] for r in made["results"])
    client.commit("Relate", [ops.create("link", {"fromId": kept, "toId": spiked})])

    out = run_example(galleyd, "mirror.py", str(root), "--once")
    assert out.splitlines() == ["starting with a snapshot", "applied 4 updated, 0 deleted", "up to date at changeset 2"]
    assert mirror_files(root) == server_state(client)
    assert json.loads((root / "cursor.json").read_text())["consistentAt"] == 2

    client.article_update(message="Edit", id=kept, set={"headline": "Kept, edited"})
    client.article_delete(message="Spike", id=spiked)  # also deletes the link
    out = run_example(galleyd, "mirror.py", str(root), "--once")
    assert out.splitlines() == ["resuming after changeset 2", "applied 1 updated, 2 deleted", "up to date at changeset 4"]
    assert mirror_files(root) == server_state(client)
    assert mirror_files(root)[("article", kept)]["headline"] == "Kept, edited"

    # Follow: another client's commit shows up in the mirror within a second or two.
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "mirror.py"), str(root), "--idle-exit", "3"],
        env=example_env(galleyd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = LineReader(process)
        lines.wait_for("waiting for changes", 20)
        started = time.monotonic()
        created = client.article_create(message="Breaking", data={"headline": "Breaking news"})["entity"]
        lines.wait_for("up to date at changeset 5", 5)
        assert time.monotonic() - started < 2
        assert mirror_files(root)[("article", created["id"])]["headline"] == "Breaking news"
        lines.wait_for("no changes for 3 s; exiting", 10)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert lines.seen[:2] == ["resuming after changeset 4", "up to date at changeset 4"]
    assert mirror_files(root) == server_state(client)

    # The server is replaced by one restored from an older backup: the cursor has expired.
    with running_galleyd() as restored:
        with Client(restored.host, restored.port, token=restored.admin_token, timeout=10) as other:
            other.article_create(message="Only story", data={"headline": "Only story"})
            out = run_example(restored, "mirror.py", str(root), "--once")
            assert out.splitlines() == [
                "resuming after changeset 5",
                "cursor expired: rebuilding the mirror from a new snapshot",
                "applied 1 updated, 0 deleted",
                "up to date at changeset 1",
            ]
            assert mirror_files(root) == server_state(other)


@pytest.mark.parametrize("name", ["todays_stories.py", "fix_credit.py", "mirror.py"])
def test_examples_explain_themselves(name):
    completed = subprocess.run([sys.executable, str(EXAMPLES / name), "--help"], capture_output=True, text=True, timeout=30,
                               env=dict(os.environ, PYTHONPATH=str(CLIENT_DIR / "src")))
    assert completed.returncode == 0 and "usage:" in completed.stdout

"""The interactive review, driven as a user drives it: keys into a pseudo-terminal.

``pexpect`` runs the real ``meetx review`` in a pty (as over SSH: a plain terminal, no mouse),
types keys and lines, and reads the screen. Every wait is bounded by ``TIMEOUT_S``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest

from meetx.pipeline.workflow.review import ReviewLog
from meetx.schemas.review import Action
from tests.conftest import ROOT
from tests.review import seeds

pytestmark = pytest.mark.skipif(
    not seeds.GOLD.exists(), reason="shared/gold is not beside this checkout"
)
TIMEOUT_S = 60
MEETX = Path(sys.executable).parent / "meetx"
MCMASTER, VENUE = "2120014fe6db7fb6", "16be1a91912ea16c"


def spawn(out: Path) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETX_")}
    env.update(TERM="xterm-256color", NO_COLOR="1", COLUMNS="120", LINES="40")
    return pexpect.spawn(
        str(MEETX),
        ["review", "--output", str(out), "--who", "tester"],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=TIMEOUT_S,
        dimensions=(40, 120),
    )


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus or 0)


def test_reject_quit_resume_edit_and_nothing_left(tmp_path):
    seeds.seeds_output(tmp_path)
    review_file = (tmp_path / "review.jsonl").read_bytes()

    child = spawn(tmp_path)
    child.expect("2 item\\(s\\) to review")
    child.expect(f"\\[1/2\\] {MCMASTER}")
    child.expect("nobody is named")  # the reason
    child.expect("Shotaro")  # the text around a quote
    child.expect("quit")
    child.send("z")  # an unknown key: the keys again, nothing decided
    child.expect("quit")
    child.send("r")
    child.expect("why reject\\?")
    child.sendline("the same meeting as seed 000, which names them")
    child.expect("rejected")
    child.expect(f"\\[2/2\\] {VENUE}")
    child.send("q")
    assert finish(child) == 0

    (rejected,) = ReviewLog(tmp_path).decisions()
    assert (rejected.action, rejected.who) == (Action.reject, "tester")
    assert rejected.why == "the same meeting as seed 000, which names them"

    child = spawn(tmp_path)  # resumes at the first item not decided
    child.expect("1 item\\(s\\) to review")
    child.expect(f"\\[1/1\\] {VENUE}")
    child.expect("quote_not_found")
    child.expect("quit")
    child.send("e")
    child.expect("edit> ")
    child.sendline("venue.place=nowhere")  # not in the text: the checks say so
    child.expect("edit> ")
    child.sendline("")
    child.expect("the checks still find")
    child.expect("save this record\\? \\(y/N\\)")
    child.sendline("n")
    child.expect("edit discarded")
    child.expect("quit")
    child.send("e")
    child.expect("edit> ")
    child.sendline("venue.place=null")
    child.expect("edit> ")
    child.sendline("")
    child.expect("the checks find no issue")
    child.expect("save this record\\?")
    child.sendline("y")
    child.expect("edited")
    child.expect("done")
    assert finish(child) == 0

    decisions = ReviewLog(tmp_path).decisions()
    assert [d.action for d in decisions] == [Action.reject, Action.edit]
    (reviewed,) = [r for r in ReviewLog(tmp_path).store.records() if r.reviewed]
    assert reviewed.id.startswith(VENUE) and reviewed.meeting.venue.place is None
    assert reviewed.issues == []
    assert (tmp_path / "review.jsonl").read_bytes() == review_file

    child = spawn(tmp_path)
    child.expect("nothing to review")
    assert finish(child) == 0


def test_accept_and_send_back_with_a_note(tmp_path):
    seeds.seeds_output(tmp_path)
    child = spawn(tmp_path)
    child.expect(f"\\[1/2\\] {MCMASTER}")
    child.expect("quit")
    child.send("x")
    child.expect("note for the model")
    child.sendline("")  # an empty note goes back to the keys
    child.expect("quit")
    child.send("x")
    child.expect("note for the model")
    child.sendline("name the three officials of the second paragraph")
    child.expect("requeued")
    child.expect(f"\\[2/2\\] {VENUE}")
    child.expect("quit")
    child.send("a")
    child.expect("accepted")
    child.expect("done")
    assert finish(child) == 0
    actions = [(d.item_id[:16], d.action, d.note) for d in ReviewLog(tmp_path).decisions()]
    assert actions == [
        (MCMASTER, Action.requeue, "name the three officials of the second paragraph"),
        (VENUE, Action.accept, None),
    ]

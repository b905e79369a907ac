"""What the Ray tests share: a run's output as comparable lines, and the processes of a run."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

VARYING = {"extracted_at", "seconds", "finished_at"}  # when and how long: never equal


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in VARYING}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def lines(out: Path, name: str) -> list[str]:
    """The lines of one output file without their times, sorted (Ray commits in any order)."""
    path = out / name
    if not path.exists():
        return []
    found = [json.dumps(_plain(json.loads(line)), sort_keys=True) for line in path.open()]
    return sorted(found)


def descendants(root: int) -> dict[int, str]:
    """The processes below ``root`` (pid -> command line): this test's own, never others."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (
                (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            )
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                found[child] = commands.get(child, "")
                frontier.append(child)
    return found


def model_actors() -> list[int]:
    """The pids of this process's cluster's model actors (Ray names them after the stage)."""
    mine = descendants(os.getpid())
    return [pid for pid, command in mine.items() if "MapBatches(ModelStage)" in command]

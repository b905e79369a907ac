"""The provider's side of ``meetx batch``: parts sent, batches watched, their files read.

- :func:`send` takes a written part (a JSONL file noted in the manifest) to a batch: upload,
  then create; a part a kill left ``creating`` is first looked for by its tag, so that no
  batch is created twice. :func:`send_pending` sends every part not sent yet, whichever
  command left it.
- :func:`refresh` asks how every running batch stands; :func:`status` also counts;
  :func:`cancel` stops them.
- :func:`download` takes every finished batch's output and error files to
  ``<output>/batches/`` and stores their lines in the manifest; a request in neither gets its
  batch's reason (failed, expired, cancelled, or no line at all).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from meetx.pipeline.batch.manifest import COUNTS, Manifest, Part
from meetx.pipeline.config import Settings
from meetx.pipeline.model.batch_api import TERMINAL, BatchAPI, Result, parse_result

log = logging.getLogger(__name__)

FOLDER = "batches"  # under the output directory: input files until sent, then the answers
OnPart = Callable[[Part], None]

_UNANSWERED = {
    "failed": "the batch failed: {errors}",
    "expired": "expired: the batch did not run it within its completion window",
    "cancelled": "cancelled: the batch was cancelled before it ran",
    "completed": "the batch's files hold no line for this request",
}


async def send(api: BatchAPI, manifest: Manifest, part: Part) -> Part:
    """Take a written part to a batch: upload, then create (or find, after a kill)."""
    file_id = part.file_id
    if part.status == "written":
        file_id = await api.upload(part.path)
        manifest.set_status(part.name, "uploaded", file_id)
    assert file_id is not None
    tag = f"{manifest.run}:{part.name}"
    state = await api.find(tag, part.written_at) if part.status == "creating" else None
    if state is None:
        manifest.set_status(part.name, "creating")
        state = await api.create(file_id, tag)
    manifest.set_state(part.name, state)
    part.path.unlink(missing_ok=True)  # the provider has it: input_file_id
    log.info("part %s is batch %s (%s)", part.name, state.id, state.status)
    return next(p for p in manifest.parts() if p.name == part.name)


async def send_pending(api: BatchAPI, manifest: Manifest, on_part: OnPart) -> int:
    """Send every part not sent yet; how many."""
    pending = [p for p in manifest.parts() if not p.sent]
    for part in pending:
        on_part(await send(api, manifest, part))
    return len(pending)


async def refresh(api: BatchAPI, manifest: Manifest) -> None:
    """Ask the provider how every batch sent and not finished stands."""
    for part in manifest.parts():
        if part.sent and part.batch_id and part.status not in TERMINAL:
            manifest.set_state(part.name, await api.retrieve(part.batch_id))


async def status(settings: Settings, api: BatchAPI) -> tuple[list[Part], dict[str, int]]:
    """Every part as the provider now says, and the counts of articles and requests."""
    if not Manifest.exists(settings.output_dir):
        return [], dict.fromkeys(COUNTS, 0)
    manifest = Manifest(settings.output_dir)
    try:
        await refresh(api, manifest)
        return manifest.parts(), manifest.counts()
    finally:
        manifest.close()


async def cancel(settings: Settings, api: BatchAPI) -> list[Part]:
    """Cancel every batch not finished (and every part not sent yet, which is then never
    sent); the parts as they stand after. What a batch answered before it stopped is kept,
    and ``collect`` sends the rest to review as cancelled."""
    if not Manifest.exists(settings.output_dir):
        return []
    manifest = Manifest(settings.output_dir)
    try:
        names = []
        for part in manifest.parts():
            if part.status in TERMINAL:
                continue
            batch_id = part.batch_id
            if part.status == "creating":  # a kill may have left it made but not noted
                found = await api.find(f"{manifest.run}:{part.name}", part.written_at)
                batch_id = found.id if found is not None else None
            if batch_id is not None:
                manifest.set_state(part.name, await api.cancel(batch_id))
            else:
                manifest.set_status(part.name, "cancelled")
                part.path.unlink(missing_ok=True)
            names.append(part.name)
        return [p for p in manifest.parts() if p.name in names]
    finally:
        manifest.close()


def _lines(path: Path) -> Iterator[Result]:
    if not path.exists():
        return
    with path.open("rb") as fh:
        for line in fh:
            result = parse_result(line)
            if result is not None:
                yield result


async def download(api: BatchAPI, manifest: Manifest, output_dir: Path) -> list[Part]:
    """Every finished batch not yet read: its files downloaded, their lines stored."""
    folder = output_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for part in manifest.parts():
        if part.downloaded or part.status not in _UNANSWERED:
            continue
        files = []
        for suffix, file_id in (("output", part.output_file_id), ("errors", part.error_file_id)):
            if file_id:
                dest = folder / f"{part.name}.{suffix}.jsonl"
                await api.download(file_id, dest)
                files.append(dest)
        reason = _UNANSWERED[part.status].format(errors=part.errors or "no reason given")
        results = (result for path in files for result in _lines(path))
        answered = manifest.resolve(part, results, reason)
        log.info("batch %s (%s): %d answers", part.batch_id, part.status, answered)
        done.append(part)
    return done

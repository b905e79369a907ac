"""Runs that outgrow one machine: the local engine's stages as a Ray Data pipeline.

::

    inputs (listed by the driver) ─► read: Ray tasks ─► ModelStage: actor pool ─► finish: Ray tasks
                                                       │  └─ CacheService: one actor  │
                                                       └──────────────────────────────┴─► driver:
                                                                     OutputStore.commit_many

The stages are those of ``pipeline.batch.cluster_stages``, each calling the local engine's
own functions. What this module adds, in the driver:

- *Inputs* as the local engine reads them (``reading.sources``): a text file travels as its
  path and is read by a task on whichever node runs it (the files must be on every node, or
  on a shared disk); a dataset's rows, web pages and standard input are read by the driver,
  row by row, and travel as their text and metadata, at most :data:`MAX_CHUNK_CHARS` of text
  at a time (a 5 GB table is never in the driver's memory at once). Converting a page to its
  text, the header rules, the sentence splitting and the rendering run in the read tasks.

- *Exactly once*: the driver is the only writer. It holds the output directory's lock, commits
  every article that comes back through ``OutputStore.commit_many`` (the files, ledger and
  recovery of a local run, so ``meetx merge/export/report/review`` need nothing new), and drops
  any row whose article it has already committed: a task Ray ran twice, or the same text under
  two names, is committed once.
- *Nothing lost*: Ray Data retries a task whose worker died and restarts a dead actor
  (``max_restarts``/``max_task_retries`` unlimited, its defaults for actor pools); its rows are
  then computed again. A model actor stores each answer in the shared cache the moment it
  comes, so the retried article is not paid for twice.
- *Resume*: a killed driver takes its job's tasks and actors with it; the next run recovers the
  output directory and sends to the cluster only the articles not in the ledger (their ids
  travel to every read task as one sorted ``bytes``, 32 bytes an article).
- *Cache*: one ``CacheService`` actor on the driver's node holds the run's SQLite file
  (``<output>/cache.sqlite`` unless ``MEETX_RESPONSE_CACHE`` says otherwise, the local engine's),
  and every model actor asks it; so the cache is shared across nodes, a local run and a Ray run
  share it too, and no per-worker file can be lost with its worker.
- *Rate limits* are shared by dividing them: each of N actors gets 1/N of ``--rpm``/``--tpm``.

Ray is optional (``pip install 'meetx[ray]'``) and imported only when a run asks for it.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meetx.pipeline.batch import cluster_stages
from meetx.pipeline.batch.cache import scope
from meetx.pipeline.batch.cluster_stages import CacheClient, Digests, RayCache, Row
from meetx.pipeline.batch.sinks import OutputStore
from meetx.pipeline.batch.summary import Summary
from meetx.pipeline.config import Settings
from meetx.pipeline.errors import ClusterError, ConfigError, MeetxError, OutputError
from meetx.pipeline.extraction.prompts import Prompt
from meetx.pipeline.extraction.runner import ArticleResult
from meetx.pipeline.model import backend
from meetx.pipeline.reading import articles, sources
from meetx.pipeline.reading.sources import InputOptions
from meetx.schemas.article import Article
from meetx.schemas.record import SCHEMA_VERSION

log = logging.getLogger(__name__)

OnResult = Callable[[ArticleResult], None]
MAX_ROWS_PER_BLOCK = 64  # inputs per read task, at most (see rows_per_block)
MAX_CHUNK_CHARS = 64_000_000  # of the driver's items' text in one Ray Data run, at most
STAGE_MEMORY = 512 * 1024**2  # what a read or finish task reserves (and so is never fused
# into the model actors, whose resources differ: the stages stay tasks of their own)
AUTH_HINT = (
    " (a cluster with token authentication, Ray's default, needs RAY_AUTH_MODE=token and its"
    " token in RAY_AUTH_TOKEN or ~/.ray/auth_token when given by address; or use --ray auto"
    " on one of its nodes)"
)
CALLS_PER_ACTOR = 4  # batches a model actor works on at once (its slots are shared by them)


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ClusterError("running on Ray needs Ray: pip install 'meetx[ray]'") from exc
    return ray


@dataclass(frozen=True)
class Plan:
    """How many model actors, and what each reserves."""

    actors: int
    actor_cpus: float
    threads: int  # the embedded server's threads in each actor
    task_cpus: float = 1.0  # what a read or finish task reserves


def plan(settings: Settings, node_cpus: list[float]) -> Plan:
    """Size the actor pool for the cluster's nodes (their CPUs), unless the settings say.

    An endpoint elsewhere: one CPU an actor, half the cluster's CPUs in actors (the other half
    runs the read and finish tasks). The embedded model: one llama.cpp server per actor, on a
    node's CPUs but one each (one per node by default); one CPU of every node stays with the
    tasks.

    The read and the finish stage must be able to run at the same time: Ray Data reserves each
    stage's smallest need (one task, or the whole actor pool) upstream first, and a stage
    whose need does not fit then waits until the stages before it are done (its
    ``ReservationOpResourceAllocator``). So the CPUs left beside the actors are split in two:
    on two CPUs a task takes half of one. With a whole CPU each there, the finish stage of a
    large table got nothing until every read task had run, and no article was committed for
    minutes (measured on two CPUs: none of 10,169 rows in 150 s; with half a CPU, 1,696 in the
    first 90 s).
    """
    nodes = [c for c in node_cpus if c > 0]
    if not nodes:
        raise ClusterError("the Ray cluster has no CPUs")
    total = sum(nodes)
    if settings.embedded:
        cpus = settings.ray_actor_cpus or max(1.0, min(nodes) - 1)
        fits = sum(int((c - 1) // cpus) for c in nodes)
    else:
        cpus = settings.ray_actor_cpus or 1.0
        fits = int(total // (2 * cpus))
    actors = settings.ray_actors or max(1, fits)
    if cpus > max(nodes):
        raise ConfigError(f"a model actor needs {cpus:g} CPUs; the largest node has {max(nodes):g}")
    if actors * cpus + 1 > total:
        raise ConfigError(
            f"{actors} model actor(s) of {cpus:g} CPU(s) and one CPU for the other stages need "
            f"{actors * cpus + 1:g} CPUs; the cluster has {total:g}"
        )
    left = total - actors * cpus
    return Plan(actors, cpus, threads=max(1, int(cpus)), task_cpus=min(1.0, left / 2))


def rows_per_block(slots: int) -> int:
    """Paths per block: a block goes whole to one actor, so blocks of twice an actor's slots
    keep every actor busy (its calls overlap) and spread a run evenly over the pool: an
    embedded model (one slot, minutes an article) gets two articles a block, not 64."""
    return max(1, min(MAX_ROWS_PER_BLOCK, 2 * slots))


def actor_settings(settings: Settings, sized: Plan) -> Settings:
    """What each model actor runs with: its share of the rate limits, its server's threads."""
    update: dict[str, Any] = {}
    if settings.requests_per_minute:
        update["requests_per_minute"] = settings.requests_per_minute / sized.actors
    if settings.tokens_per_minute:
        update["tokens_per_minute"] = settings.tokens_per_minute / sized.actors
    if settings.embedded:
        update["threads"] = sized.threads
    return settings.model_copy(update=update)


def absolute(settings: Settings) -> Settings:
    """The settings with every path absolute: workers do not run in the driver's folder."""
    fields = ("output_dir", "cache_dir", "prompts_dir", "record_dir", "replay_dir")
    update = {f: getattr(settings, f).absolute() for f in fields if getattr(settings, f)}
    if settings.response_cache is not None:
        update["response_cache"] = settings.response_cache.absolute()
    return settings.model_copy(update=update)


@contextlib.contextmanager
def connect(address: str) -> Iterator[None]:
    """Connected to the cluster at ``address`` (``local``: a new one, here, for this run) for
    the block; an existing connection (a test's, a user's script's) is used as it is."""
    ray = _ray()
    if address.startswith("ray://"):
        raise ConfigError(
            "Ray Client addresses (ray://) are not supported: the driver writes the output "
            "files and hosts the cache; run meetx on a node of the cluster (ray job submit, or "
            "a shell there) with --ray auto or --ray HOST:PORT"
        )
    if ray.is_initialized():
        yield
        return
    _reachable(address)
    options: dict[str, Any] = {"include_dashboard": False} if address == "local" else {}
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False, **options)
    except Exception as exc:
        hint = "" if address in ("local", "auto") else AUTH_HINT
        raise ClusterError(f"cannot connect to the Ray cluster at {address}: {exc}{hint}") from exc
    try:
        yield
    finally:
        ray.shutdown()


def _reachable(address: str, timeout_s: float = 5.0) -> None:
    """A ``HOST:PORT`` with nothing listening fails now: Ray itself would retry for minutes."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return  # local, auto: Ray says at once if there is no cluster
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise ClusterError(
            f"no Ray cluster at {address}: {exc.strerror or exc} (start one with "
            "`ray start --head`, or use --ray local)"
        ) from exc


def _reraise(exc: Exception) -> MeetxError:
    """The error to report for a failed Ray run: meetx's own if a stage raised one."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        found = stack.pop()
        if found is None or id(found) in seen:
            continue
        seen.add(id(found))
        if isinstance(found, MeetxError):
            return found
        stack += [getattr(found, "cause", None), found.__cause__, found.__context__]
    first = (str(exc).strip().splitlines() or [""])[0]
    return ClusterError(f"the run on the Ray cluster failed: {type(exc).__name__}: {first}")


def run(
    paths: Iterable[Path],
    settings: Settings,
    prompt: Prompt,
    store: OutputStore,
    *,
    force: bool = False,
    inputs: InputOptions | None = None,
    open_endpoint: cluster_stages.OpenEndpoint = backend.open_endpoint,
    on_result: OnResult = lambda result: None,
) -> Summary:
    """Process every article of ``paths`` (read as ``inputs`` says) not yet committed, on the
    Ray cluster at ``settings.ray_address``; see the module docstring."""
    cluster = Cluster(settings, prompt, store, open_endpoint, on_result, inputs)
    return cluster.run(list(paths), force)


class Cluster:
    def __init__(
        self,
        settings: Settings,
        prompt: Prompt,
        store: OutputStore,
        open_endpoint: cluster_stages.OpenEndpoint = backend.open_endpoint,
        on_result: OnResult = lambda result: None,
        inputs: InputOptions | None = None,
    ) -> None:
        self.settings, self.prompt, self.store = absolute(settings), prompt, store
        self.open_endpoint, self.on_result = open_endpoint, on_result
        self.inputs = inputs or InputOptions(max_bytes=self.settings.max_article_bytes)
        self.summary = Summary()
        self.base = str(Path.cwd())  # relative input paths are read from here, on every node

    def run(self, paths: list[Path], force: bool = False) -> Summary:
        started = time.monotonic()
        try:
            with self.store.lock():
                self.store.recover()
                with connect(self.settings.ray_address or "local"):
                    _quiet()
                    for chunk in _chunks(self._rows(paths)):
                        self._run(chunk, force)
                        if self.summary.interrupted:
                            break
        finally:
            self.summary.seconds = time.monotonic() - started
        return self.summary

    def _rows(self, paths: list[Path]) -> Iterator[Row]:
        """One row per input: a text file's path, or an item the driver read (as JSON)."""
        for path in paths:
            files = (
                [path] if path == sources.STDIN else articles.iter_paths([path], self._own_files())
            )
            for file in files:
                if self._read_there(file):
                    yield {"path": str(file), "item": None}
                    continue
                for item in sources.iter_inputs([file], self.inputs):
                    if isinstance(item, sources.Problem):
                        self.summary.problem(item.message)
                    else:
                        yield {"path": item.path, "item": cluster_stages.encode_item(item)}

    def _read_there(self, file: Path) -> bool:
        """A text file, read as it is: by the task, on the node that runs it."""
        plain = self.inputs.format is None and self.inputs.published is None
        suffix = file.suffix.lower()
        return (
            plain
            and file != sources.STDIN
            and sources.format_of(file) is None
            and suffix != ".json"
        )

    def _own_files(self) -> list[Path]:
        cache = self.settings.cache_path
        return [self.settings.output_dir, *([cache] if cache else [])]

    def _run(self, listed: list[Row], force: bool) -> None:
        version = (self.settings.model, self.prompt.version, SCHEMA_VERSION)
        if force and listed:
            self.store.forget({(i, *version) for i in self._ids(listed)})
        done = self.store.done_ids(*version)
        if not listed:
            return
        ray = _ray()
        nodes = [n["Resources"].get("CPU", 0.0) for n in ray.nodes() if n.get("Alive")]
        sized = plan(self.settings, nodes)
        log.info("on Ray: %d model actor(s) of %g CPU(s)", sized.actors, sized.actor_cpus)
        try:
            with self._cache() as cache:
                self._consume(self._dataset(listed, Digests(done), cache, sized), done)
        finally:
            # Ray Data ends its model actors (and so their embedded servers) by dropping its
            # references to them, and some sit in reference cycles: collected now, the pool
            # goes with its run, not whenever Python next collects (a next chunk's pool would
            # otherwise start beside it; the embedded test saw the actors outlive the run)
            gc.collect()

    def _blocks(self, listed: list[Row]) -> Any:
        blocks = max(1, math.ceil(len(listed) / rows_per_block(self.settings.slots)))
        return _ray().data.from_items(listed, override_num_blocks=blocks)

    def _stage(self, cpus: float = 1.0) -> dict[str, Any]:
        return {"batch_format": "pyarrow", "batch_size": None, "num_cpus": cpus}

    def _ids(self, listed: list[Row]) -> set[str]:
        """``--force``: the ids of the articles to redo, read on the cluster."""
        kwargs = {"settings": self.settings, "base": self.base}
        ds = self._blocks(listed).map_batches(cluster_stages.ids, fn_kwargs=kwargs, **self._stage())
        try:
            return {
                i
                for batch in ds.iter_batches(batch_size=None, batch_format="pyarrow")
                for i in batch.column("id").to_pylist()
            }
        except Exception as exc:
            raise _reraise(exc) from exc

    def _dataset(
        self, listed: list[Row], done: Digests, cache: CacheClient | None, sized: Plan
    ) -> Any:
        ray = _ray()
        common = {"settings": self.settings, "prompt": self.prompt}
        stage = {**self._stage(sized.task_cpus), "memory": STAGE_MEMORY}
        ds = self._blocks(listed).map_batches(
            cluster_stages.read, fn_kwargs={**common, "done": done, "base": self.base}, **stage
        )
        ds = ds.map_batches(
            cluster_stages.ModelStage,
            batch_format="pyarrow",
            batch_size=self.settings.slots,
            compute=ray.data.ActorPoolStrategy(
                size=sized.actors, max_concurrent_calls_per_actor=CALLS_PER_ACTOR
            ),
            num_cpus=sized.actor_cpus,
            fn_constructor_kwargs={
                "settings": actor_settings(self.settings, sized),
                "prompt": self.prompt,
                "cache": cache,
                "open_endpoint": self.open_endpoint,
            },
        )
        return ds.map_batches(cluster_stages.finish, fn_kwargs=common, **stage)

    @contextlib.contextmanager
    def _cache(self) -> Iterator[CacheClient | None]:
        """The run's response cache, in one actor on this node (its file is here)."""
        path = self.settings.cache_path
        if path is None:
            yield None
            return
        ray = _ray()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
        service = ray.remote(
            num_cpus=0, max_restarts=-1, max_task_retries=-1, scheduling_strategy=here
        )(cluster_stages.CacheService)
        handle = service.remote(path, scope(self.settings, self.prompt))
        try:
            ray.get(handle.get_many.remote([]))  # opened, or its error now
        except Exception as exc:
            raise _reraise(exc) from exc
        try:
            yield RayCache(handle)
        finally:
            with contextlib.suppress(Exception):  # a cluster that is gone closes nothing
                ray.get(handle.close.remote(), timeout=30)
                ray.kill(handle)

    def _consume(self, ds: Any, committed: set[bytes]) -> None:
        """Commit what comes back, batch by batch, until the end or Ctrl-C."""
        batches = iter(ds.iter_batches(batch_size=None, batch_format="pyarrow"))
        try:
            for batch in batches:
                self._commit(batch.to_pylist(), committed)
        except KeyboardInterrupt:
            self.summary.interrupted = True
            log.warning("interrupted: every article that came back is committed")
        except MeetxError:
            raise
        except Exception as exc:
            raise _reraise(exc) from exc
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

    def _commit(self, rows: list[Row], committed: set[bytes]) -> None:
        results: list[tuple[ArticleResult, bool]] = []
        read: list[Article] = []
        for r in rows:
            self.summary.requests += r["requests"]
            self.summary.failed_requests += r["failed_requests"]
            if r["kind"] == "problem":
                self.summary.problem(r["note"])
                continue
            digest = bytes.fromhex(r["id"])
            if r["kind"] == "skip" or digest in committed:
                self.summary.skipped += 1
                continue
            committed.add(digest)
            results.append((cluster_stages.decode_result(r["result"]), r["cached"]))
            read.append(Article.model_validate_json(r["article"]))
        if not results:
            return
        try:  # the articles as read, then their lines: what a local run stores
            self.store.save_articles(read)
            self.store.commit_many([result for result, _ in results])
        except OSError as exc:
            where = self.store.directory
            raise OutputError(f"cannot write to {where}: {exc.strerror or exc}") from exc
        for result, cached in results:
            self.summary.add(result, cached)
            self.on_result(result)


def _chunks(rows: Iterable[Row]) -> Iterator[list[Row]]:
    """The rows in runs of at most :data:`MAX_CHUNK_CHARS` of the driver's text (paths weigh
    their name only); at least one run, so that a run with no input still connects."""
    chunk: list[Row] = []
    size = 0
    for r in rows:
        chunk.append(r)
        size += len(r["item"] or r["path"])
        if size >= MAX_CHUNK_CHARS:
            yield chunk
            chunk, size = [], 0
    if chunk or size == 0:
        yield chunk


def _quiet() -> None:
    """Ray Data's own progress bars and execution banners off: the driver shows its own."""
    context = _ray().data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    context.enable_auto_log_stats = False

"""The batch engine: many articles at once, none lost, none twice, nothing paid for twice.

- ``engine``: the asyncio loop of producer, workers and committer.
- ``liveness``: what a run that commits nothing waits for, on the log.
- ``stages``: the CPU-bound stages in worker processes.
- ``cache``: answers already paid for, in SQLite.
- ``sinks``: the output directory (meetings, review, ledger), crash-safe commits.
- ``summary``: a run in numbers.
- ``submit``, ``collect``, ``batches``, ``manifest``: ``meetx batch``, the same work through a
  provider's Batch API at half the price: requests written as batch files and sent
  (``batches``: send, watch, download), answers collected into the same output files; the
  manifest (``<output>/batch.sqlite``) notes every step.
- ``cluster``: the same run on a Ray cluster (Ray Data; the driver commits through ``sinks``);
  ``cluster_stages``: its tasks and actors, calling ``stages``, ``cache`` and the extraction.
  Ray is optional (``meetx[ray]``) and imported only by a run that asks for it.

May import: ``extraction``, ``model``, ``rules``, ``grounding``, ``reading``, ``text``,
``errors``, ``config``, ``schemas``. Never the workflow, the scorer or the command line.
"""

"""The batch engine: many articles at once, none lost, none twice, nothing paid for twice.

- ``engine``: the asyncio loop of producer, workers and committer.
- ``stages``: the CPU-bound stages in worker processes.
- ``cache``: answers already paid for, in SQLite.
- ``sinks``: the output directory (meetings, review, ledger), crash-safe commits.
- ``summary``: a run in numbers.

May import: ``extraction``, ``model``, ``rules``, ``grounding``, ``reading``, ``text``,
``errors``, ``config``, ``schemas``. Never the workflow, the scorer or the command line.
"""

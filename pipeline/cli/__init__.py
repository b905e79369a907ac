"""The ``meetx`` command line: flags and environment in, plain functions called, exit codes out.

- ``app``: the typer app (entry point ``meetx``), ``schema`` and ``model``; gathers the rest.
- ``common``: stderr, logging, settings and errors, shared by the commands.
- ``extract``: ``meetx extract`` and the plain function behind it.
- ``batch``: ``meetx batch submit | status | collect`` (a provider's Batch API).
- ``evaluate``: ``meetx eval`` (with ``--run``, the extraction function, called directly).
- ``review``, ``review_tui``: ``meetx review`` and its terminal walk.
- ``workflow``: ``meetx merge``, ``report`` and ``export``.

May import: everything. Within ``cli``, no module imports another in a cycle, and none
imports ``app``.
"""

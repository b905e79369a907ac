"""After extraction: review, re-extraction, merge into events, report, export.

- ``review``, ``review_edit``: the review log (decisions.jsonl) and edits of flagged records.
- ``reextract``: requeued articles extracted again with the reviewer's note.
- ``merge``: records of one real meeting from several articles -> ``events.jsonl``.
- ``report``: one self-contained HTML page (``templates/``).
- ``export``: CSV, Parquet, SQLite, DuckDB.

May import: ``batch``, ``extraction``, ``grounding``, ``rules``, ``reading``, ``text``,
``errors``, ``config``, ``schemas``. Never the scorer or the command line.
"""

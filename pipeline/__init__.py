"""meetx: news articles in, validated meeting records out.

One article, from input (file, page, dataset row, stdin) to output line::

    reading.sources.iter_inputs -> reading.sources.to_article (reading.html, reading.articles.parse)
      -> extraction.prompts.Prompt.render_chunks (reading.sentences.numbered) -> model.llm.aextract
      (extraction.chunked: piece by piece) -> rules.normalise.meeting
      -> rules.registry.apply -> grounding.align.ground -> grounding.checks.run
      -> extraction.runner.finish (records and review items) -> batch.sinks.OutputStore

Subpackages, each a layer; an arrow means "may import" (enforced: ``[tool.importlinter]`` in
pyproject.toml, ``tests/test_layers.py``)::

    cli -> workflow -> batch -> extraction -> rules | grounding | model -> reading -> text
    cli -> evaluation -> text

- ``text``: shared notions (words, names, countries, same outcome, one-to-one matching).
- ``reading``: files -> articles; the cleaned body and its numbered sentences.
- ``model``: the endpoints; ``model.llm`` is the only module that imports instructor, and with
  ``model.batch_api`` (a provider's Files and Batches API) the only ones that import openai.
- ``rules``: the model's draft -> meetings, through named rules each switchable (merging,
  cues, denials, spokespeople, outcomes; ``meetx rules``).
- ``grounding``: evidence with offsets for every value, and the checks.
- ``extraction``: prompts, long articles, one article's answer -> records.
- ``batch``: the engine over many articles (workers, cache, crash-safe output), and the same
  through a provider's Batch API (``meetx batch submit | status | collect``).
- ``workflow``: review, re-extraction, merge into events, report, export.
- ``evaluation``: the scorer (``meetx eval`` and the benchmarks only).
- ``cli``: the ``meetx`` command line.

``errors`` (the exception tree) and ``config`` (settings, read once at the edge) are for
everyone; ``meetx.schemas`` holds the Pydantic models and imports nothing of the pipeline.
"""

__version__ = "0.1.0"

"""Talking to models: the transports, and the two modules that import openai (``llm``, which
alone imports instructor, and ``batch_api``).

- ``llm``: instructor + openai, the request, its retries, re-asks and accounting.
- ``batch_api``: a provider's Files and Batches API through openai (``meetx batch``), and the
  lines of its input, output and error files.
- ``batch_answers``: the live path (``llm.aextract``) over a transport that catches each
  request for a batch, and answers from what the batches answered.
- ``answer``: the draft schema plus the article-aware check instructor validates with.
- ``backend``: which endpoint a run talks to (replay, a remote server, the embedded model).
- ``local_model``: fetch, verify and serve the embedded model (llama.cpp's server).
- ``replay``: record and replay HTTP exchanges (the offline fixtures).
- ``throttle``: rate limits, the answer timeout over each whole exchange, and counts.

May import: ``text`` (the re-ask of a name the article never gives), ``errors``, ``config``,
``schemas``. Never the articles, the rules, the batch engine or the workflow.
"""

"""Talking to models: the transports and the one module that imports openai/instructor.

- ``llm``: instructor + openai, the request, its retries, re-asks and accounting.
- ``answer``: the draft schema plus the article-aware check instructor validates with.
- ``backend``: which endpoint a run talks to (replay, a remote server, the embedded model).
- ``local_model``: fetch, verify and serve the embedded model (llama.cpp's server).
- ``replay``: record and replay HTTP exchanges (the offline fixtures).
- ``throttle``: rate limits and counts, per request.

May import: ``text`` (the re-ask of a name the article never gives), ``errors``, ``config``,
``schemas``. Never the articles, the rules, the batch engine or the workflow.
"""

"""One article from text to records: prompt, answer, rules, grounding, checks.

- ``prompts``: versioned prompt files (package ``meetx.prompts``) -> chat messages.
- ``chunked``: the answers for the pieces of a long article as one, and the second pass for a
  meeting that names nobody; it is handed the function that asks, and never asks itself.
- ``runner``: one article's answer (or failure) -> its records and review items.

May import: ``model`` (the answer's type), ``rules``, ``grounding``, ``reading``, ``text``,
``errors``, ``config``, ``schemas``. Never the batch engine or the workflow.
"""

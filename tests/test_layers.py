"""The layering of pipeline/ holds, and its check fails when someone breaks it.

The contracts are import-linter's, in pyproject.toml (``[tool.importlinter]``), also run by
``make lint``. Here they run on the real tree, and on copies of it with one forbidden import
added, which must break the contract that forbids it. Two rules are also checked here
without import-linter, straight from the source: only ``pipeline/model/llm.py`` imports
``instructor`` (and with ``batch_api.py``, ``openai``), and ``schemas/`` imports nothing of
meetx.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
FOLDERS = {"pipeline": "meetx/pipeline", "schemas": "meetx/schemas"}


def lint_imports(cwd: Path, python_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if python_path is not None:
        env["PYTHONPATH"] = str(python_path)
    return subprocess.run(
        [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_real_tree_keeps_every_contract(tmp_path: Path):
    result = lint_imports(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# (file of the copy, line added at its top, the contract that must break, the import named)
BREAKS = [
    (
        "pipeline/rules/outcomes.py",
        "from meetx.pipeline.batch import engine",
        "pipeline's layers",
        "meetx.pipeline.rules.outcomes -> meetx.pipeline.batch.engine",
    ),
    (
        "pipeline/model/replay.py",
        "from meetx.pipeline.workflow import merge",
        "pipeline's layers",
        "meetx.pipeline.model.replay -> meetx.pipeline.workflow.merge",
    ),
    (
        "pipeline/model/throttle.py",
        "from meetx.pipeline.reading import clean",
        "the model layer is a transport",
        "meetx.pipeline.model.throttle -> meetx.pipeline.reading.clean",
    ),
    (
        "pipeline/workflow/merge.py",
        "from meetx.pipeline.evaluation import evaluate",
        "production never imports the scorer",
        "meetx.pipeline.workflow.merge -> meetx.pipeline.evaluation.evaluate",
    ),
    (
        "pipeline/evaluation/evaluate.py",
        "from meetx.pipeline.rules import normalise",
        "the scorer stands on the shared text notions alone",
        "meetx.pipeline.evaluation.evaluate -> meetx.pipeline.rules.normalise",
    ),
    (
        "schemas/draft.py",
        "from meetx.pipeline.text import words",
        "schemas are pure Pydantic",
        "meetx.schemas.draft -> meetx.pipeline.text.words",
    ),
    (
        "pipeline/extraction/runner.py",
        "import openai",
        "only model.llm and model.batch_api talk to openai",
        "meetx.pipeline.extraction.runner -> openai",
    ),
    (
        "pipeline/model/batch_api.py",
        "import instructor",
        "only model.llm talks to instructor",
        "meetx.pipeline.model.batch_api -> instructor",
    ),
    (
        "pipeline/cli/common.py",
        "from meetx.pipeline.cli import app",
        "no import cycles",
        ".common -> .app",
    ),
]


@pytest.mark.parametrize(("path", "line", "contract", "named"), BREAKS, ids=[b[0] for b in BREAKS])
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, path: str, line: str, contract: str, named: str
):
    source = tmp_path / "src"
    for folder, name in FOLDERS.items():
        shutil.copytree(ROOT / folder, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    target = source / FOLDERS[path.split("/")[0]] / path.split("/", 1)[1]
    target.write_text(f"{line}  # noqa\n" + target.read_text())
    result = lint_imports(tmp_path, python_path=source)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    broken = [row for row in out.splitlines() if " BROKEN" in row]
    # an upward import is often a cycle too: the contract named must be among those broken
    assert any(row.startswith(contract) for row in broken), out
    assert named in out, out  # the copy was analysed, not the installed tree


# ---------------------------------------------------------------- without import-linter
def imports(path: Path) -> list[str]:
    """The modules a file imports, relative imports as written (``.x``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append("." * node.level + (node.module or ""))
    return found


def sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def talking_to(package: str) -> set[str]:
    return {
        str(path.relative_to(ROOT))
        for path in sources("pipeline", "schemas")
        if any(m.split(".")[0] == package for m in imports(path))
    }


def test_only_model_llm_imports_instructor_and_only_it_and_batch_api_openai():
    assert talking_to("instructor") == {"pipeline/model/llm.py"}
    assert talking_to("openai") == {"pipeline/model/llm.py", "pipeline/model/batch_api.py"}


def test_schemas_import_nothing_of_meetx():
    for path in sources("schemas"):
        ours = [
            m for m in imports(path) if m.startswith("meetx") and not m.startswith("meetx.schemas")
        ]
        assert ours == [], path


def test_first_party_imports_are_absolute_and_under_meetx():
    """No ``from pipeline ...``: inside the checkout that name would import a second copy."""
    for path in sources("pipeline", "schemas", "tests", "bench"):
        for module in imports(path):
            assert not module.startswith("."), (path, module)
            assert module.split(".")[0] not in ("pipeline", "schemas", "prompts"), (path, module)


def test_the_map_of_the_pipeline_names_what_exists():
    """``pipeline/__init__.py`` draws the flow of one article: every name in it is real."""
    import meetx.pipeline

    flow = (meetx.pipeline.__doc__ or "").split("::")[1].split("Subpackages")[0]
    names = re.findall(r"[a-z_]+(?:\.[A-Za-z_]+)+", flow)
    assert len(names) >= 8
    for name in names:
        parts = name.split(".")
        module = importlib.import_module(f"meetx.pipeline.{parts[0]}.{parts[1]}")
        target: object = module
        for attribute in parts[2:]:
            target = getattr(target, attribute)

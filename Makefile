# Two entry points (see README): `make run` sets everything up and extracts the seeds with the
# embedded model; `make test` runs the offline test suite. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARTICLES ?= seeds

.PHONY: run test lint live clean fixtures browser bench llama-flags wheel-test ray-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The dev install: no model, no compiler needed beyond what pip brings.
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# llama-cpp-python builds from source (about 6 minutes on 2 cores, once). Its default build
# (-march=native) uses every instruction the CPU reports; this project's x86_64 VMs report AMX,
# whose tile instructions then fault (the server dies with SIGILL at the first request). So on
# x86_64 it is built for AVX2 (any x86_64 CPU since 2013) plus the AVX-512 sets the CPU has
# (prompts read 1.5x faster: 68 against 45 tokens/s here), never AMX; and into a wheel folder
# of its own, named by those flags: pip's wheel cache would hand back one built with others.
# Keep the version equal to the one of the `local` extra in pyproject.toml.
LLAMA_CPP := llama-cpp-python==0.3.36
ifeq ($(shell uname -m),x86_64)
CPU_FLAGS := $(shell grep -m1 '^flags' /proc/cpuinfo)
has = $(if $(filter $(1),$(CPU_FLAGS)),ON,OFF)
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON \
	-DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
	-DGGML_AVX512=$(if $(filter avx512f,$(CPU_FLAGS)),$(call has,avx512bw),OFF) \
	-DGGML_AVX512_VBMI=$(call has,avx512vbmi) -DGGML_AVX512_VNNI=$(call has,avx512_vnni) \
	-DGGML_AVX512_BF16=$(call has,avx512_bf16)
endif
WHEELS := $(HOME)/.cache/meetx/wheels/$(shell echo '$(LLAMA_CPP) $(LLAMA_CMAKE_ARGS)' | sha256sum | cut -c1-12)

$(WHEELS)/.built: | $(BIN)/python
	@echo "building $(LLAMA_CPP) ($(or $(LLAMA_CMAKE_ARGS),native)); the first build takes minutes"
	CMAKE_ARGS='$(LLAMA_CMAKE_ARGS)' $(BIN)/pip wheel --quiet --no-cache-dir --no-deps \
		'$(LLAMA_CPP)' -w $(WHEELS)
	touch $@

$(VENV)/.local: pyproject.toml $(WHEELS)/.built | $(BIN)/python
	@echo "installing meetx with the embedded model's server"
	$(BIN)/pip install --quiet --force-reinstall --no-deps $(WHEELS)/llama_cpp_python-*.whl
	$(BIN)/pip install --quiet --find-links $(WHEELS) -e '.[local,dev]'
	touch $@

run: $(VENV)/.local
	$(BIN)/meetx model fetch
	$(BIN)/meetx extract $(ARTICLES)

test: $(VENV)/.dev browser
	$(BIN)/pytest

# Debian's Chromium, for the report's browser tests (tests/report); as root or with sudo.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "installing Debian's chromium for the browser tests"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The Ray tests (tests/ray, marked `ray`, left out of `make test`): meetx[ray] installed, then
# one Ray cluster of two CPUs on 127.0.0.1, started and stopped by the tests (about 5 minutes).
$(VENV)/.ray: pyproject.toml | $(VENV)/.dev
	$(BIN)/pip install --quiet -e '.[dev,ray]'
	touch $@

ray-test: $(VENV)/.ray
	$(BIN)/pytest -m ray tests/ray

live: $(VENV)/.local
	$(BIN)/meetx model fetch
	$(BIN)/pytest -m live

# mypy reads the code under its import names (meetx.pipeline, meetx.schemas) through
# .typing/meetx/, symlinks to the folders: it cannot follow setuptools' editable import hook.
# lint-imports checks the layering contracts of pyproject.toml ([tool.importlinter]).
lint: $(VENV)/.dev
	$(BIN)/ruff check pipeline schemas prompts tests bench
	$(BIN)/ruff format --check pipeline schemas prompts tests bench
	@mkdir -p .typing/meetx
	@ln -sfn ../../pipeline .typing/meetx/pipeline
	@ln -sfn ../../schemas .typing/meetx/schemas
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo

# The install outside the checkout: a wheel in a fresh venv, run from another folder, must
# give the editable install's output on the replayed seeds (.ci/wheel-test; about a minute).
wheel-test: $(VENV)/.dev
	.ci/wheel-test

clean:
	rm -rf $(VENV) output/*.jsonl

# Re-record the replay fixtures from real runs of the embedded model over the seeds and
# the team's hard cases (tests/articles).
# Run it whenever the prompt, the draft schema or the request settings change.
fixtures: $(VENV)/.local
	rm -rf tests/fixtures/llamacpp
	$(BIN)/meetx extract seeds --output "$$(mktemp -d)" --record tests/fixtures/llamacpp
	$(BIN)/meetx extract tests/articles/*.txt --output "$$(mktemp -d)" --record tests/fixtures/llamacpp

# The batch benchmark (bench/README.md): meetx against a fake server, a sequential
# instructor loop and LangExtract; about 12 minutes (QUICK=1: 200 articles).
bench: $(VENV)/.dev
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/batch.py $(if $(QUICK),--quick,)

# What llama.cpp is built with here, and where its wheel goes.
llama-flags:
	@echo '$(LLAMA_CMAKE_ARGS)' '$(WHEELS)'

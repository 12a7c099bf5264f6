#!/usr/bin/env bash
# Build the Linux bundle: dist/bwv/ (runnable folder) and dist/bwv-<version>-linux-<arch>.tar.gz,
# with LICENSE, THIRD_PARTY_LICENSES and a CycloneDX SBOM inside. Then smoke-test it with
# `dist/bwv/bwv selftest` unless BWV_SKIP_SELFTEST=1.
#
# Needs: the project venv with the `package` extra (pyinstaller, cyclonedx-bom) and the apt
# packages libvlc5 vlc-plugin-base vlc-plugin-video-output (or BWV_VLC_DIR, see bwv.spec).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
VERSION=$("$PY" -c "import tomllib;print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])")
ARCH=$(uname -m)
DIST=dist/bwv
TARBALL=dist/bwv-$VERSION-linux-$ARCH.tar.gz

echo "== PyInstaller (bwv $VERSION)"
rm -rf "$DIST" "$TARBALL"
"$PY" -m PyInstaller --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/bwv.spec

echo "== licences and SBOM"
"$PY" packaging/third_party_licenses.py --out "$DIST/THIRD_PARTY_LICENSES"
"$PY" packaging/sbom.py --out "$DIST/bwv-sbom.cdx.json"
cp LICENSE "$DIST/LICENSE"
cp packaging/policy.json "$DIST/policy.json"   # IT installs it as /etc/bwv-workstation/policy.json
cp resources/models/MODELS.md "$DIST/MODELS.md"
cp resources/CREDITS.md "$DIST/CREDITS.md"         # CC BY credits (plate training data)

# nothing from shared data, tests or dev tools may be in the bundle
if find "$DIST" \( -path '*/tests/*' -o -path '*/shared/*' -o -name 'pytest*' \
        -o -name 'PyInstaller' -o -name 'fetch_models.py' -o -name 'make_sample.py' \) | grep -q .; then
    echo "error: the bundle contains test, shared-data or dev-tool files:" >&2
    find "$DIST" \( -path '*/tests/*' -o -path '*/shared/*' -o -name 'pytest*' -o -name 'PyInstaller' \
        -o -name 'fetch_models.py' -o -name 'make_sample.py' \) | head >&2
    exit 1
fi

echo "== tarball"
tar -C dist -czf "$TARBALL" bwv
du -sh "$DIST" "$TARBALL"

if [ "${BWV_SKIP_SELFTEST:-0}" != 1 ]; then
    echo "== self-test of the built bundle"
    "$DIST/bwv" --version
    QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$DIST/bwv" selftest
fi

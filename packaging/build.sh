#!/usr/bin/env bash
# Builds the one-folder bundle packaging/dist/synq-desktop/ with PyInstaller, then smoke-tests it: the
# frozen app starts on its embedded sandbox (in-process in a frozen build) under Xvfb, shows the demo
# catalog, prints its SYNQ_DESKTOP_READY line and exits 0. Slow (minutes): not part of ./scripts/test.
# SYNQ_SKIP_SMOKE=1 builds only.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"  # Python 3.12+, the venv, the Debian libraries Qt loads, Xvfb

# Pinned: a release known to freeze PySide6 6.12 on Python 3.13 (measured here).
PYINSTALLER_VERSION="6.22.3"
if ! "$VENV_PY" -c "import PyInstaller, sys; sys.exit(PyInstaller.__version__ != '$PYINSTALLER_VERSION')" 2>/dev/null; then
    echo "build: installing PyInstaller $PYINSTALLER_VERSION into the venv" >&2
    "$VENV_PY" -m pip install --quiet "pyinstaller==$PYINSTALLER_VERSION"
fi

cd "$ROOT/packaging"
started=$(date +%s)
"$VENV_PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/packaging/dist" --workpath "$ROOT/packaging/build" synq-desktop.spec
echo "build: built in $(( $(date +%s) - started )) s: $(du -sh "$ROOT/packaging/dist/synq-desktop" | cut -f1) in packaging/dist/synq-desktop"

[ "${SYNQ_SKIP_SMOKE:-0}" = "1" ] && exit 0

home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
output="$home/smoke.log"
started=$(date +%s%N)
status=0
SYNQ_DESKTOP_HOME="$home" timeout 180 xvfb-run -a "$ROOT/packaging/dist/synq-desktop/synq-desktop" \
    --sandbox --quit-after-ready >"$output" 2>&1 || status=$?
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
if [ "$status" -ne 0 ] || ! grep -q '^SYNQ_DESKTOP_READY' "$output"; then
    cat "$output" >&2
    echo "build: smoke test FAILED (exit status $status)" >&2
    exit 1
fi
grep '^SYNQ_DESKTOP_READY' "$output"
echo "build: smoke test passed: the frozen app showed the demo catalog and quit in $elapsed_ms ms (first start: seeds the demo)"

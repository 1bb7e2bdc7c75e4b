#!/usr/bin/env bash
# Sourced by scripts/demo and scripts/test: makes sure the machine has what synq-desktop needs
# (Python >= 3.12, the Debian libraries Qt loads, a virtualenv with the project installed) and
# exports VENV_PY. Idempotent and quick when everything is already there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SYNQ_VENV:-$ROOT/.venv}"

find_python() {
    # PySide6 6.12 corrupts reference counts on 3.11 (QT-NOTES.md): only 3.12+ will do.
    local cand
    for cand in python3.13 python3.12 python3; do
        if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
            command -v "$cand"; return 0
        fi
    done
    # pyenv keeps other versions installed but not on the PATH's shims.
    for cand in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3.13 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12 /usr/bin/python3.13 /usr/bin/python3.12; do
        if [ -x "$cand" ] && "$cand" -c 'import sys' >/dev/null 2>&1; then echo "$cand"; return 0; fi
    done
    return 1
}

# Debian packages: the offscreen Qt platform (app and tests), xcb for a real window, Xvfb and
# ImageMagick for screenshots.
DEB_PKGS="libgl1 libegl1 libglib2.0-0 libfontconfig1 fonts-dejavu-core libxkbcommon0 libdbus-1-3 \
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxkbcommon-x11-0 xvfb xauth"

ensure_debian_packages() {
    command -v dpkg-query >/dev/null 2>&1 || return 0
    local missing=() p
    for p in $DEB_PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    local SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
    local py stamp want
    want="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
    stamp="$VENV/.synq-stamp"
    if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
        && "$VENV/bin/python" -c 'import synq_desktop' >/dev/null 2>&1; then
        return 0
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        py="$(find_python)" || { echo "bootstrap: synq-desktop needs Python 3.12 or newer (install python3.13 or python3.12); 3.11 crashes PySide6 6.12." >&2; exit 1; }
        echo "bootstrap: creating $VENV with $py" >&2
        "$py" -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT[dev]"
    echo "$want" > "$stamp"
}

ensure_debian_packages
ensure_venv
export VENV_PY="$VENV/bin/python"
export PATH="$VENV/bin:$PATH"

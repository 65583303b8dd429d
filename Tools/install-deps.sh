#!/usr/bin/env bash
# Installs what Earshot needs on Debian 12 (as root or with sudo):
#   the C libraries it links (ALSA, FFTW, libsndfile, libsoxr) and, with --python,
#   a Python venv at .venv with the pinned tools of Tools/requirements.txt.
# Safe to run again; it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need=(libasound2-dev libfftw3-dev libsndfile1-dev libsoxr-dev pkg-config flac python3-venv)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--python" ]; then
  VENV="${EARSHOT_VENV:-.venv}"
  if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
  "$VENV/bin/pip" install -q --disable-pip-version-check -r Tools/requirements.txt
fi

#!/usr/bin/env bash
# Set up FormCoach on a fresh Debian/Ubuntu machine: system packages, then a
# virtual environment in .venv with FormCoach and its test tools.
#   ./setup.sh                 # the app and the CLI
#   ./setup.sh --browser-tests # also Chromium, for the real-browser tests
#   SKIP_APT=1 ./setup.sh      # you installed the system packages yourself
set -euo pipefail
cd "$(dirname "$0")"

# ffmpeg: ffprobe for tests; libgl1 + libglib2.0-0: the OpenCV wheel that
# mediapipe depends on (opencv-contrib-python) links against them; poppler-utils:
# pdftotext and friends, for the tests that read the PDF report back.
APT_PACKAGES=(ffmpeg libgl1 libglib2.0-0 poppler-utils)
# The browser tests drive Debian's Chromium (Playwright cannot download its
# own browser offline).
if [ "${1:-}" = "--browser-tests" ]; then
  APT_PACKAGES+=(chromium chromium-driver)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${SKIP_APT:-0}" != 1 ] && [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
# Compile FormCoach's modules now, as pip does for a regular install. An
# editable install leaves that to the first import, and where Python writes no
# bytecode (PYTHONDONTWRITEBYTECODE) every command compiles them again: 0.4 s
# before an analysis's first pose (docs/performance.md, session 24). Python
# skips a compiled file whose source changed since, so an edit is never stale.
.venv/bin/python -m compileall -q formcoach >/dev/null 2>&1 ||
  echo "Note: FormCoach's modules could not be compiled ahead (a read-only folder?); it runs, only starts slower."
echo "FormCoach is set up: .venv/bin/formcoach --help"

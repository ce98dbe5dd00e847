#!/bin/sh
# Checks the system packages cardkit needs and installs them when run as root:
#   fonts-noto-cjk       Chinese glyphs (without it every character prints as a box)
#   libharfbuzz-subset0  fast font subsetting (WeasyPrint is ten times slower without it)
#   ghostscript          the test suite reads CMYK separations back with gs (tiffsep)
# With --browser (make test, not make demo) it checks only the browser tests' packages:
#   chromium chromium-driver   Debian's browser and its matching driver, for Selenium
set -u
missing=""
if [ "${1:-}" = "--browser" ]; then
  command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
  command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
else
if ! fc-list ':lang=zh' family 2>/dev/null | grep -q 'Noto Sans CJK SC'; then
  missing="$missing fonts-noto-cjk"
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset\.so\.0'; then
  missing="$missing libharfbuzz-subset0"
fi
if ! command -v gs >/dev/null 2>&1; then
  missing="$missing ghostscript"
fi
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
    echo "error: could not install:$missing" >&2; exit 1; }
  fc-cache -f >/dev/null 2>&1 || true
  exit 0
fi
echo "error: missing system packages:$missing" >&2
echo "install them with:  sudo apt-get update && sudo apt-get install -y$missing" >&2
exit 1

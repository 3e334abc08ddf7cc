#!/usr/bin/env bash
# `make test-book` needs a Chromium. It never downloads a browser build of its own: it uses BOOK_CHROMIUM,
# else `chromium` on PATH, else (as root on Debian/Ubuntu) installs Debian's chromium package with apt-get.
set -euo pipefail
if [ -n "${BOOK_CHROMIUM:-}" ]; then
    [ -x "$BOOK_CHROMIUM" ] && exit 0
    echo "BOOK_CHROMIUM=$BOOK_CHROMIUM is not an executable file: point it at a Chromium or Chrome binary." >&2
    exit 2
fi
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-book: installing Debian's chromium (apt-get install chromium)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    exit 0
fi
echo "test-book needs Chromium and cannot install it here (not root, or no apt-get)." >&2
echo "Fix: sudo apt-get install chromium   (Debian), or set BOOK_CHROMIUM=/path/to/chrome and run make test-book again." >&2
exit 2

#!/usr/bin/env bash
# The browser tests drive Debian's Chromium. Install it when missing and we are root;
# otherwise say exactly what to install.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
  exit 0
fi
cat >&2 <<'MSG'
The browser tests need Chromium at /usr/bin/chromium. Install it with
    sudo apt-get install chromium chromium-driver      (Debian, Ubuntu)
or point the tests at another Chromium with CHROMIUM=/path/to/chromium make test
MSG
exit 1

#!/usr/bin/env bash
# The browser test drives Debian's Chromium with playwright-core; install it when we may, else say how.
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser test (once)..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
fi
echo "The browser test needs Chromium at /usr/bin/chromium: sudo apt-get install -y chromium (Debian/Ubuntu)." >&2
exit 1

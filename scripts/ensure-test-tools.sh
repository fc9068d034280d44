#!/usr/bin/env bash
# Two tests drive tools from Debian: the browser tests Chromium (through playwright-core), the local KMS test the AWS CLI
# (an independent client of our endpoints). Install what is missing when we may, else say how.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v aws >/dev/null || missing+=(awscli)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's ${missing[*]} for the tests (once)..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null && exit 0
fi
echo "The tests need ${missing[*]}: sudo apt-get install -y ${missing[*]} (Debian/Ubuntu)." >&2
exit 1

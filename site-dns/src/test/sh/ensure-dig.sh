#!/usr/bin/env bash
# Makes sure `dig` is there for the site DNS tests: when it is missing, installs Debian's
# bind9-dnsutils with apt-get (as root). Run by the site-dns build before its tests, with the
# module's target folder as its argument. When dig cannot be had (not root, no apt-get, no
# package source reachable), it says why on standard error and in TARGET/dig-missing.txt, and
# exits 0: the tests that need dig then fail with that reason, they are not skipped.
set -u
target="${1:?usage: ensure-dig.sh TARGET-FOLDER}"
mkdir -p "$target"
note="$target/dig-missing.txt"
rm -f "$note"

if command -v dig >/dev/null 2>&1; then
  exit 0
fi

missing() {
  echo "site-dns: dig is missing and was not installed: $*" >&2
  echo "dig is missing and was not installed: $*" >"$note"
  exit 0
}

if [ "$(id -u)" -ne 0 ]; then
  missing "not root, so apt-get cannot install bind9-dnsutils; install it (apt-get install bind9-dnsutils) and run the tests again"
fi
if ! command -v apt-get >/dev/null 2>&1; then
  missing "no apt-get on this machine; install the package that provides dig (Debian: bind9-dnsutils)"
fi
echo "site-dns: dig is missing; installing bind9-dnsutils (Debian package)" >&2
log="$target/dig-install.log"
if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bind9-dnsutils; } >"$log" 2>&1; then
  missing "apt-get install bind9-dnsutils failed (offline, or no package source?); its output is in $log"
fi
if ! command -v dig >/dev/null 2>&1; then
  missing "bind9-dnsutils installed but dig is not on the PATH ($PATH)"
fi
echo "site-dns: installed $(dig -v 2>&1 | head -n 1)" >&2

#!/usr/bin/env bash
# Debian packages the test suite uses: headless Chromium with a CJK font for the browser tests,
# PostgreSQL and Redis servers for the scaled-mode tests (throwaway instances are started
# from these binaries when no server is configured), and Dovecot for the email tests' IMAP
# server (each test run starts its own). Installs only what is missing, as root.
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
command -v redis-server >/dev/null || need+=(redis-server)
command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "system_deps: missing ${need[*]}; install them with apt (needs root). Tests that need them will be skipped." >&2
  exit 0
fi
echo "system_deps: installing ${need[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

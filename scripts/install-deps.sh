#!/usr/bin/env bash
# Installs only what is missing for `npm test` and `npm run demo`, and says what it does:
#   1. Node >= 20.19 (checked, not installed),
#   2. Debian's mariadb-server + mariadb-client (throwaway test servers and the reference decoder
#      mariadb-binlog) via apt-get, only when mariadbd/mariadb-install-db/mariadb-binlog are missing,
#   3. npm packages (`npm install` from the lock file) when node_modules is missing or older than package-lock.json.
# Safe to run any number of times; never touches a running server.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'pitr: %s\n' "$*"; }
die() { printf 'pitr: error: %s\n' "$*" >&2; exit 1; }

# --- 1. Node -----------------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || die "node is not installed; install Node.js >= 20.19 (https://nodejs.org/)"
node_version="$(node -p 'process.versions.node')"
if ! node -e '
  const [maj, min] = process.versions.node.split(".").map(Number);
  process.exit(maj > 20 || (maj === 20 && min >= 19) ? 0 : 1);
'; then
  die "node ${node_version} is too old; pitr needs Node.js >= 20.19"
fi

# --- 2. MariaDB server and client ----------------------------------------------------------------
# mariadbd lives in /usr/sbin, which is not on every user's PATH.
have_tool() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/local/sbin/$1" ]
}
missing=()
for tool in mariadbd mariadb-install-db mariadb-binlog; do
  have_tool "$tool" || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing MariaDB server and client from Debian (needed for throwaway test servers; missing: ${missing[*]})…"
  command -v apt-get >/dev/null 2>&1 ||
    die "apt-get not found; install MariaDB (mariadbd, mariadb-install-db, mariadb-binlog) with your package manager"
  if [ "$(id -u)" -eq 0 ]; then
    sudo_cmd=()
  elif command -v sudo >/dev/null 2>&1; then
    say "not root: using sudo for apt-get"
    sudo_cmd=(sudo)
  else
    die "need root or sudo to install mariadb-server and mariadb-client"
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update
  "${sudo_cmd[@]}" apt-get install -y --no-install-recommends mariadb-server mariadb-client
  for tool in mariadbd mariadb-install-db mariadb-binlog; do
    have_tool "$tool" || die "$tool still missing after installing mariadb-server and mariadb-client"
  done
  mariadbd_bin="$(command -v mariadbd || echo /usr/sbin/mariadbd)"
  say "MariaDB installed: $("$mariadbd_bin" --version 2>/dev/null || echo "(version unknown)")"
else
  say "MariaDB server and client present; nothing to install"
fi

# --- 3. npm packages ----------------------------------------------------------------------------
npm_install() {
  # `npm install` with the committed lock file rather than `npm ci`: the registry reachable here has
  # no darwin/windows builds of turbo, so the lock file cannot list them and `npm ci` refuses it.
  # `npm install` resolves exactly the locked versions for this platform.
  say "installing npm packages (npm install, locked versions): $1…"
  npm install --no-audit --no-fund
}
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ]; then
  npm_install "node_modules is missing"
elif [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm_install "package-lock.json changed since the last install"
else
  say "npm packages up to date; skipping npm install"
fi

# npm 11 runs install scripts only for packages approved in package.json "allowScripts"; if the
# native zstd binding or esbuild's binary did not get built, build them now.
if ! node -e 'require("zstd-napi"); require("esbuild")' >/dev/null 2>&1; then
  say "rebuilding native packages (zstd-napi, esbuild): they did not load after install…"
  npm rebuild zstd-napi esbuild
  node -e 'require("zstd-napi"); require("esbuild")' ||
    die "zstd-napi or esbuild still does not load after npm rebuild"
fi

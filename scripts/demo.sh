#!/usr/bin/env bash
# `npm run demo`: install what is missing, build, then start a throwaway MariaDB, run a small shop
# workload and decode its binary log with `pitr binlog decode` (text and NDJSON). Never touches a
# server you run: the demo's mariadbd lives in a temp dir on a free 127.0.0.1 port and is removed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh

echo "pitr: building packages (tsc -b, then the CLI bundle)…"
npx --no-install tsc -b
node packages/cli/scripts/bundle-cli.mjs

exec npx --no-install tsx tools/src/demo.ts </dev/null

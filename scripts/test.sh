#!/usr/bin/env bash
# `npm test`: install what is missing, build every package, check package boundaries, then run the
# whole vitest suite (unit, decoder differential, end to end). Exits with vitest's exit code.
# Works without a terminal (CI=true, no stdin).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh

echo "pitr: building packages (tsc -b, then the CLI bundle)…"
npx --no-install tsc -b
node packages/cli/scripts/bundle-cli.mjs

echo "pitr: type-checking tests and tools…"
npx --no-install tsc -p tsconfig.tests.json

echo "pitr: checking package boundaries…"
node scripts/lint-boundaries.mjs packages/*/

echo "pitr: running tests (vitest)…"
set +e
npx --no-install vitest run "$@" </dev/null
code=$?
set -e
exit "$code"

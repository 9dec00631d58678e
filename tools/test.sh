#!/bin/sh
# The project's checks and tests, as CI runs them: formatting, lint, API
# docs, types, the docs' examples compiled, then every test. Ends with one "tests: N passed, N failed" line.
set -eu
cd "$(dirname "$0")/.."
export NO_COLOR=1
deno=node_modules/.bin/deno
$deno fmt --check
$deno lint
$deno doc --lint mod.ts $(git ls-files 'src/*.ts' 2>/dev/null || find src -name '*.ts')
$deno check mod.ts src/cli/program.ts tests/ bench/ tools/ fuzz/
# Every @example in the API docs compiles (type-checked, not run: many touch devices).
$deno test --doc --no-run mod.ts src/
log=$(mktemp)
status=0
$deno test --allow-all tests/ 2>&1 | tee "$log" || status=$?
[ "$status" = 0 ] || status=1
summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
passed=$(echo "$summary" | sed -nE 's/.*\| ([0-9]+) passed.*/\1/p')
failed=$(echo "$summary" | sed -nE 's/.*\| ([0-9]+) failed.*/\1/p')
rm -f "$log"
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
[ -n "$summary" ] || status=1
# sh has no pipefail: the pipeline's status is tee's, so the summary decides too.
case $summary in FAILED*) status=1 ;; esac
[ "${failed:-0}" = 0 ] || status=1
exit $status

#!/usr/bin/env bash
# Checks the ./fleetdeck script's command line: options reach the launcher, commands without options
# refuse stray ones, an unknown command fails. The launcher and cmake are fakes that record their
# arguments (a unit test of the script; the launcher itself is tested by e2e.launcher).
set -euo pipefail

script="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }

mkdir -p "$work/root/build/dev/services/launcher" "$work/bin"
cp "$script" "$work/root/fleetdeck"
touch "$work/root/build/dev/build.ninja"
cat >"$work/root/build/dev/services/launcher/fleetdeck-launcher" <<'FAKE'
#!/usr/bin/env bash
printf '%s\n' "$*" >>"$FAKE_LOG"
FAKE
cat >"$work/bin/cmake" <<'FAKE'
#!/usr/bin/env bash
printf 'cmake %s\n' "$*" >>"$FAKE_LOG"
FAKE
chmod +x "$work/root/build/dev/services/launcher/fleetdeck-launcher" "$work/bin/cmake"
export FAKE_LOG="$work/calls.log" FLEETDECK_DATA="$work/data" PATH="$work/bin:$PATH"
unset FLEETDECK_PRESET

run() {  # run <expected exit: 0 or fail> <args...>; output in $work/out
  local expected="$1"
  shift
  : >"$FAKE_LOG"
  local status=0
  "$work/root/fleetdeck" "$@" >"$work/out" 2>&1 || status=$?
  if [ "$expected" = 0 ] && [ "$status" -ne 0 ]; then fail "./fleetdeck $* exited $status: $(cat "$work/out")"; fi
  if [ "$expected" = fail ] && [ "$status" -eq 0 ]; then fail "./fleetdeck $* succeeded; expected a failure"; fi
  return 0
}
expect_call() {  # expect_call <exact line the fake recorded>
  grep -qxF -- "$1" "$FAKE_LOG" || fail "expected the call '$1'; recorded: $(tr '\n' '|' <"$FAKE_LOG")"
}
expect_output() {
  grep -qF -- "$1" "$work/out" || fail "expected '$1' in the output: $(cat "$work/out")"
}

run 0 up --no-seed
expect_call "cmake --build $work/root/build/dev -j $(nproc)"
expect_call "up --no-seed --data $work/data"

for command in down status seed credentials; do
  run 0 "$command"
  expect_call "$command --data $work/data"
done
run 0 seed --demo-dir /somewhere
expect_call "seed --demo-dir /somewhere --data $work/data"

run fail status --data /elsewhere
expect_output "choose the data folder with FLEETDECK_DATA=DIR ./fleetdeck status, not --data"
[ ! -s "$FAKE_LOG" ] || fail "./fleetdeck status --data ran the launcher: $(cat "$FAKE_LOG")"

for command in setup build test; do
  run fail "$command" --no-seed
  expect_output "$command takes no options (got: --no-seed)"
  [ ! -s "$FAKE_LOG" ] || fail "./fleetdeck $command --no-seed ran something: $(cat "$FAKE_LOG")"
done

run fail demo --bogus
expect_output "unknown demo option: --bogus"
run fail frobnicate
expect_output "unknown command: frobnicate"
run 0 help
expect_output "--no-seed"

if [ "$failures" -ne 0 ]; then
  printf '%d check(s) failed\n' "$failures" >&2
  exit 1
fi
echo "all ./fleetdeck command-line checks passed"

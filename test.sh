#!/usr/bin/env bash
# Runs the whole DqnBridge test suite on a Debian 12 (or Ubuntu) machine with the .NET SDK.
# Installs only what is missing, so a second run starts testing at once.
# Ends with one line: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use: Debian's Python with NumPy (the bridge and its tests), pygame
# (Gymnasium's renderer), venv (venv discovery tests), ffmpeg (agent videos) and flake8 (the Python lint).
apt_packages=(python3 libpython3.11 python3-numpy python3-venv python3-pygame ffmpeg python3-flake8)

missing=()
for package in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing missing packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo_cmd=(sudo); else
      echo "error: these packages are missing and this user cannot install them: ${missing[*]}" >&2
      echo "       run: apt-get install ${missing[*]}   (as root), then run $0 again" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null; then
  echo "error: the .NET SDK (dotnet) is not on PATH; install .NET SDK 10 first" >&2
  exit 1
fi

# Tests drive Debian's Python (the one with python3-numpy), whatever python3 is first on PATH.
export DQNBRIDGE_PYTHON="${DQNBRIDGE_PYTHON:-/usr/bin/python3}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# A one-node Slurm (tools/local-slurm, which needs root) for the tests of `benchmark --slurm`: they run against it when
# DQNBRIDGE_SLURM=1 and are skipped (Inconclusive) otherwise. A cluster this script starts, it stops at the end.
slurm_as=()
stop_slurm=false
if [ -z "${DQNBRIDGE_SLURM:-}" ]; then
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then slurm_as=(sudo -n); fi
  if [ "$(id -u)" -eq 0 ] || [ ${#slurm_as[@]} -gt 0 ]; then
    "${slurm_as[@]}" tools/local-slurm status >/dev/null 2>&1 || stop_slurm=true
    # Started or not, the tests run: when it failed they fail with what Slurm says, rather than being skipped unseen.
    "${slurm_as[@]}" tools/local-slurm start || echo "warning: tools/local-slurm start failed; the Slurm tests will fail" >&2
    export DQNBRIDGE_SLURM=1
  else
    echo "note: not root and no password-less sudo: the Slurm tests are skipped (sudo tools/local-slurm start, then DQNBRIDGE_SLURM=1 $0)"
  fi
fi

log=$(mktemp)
cleanup() {
  rm -f "$log"
  if $stop_slurm; then "${slurm_as[@]}" tools/local-slurm stop >/dev/null || true; fi
}
trap cleanup EXIT
set +e
dotnet test DqnBridge.sln -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# Each test assembly prints "Passed!  - Failed: F, Passed: P, Skipped: S, Total: T, ..." (or "Failed!").
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  f += $(i + 1)
      if ($i == "Passed:")  p += $(i + 1)
      if ($i == "Skipped:") s += $(i + 1)
    }
  }
  END { printf "%d %d %d\n", p, f, s }' "$log")

# One style (.editorconfig): formatting drift fails the run like a failing test.
if ! dotnet format DqnBridge.sln --verify-no-changes >"$log" 2>&1; then
  grep -E "error|warning" "$log" | head -20 >&2
  echo "error: the code is not formatted as .editorconfig says; run: dotnet format DqnBridge.sln" >&2
  failed=$((failed + 1))
  status=1
fi

# The Python package and the reference scripts: flake8 with .flake8's settings (Debian's python3-flake8 has no
# flake8 command, so it runs as a module of Debian's Python).
if ! /usr/bin/python3 -m flake8 python benchmarks/reference >"$log" 2>&1; then
  head -20 "$log" >&2
  echo "error: flake8 found problems in python/ or benchmarks/reference/ (settings in .flake8); fix them and run: /usr/bin/python3 -m flake8 python benchmarks/reference" >&2
  failed=$((failed + 1))
  status=1
fi

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the build or a test host failed before reporting a result
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"

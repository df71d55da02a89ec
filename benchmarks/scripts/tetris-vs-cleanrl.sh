#!/usr/bin/env bash
# DqnBridge's CleanRL-Atari preset against CleanRL's own dqn_atari.py on ALE/Tetris-v5, end to end, taken in turn.
#
#   DQNBRIDGE_PYTHON=PY CLEANRL_RUNNER=RUNNER benchmarks/scripts/tetris-vs-cleanrl.sh [REPS] [STEPS] [THREADS]
#
# PY: a Python with Gymnasium and ale-py (with the Tetris ROM); RUNNER: the runner that
# ../shared/tools/build-cleanrl-runner builds (it runs CleanRL's script on the CPU with one thread).
# Both train STEPS steps (default 22,000) with learning_starts 2,000 and a 20,000-transition buffer, seed 1, the rest
# CleanRL's dqn_atari.py defaults; DqnBridge with torch_threads THREADS (default 1). Each repetition (default 3) runs
# CleanRL, then DqnBridge. The figure is steps / wall time, start-up and DqnBridge's final checkpoint included.
# Run from the repository root after `dotnet build -c Release src/DqnBridge.Cli`.
set -euo pipefail
reps=${1:-3}
steps=${2:-22000}
threads=${3:-1}
: "${DQNBRIDGE_PYTHON:?set DQNBRIDGE_PYTHON to a Python with Gymnasium and ale-py}"
: "${CLEANRL_RUNNER:?set CLEANRL_RUNNER to the runner built by ../shared/tools/build-cleanrl-runner}"
dqnbridge=${DQNBRIDGE:-src/DqnBridge.Cli/bin/Release/net10.0/dqnbridge}
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT

seconds() { date +%s.%N; }
rate() { awk -v s="$steps" -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", s / (b - a) }'; }

echo "ALE/Tetris-v5, $steps steps, learning_starts 2000, buffer 20000, seed 1; steps/s incl. start-up"
echo "rep  cleanrl  dqnbridge(torch_threads=$threads)  ratio  load"
for rep in $(seq 1 "$reps"); do
    t0=$(seconds)
    "$CLEANRL_RUNNER" --algo dqn_atari --env-id ALE/Tetris-v5 --seed 1 --total-timesteps "$steps" \
        --learning-starts 2000 --buffer-size 20000 > "$runs/cleanrl-$rep.log" 2>&1
    t1=$(seconds)
    "$dqnbridge" train -c configs/cleanrl-atari.yaml --env ALE/Tetris-v5 seed=1 total_timesteps="$steps" \
        learning_starts=2000 buffer_size=20000 torch_threads="$threads" tensorboard=false runs_dir="$runs" \
        --run-name "dqnbridge-$rep" > "$runs/dqnbridge-$rep.log" 2>&1
    t2=$(seconds)
    cleanrl=$(rate "$t0" "$t1")
    ours=$(rate "$t1" "$t2")
    echo "$rep  $cleanrl  $ours  $(awk -v a="$cleanrl" -v b="$ours" 'BEGIN { printf "%.2f", b / a }')  $(cut -d' ' -f1-3 /proc/loadavg)"
done

#!/usr/bin/env bash
# The `rainbow` preset against our DQN on CartPole-v1, Acrobot-v1 and LunarLander-v3, seeds 1-5: four benchmark
# folders trained by two queues of shards (at most two training processes at once), then merged and compared.
#
#   DQNBRIDGE_PYTHON=PY benchmarks/scripts/rainbow-vs-dqn.sh OUT [CLASSIC_STEPS] [LUNAR_STEPS]
#
# PY: a Python with Gymnasium and Box2D (LunarLander-v3 only; CartPole-v1 and Acrobot-v1 use the built-in
# environments). DQN: configs/cleanrl-classic-control.yaml (CartPole-v1, Acrobot-v1) and configs/lunarlander.yaml;
# Rainbow: configs/rainbow-classic-control.yaml on all three. Both algorithms train the same number of steps on an
# environment: CLASSIC_STEPS on CartPole-v1 and Acrobot-v1 (default 100,000), LUNAR_STEPS on LunarLander-v3 (default
# 50,000). OUT gets the folders dqn-classic, dqn-lunar, rainbow-classic and rainbow-lunar (each with its merge's
# results.csv, .md, .png) and the comparison compare.csv, compare.md and compare.png.
# Every run is deterministic, so how the cells are spread over the queues changes no figure but steps/s.
# The queues go environment by environment, so that the finished environments can be compared early.
# Run from the repository root after `dotnet build -c Release src/DqnBridge.Cli`.
set -euo pipefail
out=${1:?usage: rainbow-vs-dqn.sh OUT [CLASSIC_STEPS] [LUNAR_STEPS]}
classic_steps=${2:-100000}
lunar_steps=${3:-50000}
: "${DQNBRIDGE_PYTHON:?set DQNBRIDGE_PYTHON to a Python with Gymnasium and Box2D}"
dqnbridge=${DQNBRIDGE:-src/DqnBridge.Cli/bin/Release/net10.0/dqnbridge}
seeds="1 2 3 4 5"
mkdir -p "$out"

rainbow=configs/rainbow-classic-control.yaml
dqn=configs/cleanrl-classic-control.yaml
classic() { # ALGO CONFIG CELL: CartPole-v1 seeds 1-5 are cells 1-5, Acrobot-v1's 6-10
    "$dqnbridge" benchmark -c "$2" --envs CartPole-v1 Acrobot-v1 --seeds $seeds -o "$out/$1-classic" --shard "$3/10" \
        backend=native total_timesteps="$classic_steps"
}
lunar() { # ALGO CONFIG CELL (the seed)
    "$dqnbridge" benchmark -c "$2" --envs LunarLander-v3 --seeds $seeds -o "$out/$1-lunar" --shard "$3/5" \
        backend=gymnasium total_timesteps="$lunar_steps"
}

# Two queues of about equal work, one environment after the other: a Rainbow step costs several DQN steps on
# CartPole-v1 and Acrobot-v1, and about two on LunarLander-v3.
(
    for c in 1 3 5; do classic rainbow $rainbow $c; done
    for c in 7 9; do classic rainbow $rainbow $c; done
    for c in 6 7 8 9 10; do classic dqn $dqn $c; done
    for c in 1 3 5; do lunar rainbow $rainbow $c; done
    for c in 2 4; do lunar dqn configs/lunarlander.yaml $c; done
) > "$out/queue1.log" 2>&1 &
(
    for c in 2 4; do classic rainbow $rainbow $c; done
    for c in 1 2 3 4 5; do classic dqn $dqn $c; done
    for c in 6 8 10; do classic rainbow $rainbow $c; done
    for c in 2 4; do lunar rainbow $rainbow $c; done
    for c in 1 3 5; do lunar dqn configs/lunarlander.yaml $c; done
) > "$out/queue2.log" 2>&1 &
wait

for folder in dqn-classic dqn-lunar rainbow-classic rainbow-lunar; do
    "$dqnbridge" benchmark merge "$out/$folder" > "$out/$folder/merge.log"
done
"$dqnbridge" benchmark compare "$out/rainbow-classic" "$out/rainbow-lunar" --reference "$out/dqn-classic" "$out/dqn-lunar" \
    --label rainbow --reference-label dqn -o "$out"

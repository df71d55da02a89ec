"""Optional reference: the Nature-CNN DQN train step in PyTorch, as CleanRL's dqn_atari.py writes it.

DqnBridge never needs this script or PyTorch. The benchmark's `cnn` and `pixels` modes start it when the Python
they are given can import torch, to put PyTorch's figure beside ours on the same shapes: batch 32, 4x84x84 uint8
frames, 5 actions, Adam, MSE loss, intra-op threads as asked.

    python3 benchmarks/reference/cnn_train_step.py [--steps 100] [--threads 1]   # one figure, then exit
    python3 benchmarks/reference/cnn_train_step.py --serve                       # driven by the benchmark

Each train step takes the next of 32 random batches (see POOL). With --serve it reads requests from stdin, one a
line, and answers each with one line "cpu_ms wall_ms" (per step):
    step THREADS N     N whole train steps with THREADS intra-op threads
    phase NAME N       N repetitions of one part of the step (names as in PHASES), one thread
"""
import argparse
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH, ACTIONS, GAMMA = 32, 5, 0.99


class QNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.network = nn.Sequential(
            nn.Conv2d(4, 32, 8, stride=4), nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=1), nn.ReLU(),
            nn.Flatten(),
            nn.Linear(3136, 512), nn.ReLU(),
            nn.Linear(512, ACTIONS),
        )

    def forward(self, x):
        return self.network(x / 255.0)


torch.manual_seed(1)
q_network = QNetwork()
target_network = QNetwork()
target_network.load_state_dict(q_network.state_dict())
optimizer = torch.optim.Adam(q_network.parameters(), lr=1e-4)

# A pool of random batches, taken in turn: trained on one batch over and over, a network soon fits it, its gradients
# shrink into subnormal floats and every step slows down, which a real run (a new batch each step) never sees.
POOL = 32
generator = torch.Generator().manual_seed(2)
batches = [
    (
        torch.randint(0, 256, (BATCH, 4, 84, 84), dtype=torch.uint8, generator=generator),
        torch.randint(0, 256, (BATCH, 4, 84, 84), dtype=torch.uint8, generator=generator),
        torch.randint(0, ACTIONS, (BATCH, 1), generator=generator),
        torch.rand(BATCH, generator=generator),
        (torch.rand(BATCH, generator=generator) < 0.1).float(),
    )
    for _ in range(POOL)
]
observations, next_observations, actions, rewards, dones = batches[0]
scaled = observations / 255.0
step_count = 0


def train_step():
    global step_count
    observations, next_observations, actions, rewards, dones = batches[step_count % POOL]
    step_count += 1
    with torch.no_grad():
        target_max, _ = target_network(next_observations).max(dim=1)
        td_target = rewards + GAMMA * target_max * (1 - dones)
    old_val = q_network(observations).gather(1, actions).squeeze()
    loss = F.mse_loss(td_target, old_val)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def target_forward():
    with torch.no_grad():
        target_network.network(scaled).max(dim=1)


def online_forward():
    return F.mse_loss(rewards, q_network.network(scaled).gather(1, actions).squeeze(1))


def forward_backward():
    optimizer.zero_grad()
    online_forward().backward()


PHASES = {
    "scale": lambda: (observations / 255.0, next_observations / 255.0),
    "target_forward": target_forward,
    "online_forward": online_forward,
    "forward_backward": forward_backward,
    "adam": optimizer.step,
}


def measure(action, count):
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        action()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return cpu / count * 1e3, wall / count * 1e3


def blas_library():
    """The BLAS shared library this process loaded (Debian's torch uses the system's), or '?' off Linux."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1]}
        return ", ".join(sorted(paths)) or "none loaded"
    except OSError:
        return "?"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for _ in range(5):  # warm-up: first calls pick algorithms and allocate
        train_step()
    print(f"torch {torch.__version__}, blas {blas_library()}", flush=True)
    if not args.serve:
        torch.set_num_threads(args.threads)
        cpu, wall = measure(train_step, args.steps)
        print(f"{cpu:.3f} {wall:.3f}")
        return
    for line in sys.stdin:
        request = line.split()
        if not request:
            continue
        if request[0] == "step":
            torch.set_num_threads(int(request[1]))
            cpu, wall = measure(train_step, int(request[2]))
        else:
            torch.set_num_threads(1)
            cpu, wall = measure(PHASES[request[1]], int(request[2]))
        print(f"{cpu:.3f} {wall:.3f}", flush=True)


if __name__ == "__main__":
    main()

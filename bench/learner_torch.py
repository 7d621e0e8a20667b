"""The learner's TD3+BC update in PyTorch, on the same networks and batch as bench/learner.ts, so the bench
can put the two side by side in one run. Prints one JSON line: {"updates_per_second": ..., "threads": ...}.

Usage: python3 bench/learner_torch.py --obs 20 --act 5 --hidden 64 64 --batch 128 --updates 300 --threads 1
"""
import argparse
import json
import time

import torch
from torch import nn


def mlp(sizes, layer_norm=False, tanh=False):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            if layer_norm:
                layers.append(nn.LayerNorm(sizes[i + 1]))
            layers.append(nn.ReLU())
    if tanh:
        layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--obs", type=int, required=True)
    p.add_argument("--act", type=int, required=True)
    p.add_argument("--hidden", type=int, nargs="+", required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--updates", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--layer-norm", action="store_true")
    p.add_argument("--fine-scale", type=float, default=0.0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    o, d, h = a.obs, a.act, a.hidden
    # The learner's input: the normalized observation, beside its fine-scale copy tanh(k·(z + μ/σ)) when
    # --fine-scale is set (Td3Config.fineScale), made afresh from each batch as the learner does.
    offset = torch.full((o,), 0.1)

    def features(z):
        return torch.cat([z, torch.tanh(a.fine_scale * (z + offset))], 1) if a.fine_scale > 0 else z

    i = 2 * o if a.fine_scale > 0 else o
    actor, actor_t = mlp([i, *h, d], tanh=True), mlp([i, *h, d], tanh=True)
    critics = [mlp([i + d, *h, 1], a.layer_norm) for _ in range(2)]
    critics_t = [mlp([i + d, *h, 1], a.layer_norm) for _ in range(2)]
    actor_t.load_state_dict(actor.state_dict())
    for c, ct in zip(critics, critics_t):
        ct.load_state_dict(c.state_dict())
    opt_a = torch.optim.Adam(actor.parameters(), lr=3e-4)
    opt_c = torch.optim.Adam([q for c in critics for q in c.parameters()], lr=3e-4)
    n = a.batch
    s, act, r = torch.randn(n, o), torch.rand(n, d) * 2 - 1, torch.randn(n, 1)
    s2, boot = torch.randn(n, o), torch.ones(n, 1)
    demo_s, demo_a = torch.randn(n, o), torch.rand(n, d) * 2 - 1

    def polyak(target, source, tau=0.005):
        with torch.no_grad():
            for t, q in zip(target.parameters(), source.parameters()):
                t.mul_(1 - tau).add_(q, alpha=tau)

    def update(k):
        fs, fs2 = features(s), features(s2)
        with torch.no_grad():
            noise = (torch.randn(n, d) * 0.2).clamp(-0.5, 0.5)
            a2 = (actor_t(fs2) + noise).clamp(-1, 1)
            x2 = torch.cat([fs2, a2], 1)
            y = r + boot * 0.98 * torch.min(critics_t[0](x2), critics_t[1](x2))
        x = torch.cat([fs, act], 1)
        loss = ((critics[0](x) - y) ** 2).mean() + ((critics[1](x) - y) ** 2).mean()
        opt_c.zero_grad()
        loss.backward()
        opt_c.step()
        if k % 2 == 0:
            q = critics[0](torch.cat([fs, actor(fs)], 1))
            actor_loss = -q.mean() + 0.5 * ((actor(features(demo_s)) - demo_a) ** 2).mean()
            opt_a.zero_grad()
            actor_loss.backward()
            opt_a.step()
            polyak(actor_t, actor)
            for c, ct in zip(critics, critics_t):
                polyak(ct, c)

    for k in range(20):
        update(k)
    t0 = time.perf_counter()
    for k in range(a.updates):
        update(k)
    seconds = time.perf_counter() - t0
    print(json.dumps({"updates_per_second": a.updates / seconds, "threads": a.threads}))


if __name__ == "__main__":
    main()

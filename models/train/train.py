#!/usr/bin/python3
"""Train the stage-aware hop model on a dataset written by models/data/export-dataset.ts and export it as
one model folder per task that follows the reward node's contract (lib/reward/manifest.ts): encoder.onnx,
head.onnx, goal images, parity fixture, manifest.json with sha256 of every file.

Usage: /usr/bin/python3 models/train/train.py --data DIR --out models/PREFIX [--epochs N] [--seed S]
"""
import argparse
import hashlib
import json
import math
import os
import re
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hopmodel import MEAN, STD, Encoder, HopHead, bin_centers, hop, normalise, soft_targets  # noqa: E402

OPSET = 17
BINS = 21
EMBED = 64
GAP_EDGES = [0.0, 0.1, 0.3]  # time-gap bins as a share of the episode: same state, short, medium, long


def load_dataset(folder):
    with open(os.path.join(folder, "dataset.json")) as f:
        meta = json.load(f)
    v, h, w = len(meta["views"]), meta["height"], meta["width"]
    frames = np.fromfile(os.path.join(folder, "frames.u8"), dtype=np.uint8)
    n = len(meta["frames"]["progress"])
    if frames.size != n * v * h * w * 3:
        raise ValueError(f"{folder}/frames.u8 holds {frames.size} bytes, dataset.json says {n} frames of {v}x{h}x{w}x3")
    meta["frames"] = {k: np.asarray(a) for k, a in meta["frames"].items()}
    return meta, frames.reshape(n, v, h, w, 3)


def spearman(x):
    """Spearman rank correlation of x with time; 0 for fewer than 2 points or a constant sequence."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 2 or np.ptp(x) == 0:
        return 0.0
    # average ranks for ties, as Spearman's rho defines them
    order = np.argsort(x, kind="stable")
    r = np.empty(len(x))
    xs = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and xs[j + 1] == xs[i]:
            j += 1
        r[order[i:j + 1]] = (i + j) / 2.0
        i = j + 1
    return float(np.corrcoef(r, np.arange(len(x), dtype=np.float64))[0, 1])


class Trainer:
    def __init__(self, meta, frames, args):
        self.meta, self.frames, self.args = meta, frames, args
        self.views = meta["views"]
        self.V = len(self.views)
        self.size = meta["height"]
        self.task_names = list(meta["tasks"])
        self.K = max(len(s) for s in meta["tasks"].values())
        lab = meta["frames"]
        self.progress = lab["progress"].astype(np.float64)
        self.stage = lab["stage"].astype(np.int64)
        self.present = lab["present"].astype(np.float32)
        self.episodes = meta["episodes"]
        rng = np.random.default_rng(args.seed)
        idx = rng.permutation(len(self.episodes))
        n_val = max(1, int(round(len(idx) * args.val_share))) if len(idx) > 3 else 0
        self.val = sorted(idx[:n_val].tolist())
        self.train = sorted(idx[n_val:].tolist())
        # Goal references: last frames of successful expert episodes, per task. At run time the node uses
        # the manifest's goal images, which come from another randomization than the live episode, so
        # training pairs a trajectory with the goal of another episode whenever there is one.
        self.goals = {t: [] for t in self.task_names}
        for e in self.train:
            ep = self.episodes[e]
            if ep["success"]:
                self.goals[ep["task"]].append(ep["first"] + ep["count"] - 1)
        for t, g in self.goals.items():
            if not g:
                raise ValueError(f"task {t} has no successful training episode to take a goal image from")
        self.rng = rng
        self.steps_done = 0
        torch.manual_seed(args.seed)
        init = torch.load(args.init) if args.init else None
        new_stages = False
        if init:
            if init["size"] != self.size:
                raise ValueError(f"{args.init}: trained at {init['size']} px, the data {args.data} is at {self.size} px")
            # The encoder is shared by the views and the head pools over them: no weight belongs to a view,
            # so a model adapts to another camera set (a real robot's cam_high, ...) with the same weights.
            if init["views"] != self.views:
                print(f"adapting from views {init['views']} to the data's views {self.views}", flush=True)
            # Adaptation starts from a trained model: its stage layer covers every training task. A task with
            # more stages (a real recording's annotations) gets a new stage layer, trained from scratch.
            new_stages = self.K > init["stages"]
            if not new_stages:
                self.K = init["stages"]
            else:
                print(f"new stage layer: {self.K} stages (the checkpoint has {init['stages']})", flush=True)
        self.encoder = Encoder(self.size, EMBED)
        self.head = HopHead(EMBED, self.K, BINS)
        if init:
            self.encoder.load_state_dict(init["encoder"])
            head_state = init["head"]
            if new_stages:
                head_state = {k: v for k, v in head_state.items() if not k.startswith("stage.")}
            missing, unexpected = self.head.load_state_dict(head_state, strict=not new_stages)
            if unexpected or any(not k.startswith("stage.") for k in missing):
                raise ValueError(f"{args.init}: head weights do not fit (missing {missing}, unexpected {unexpected})")
        # Adapting from one demonstration: a frozen encoder keeps its batch-norm statistics, which one
        # episode's frames would otherwise overwrite within a few dozen steps.
        self.freeze_encoder = args.freeze_encoder
        self.encoder.requires_grad_(not self.freeze_encoder)
        params = [q for q in (*self.encoder.parameters(), *self.head.parameters()) if q.requires_grad]
        self.set_training()
        self.opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-4)

    def augment(self, x):
        """Small shifts, brightness/contrast jitter and a colour gain per channel and image, so held-out
        randomizations (lighting, placement, colours) are not a new world to the encoder. The colour gain
        matters most: without it the late frames of held-out episodes (place, release) lost their progress
        and completion accuracy was 0.05-0.10 lower on the selection seeds."""
        n = x.shape[0]
        pad = 3
        xp = F.pad(x, (pad, pad, pad, pad), mode="replicate")
        dx, dy = self.rng.integers(0, 2 * pad + 1, size=2)
        x = xp[:, :, dy:dy + self.size, dx:dx + self.size]
        gain = torch.from_numpy((self.rng.uniform(0.85, 1.15, size=(n, 1, 1, 1))
                                 * self.rng.uniform(0.9, 1.1, size=(n, 3, 1, 1))).astype(np.float32))
        bias = torch.from_numpy(self.rng.uniform(-0.15, 0.15, size=(n, 1, 1, 1)).astype(np.float32))
        return x * gain + bias

    def set_training(self):
        self.encoder.train(not self.freeze_encoder)
        self.head.train()

    def encode(self, idx, train):
        """Frame indices → embeddings [n, V, E] (all views through the one shared encoder)."""
        x = normalise(self.frames[idx]).reshape(-1, 3, self.size, self.size)
        if train:
            x = self.augment(x)
        return self.encoder(x).reshape(len(idx), self.V, EMBED)

    def sample_step(self):
        a = self.args
        eps = self.rng.choice(self.train, size=min(a.episodes_per_step, len(self.train)), replace=False)
        # cands: (start_slot, goal_slot, before_slot, after_slot, before_frame (−1: goal), after_frame, gap_bin)
        frame_ids, slot_start, slot_goal, cands = [], [], [], []
        for e in eps:
            ep = self.episodes[e]
            first, count = ep["first"], ep["count"]
            k = min(a.frames_per_episode, count)
            inner = self.rng.choice(np.arange(1, count - 1), size=max(0, k - 2), replace=False) if count > 2 else []
            local = sorted({0, count - 1, *np.asarray(inner, dtype=int).tolist()})
            slots = []
            for li in local:
                slots.append(len(frame_ids))
                frame_ids.append(first + li)
            pool = [g for g in self.goals[ep["task"]] if not (first <= g < first + count)] or self.goals[ep["task"]]
            goal_slot = len(frame_ids)
            frame_ids.append(int(self.rng.choice(pool)))
            start_slot = slots[0]
            slot_start += [start_slot] * (len(slots) + 1)
            slot_goal += [goal_slot] * (len(slots) + 1)
            for i, si in enumerate(slots):
                for j, sj in enumerate(slots):
                    gap = abs(local[j] - local[i]) / max(1, count - 1)
                    gb = int(np.searchsorted(GAP_EDGES, gap, side="left")) if gap > 0 else 0
                    cands.append((start_slot, goal_slot, si, sj, frame_ids[si], frame_ids[sj], gb))
                # backward-anchored: BEFORE is the goal reference (Φ = 1)
                cands.append((start_slot, goal_slot, goal_slot, si, -1, frame_ids[si], len(GAP_EDGES) + 1))
        c = np.array(cands, dtype=np.int64)
        phi_b = np.where(c[:, 4] < 0, 1.0, self.progress[np.maximum(c[:, 4], 0)])
        phi_a = self.progress[c[:, 5]]
        h = hop(phi_b, phi_a)
        hb = np.clip(np.round((h + 1) / 2 * (BINS - 1)).astype(int), 0, BINS - 1)
        # Balance over hop-value bins × time-gap bins: weight each candidate by the inverse size of its cell.
        cell = hb * 16 + c[:, 6]
        _, inv, counts = np.unique(cell, return_inverse=True, return_counts=True)
        w = 1.0 / counts[inv]
        pick = self.rng.choice(len(c), size=a.pairs_per_step, replace=True, p=w / w.sum())
        slots = (np.array(frame_ids), np.array(slot_start), np.array(slot_goal))
        return slots, c[pick], phi_b[pick], phi_a[pick], h[pick]

    def view_mask(self, n, present_b, present_a):
        """Random view dropout (a lost camera) on top of the views actually recorded: each view dropped
        with a small probability, and on a share of pairs exactly one view dropped; at least one kept."""
        m = np.ones((n, self.V), dtype=np.float32)
        if self.V > 1:
            m[self.rng.random((n, self.V)) < self.args.view_dropout] = 0
            one = self.rng.random(n) < self.args.one_view_drop
            m[one, self.rng.integers(0, self.V, size=one.sum())] = 0
        m = m * present_b * present_a
        empty = m.sum(1) == 0
        m[empty] = (present_b * present_a)[empty]
        still = m.sum(1) == 0
        m[still, 0] = 1
        return torch.from_numpy(m)

    def step(self):
        (frame_ids, slot_start, slot_goal), c, phi_b, phi_a, h = self.sample_step()
        emb = self.encode(frame_ids, train=True)
        codes = self.head.state_code(emb, emb[slot_start], emb[slot_goal])
        present = self.present[frame_ids]
        mask = self.view_mask(len(c), present[c[:, 2]], present[c[:, 3]])
        pair, ra, rb = self.head.pool(codes[c[:, 2]], codes[c[:, 3]], mask)
        logits = self.head.hop(pair)
        target = torch.from_numpy(soft_targets(h, BINS))
        loss_hop = -(target * F.log_softmax(logits, -1)).sum(-1).mean()
        loss_stage = F.cross_entropy(self.head.stage(ra), torch.from_numpy(self.stage[c[:, 5]]))
        prog = torch.sigmoid(torch.cat([self.head.progress(ra), self.head.progress(rb)], 0)).squeeze(-1)
        prog_t = torch.from_numpy(np.concatenate([phi_a, phi_b]).astype(np.float32))
        loss_prog = F.mse_loss(prog, prog_t)
        loss = loss_hop + 0.5 * loss_stage + 2.0 * loss_prog
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return float(loss_hop), float(loss_stage), float(loss_prog)

    @torch.no_grad()
    def validate(self):
        """Quick check on held-back training-seed episodes: VOC of the forward-anchored estimate
        H(start → t) on successful ones, and the mean absolute error of that estimate against ground truth.
        The real evaluation (held-out seeds, fused estimate, every view-drop) is `process-reward eval`."""
        self.encoder.eval()
        self.head.eval()
        centers = torch.from_numpy(bin_centers(BINS).astype(np.float32))
        vocs, errs = [], []
        for e in self.val:
            ep = self.episodes[e]
            ids = np.arange(ep["first"], ep["first"] + ep["count"])
            emb = self.encode(ids, train=False)
            goal = self.encode(np.array([self.goals[ep["task"]][0]]), train=False)
            n = len(ids)
            start = emb[:1].expand(n, -1, -1)
            logits, _ = self.head(start, goal.expand(n, -1, -1), start, emb, torch.from_numpy(self.present[ids]))
            pred = (torch.softmax(logits, -1) * centers).sum(-1).clamp(0, 1).numpy()
            errs.append(np.abs(pred - self.progress[ids]).mean())
            if ep["success"]:
                vocs.append(spearman(pred))
        self.set_training()
        # None (JSON null) rather than NaN, which JSON.parse on the manifest would refuse
        return (round(float(np.mean(vocs)), 4) if vocs else None), (round(float(np.mean(errs)), 4) if errs else None)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pattern(shape, phase):
    """Deterministic test input, reproduced bit-for-bit by the TypeScript parity test:
    x[i] = float32(sin(0.001·i·(i mod 7 + 1) + phase))."""
    i = np.arange(int(np.prod(shape)), dtype=np.float64)
    return np.sin(0.001 * i * (i % 7 + 1) + phase).astype(np.float32).reshape(shape)


class TaskHead(torch.nn.Module):
    """The trained head with its stage logits cut to one task's K stages: the contract ties the
    stage_logits width to the task's stage list, so each task ships as its own model folder (the encoder
    and the hop part are shared and identical across them)."""

    def __init__(self, head, stages):
        super().__init__()
        self.head, self.stages = head, stages

    def forward(self, start, goal, before, after, view_mask):
        hop_logits, stage_logits = self.head(start, goal, before, after, view_mask)
        return hop_logits, stage_logits[:, : self.stages]


def export(trainer, out, task, args, train_log):
    os.makedirs(out, exist_ok=True)
    stage_names = trainer.meta["tasks"][task]
    K = len(stage_names)
    enc, head = trainer.encoder.eval(), TaskHead(trainer.head.eval(), K).eval()
    V, S = trainer.V, trainer.size
    names = ["start", "goal", "before", "after", "view_mask"]
    torch.onnx.export(
        enc, (torch.zeros(2, 3, S, S),), os.path.join(out, "encoder.onnx"), opset_version=OPSET,
        input_names=["image"], output_names=["embedding"],
        dynamic_axes={"image": {0: "batch"}, "embedding": {0: "batch"}},
    )
    e = torch.zeros(2, V, EMBED)
    torch.onnx.export(
        head, (e, e, e, e, torch.ones(2, V)), os.path.join(out, "head.onnx"), opset_version=OPSET,
        input_names=names, output_names=["hop_logits", "stage_logits"],
        dynamic_axes={**{n: {0: "batch"} for n in names}, "hop_logits": {0: "batch"}, "stage_logits": {0: "batch"}},
    )
    for name in ("encoder.onnx", "head.onnx"):
        onnx.checker.check_model(onnx.load(os.path.join(out, name)))
    # PyTorch weights (all tasks' stage logits), the starting point of `process-reward adapt`.
    torch.save({"encoder": trainer.encoder.state_dict(), "head": trainer.head.state_dict(), "stages": trainer.K,
                "size": S, "views": trainer.views}, os.path.join(out, "checkpoint.pt"))

    # Parity fixture: PyTorch outputs on deterministic inputs, checked against onnxruntime-node in CI.
    with torch.no_grad():
        img = pattern((2, 3, S, S), 0.0)
        embp = [pattern((2, V, EMBED), float(k + 1)) for k in range(4)]
        maskp = np.array([[1.0] * V, [1.0] + [0.0] * (V - 1)], dtype=np.float32)
        emb_out = enc(torch.from_numpy(img)).numpy()
        hop_out, stage_out = head(*[torch.from_numpy(x) for x in embp], torch.from_numpy(maskp))
    parity = {
        "pattern": "x[i] = float32(sin(0.001*i*(i%7+1) + phase)); image phase 0; start/goal/before/after phase 1..4",
        "view_mask": maskp.tolist(),
        "embedding": emb_out.tolist(),
        "hop_logits": hop_out.numpy().tolist(),
        "stage_logits": stage_out.numpy().tolist(),
    }
    with open(os.path.join(out, "parity.json"), "w") as f:
        json.dump(parity, f)

    # A real recording's task is its annotations' text ("clean the table"): a plain folder name for its goals.
    folder = re.sub(r"[^A-Za-z0-9_.-]+", "_", task)
    os.makedirs(os.path.join(out, "goals", folder), exist_ok=True)
    gid = trainer.goals[task][0]
    goal = {}
    for vi, view in enumerate(trainer.views):
        rel = f"goals/{folder}/{view}.png"
        Image.fromarray(trainer.frames[gid, vi]).save(os.path.join(out, rel), optimize=True)
        goal[view] = rel
    src = next(ep for ep in trainer.episodes if ep["first"] <= gid < ep["first"] + ep["count"])

    tensor = lambda name, shape: {"name": name, "dtype": "float32", "shape": shape}
    emb = ["batch", V, EMBED]
    files = sorted(
        os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs if f != "manifest.json"
    )
    m = trainer.meta
    manifest = {
        "name": os.path.basename(os.path.normpath(out)),
        "description": f"Stage-aware hop model for the sim task '{task}', trained on process-reward sim recordings "
                       "of all tasks (README.md is the model card).",
        "kind": "hop",
        "contract_version": 1,
        "views": trainer.views,
        "image": {"width": S, "height": S, "channels": 3, "resize": "fill", "mean": MEAN, "std": STD},
        "encoder": {"file": "encoder.onnx", "inputs": [tensor("image", ["batch", 3, S, S])],
                    "outputs": [tensor("embedding", ["batch", EMBED])]},
        "head": {"file": "head.onnx",
                 "inputs": [tensor(n, emb) for n in names[:4]] + [tensor("view_mask", ["batch", V])],
                 "outputs": [tensor("hop_logits", ["batch", BINS]), tensor("stage_logits", ["batch", K])]},
        "hop_bins": BINS,
        "tasks": {task: {"stages": stage_names, "goal": goal,
                         "goal_source": {"task": task, "seed": src["seed"], "policy": src["policy"]}}},
        "default_task": task,
        "frame_stride": m.get("stride", 1),
        "training": {
            "trainer": "models/train/train.py",
            "tasks": trainer.task_names,
            "recordings": m.get("source", []),
            "episodes": {"train": len(trainer.train), "validation": len(trainer.val)},
            "frames": int(len(trainer.progress)),
            "seed": args.seed,
            "threads": args.threads,
            "steps": trainer.steps_done,
            "planned_steps": args.steps,
            "log": train_log,
        },
        "parity": {"file": "parity.json", "tolerance": 1e-4},
        "metrics": {},
        "files": {f: sha256(os.path.join(out, f)) for f in files},
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {out}: {', '.join(files)}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True, help="model folders are written as <out>_<task>, one per task")
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--episodes-per-step", type=int, default=6)
    p.add_argument("--frames-per-episode", type=int, default=8)
    p.add_argument("--pairs-per-step", type=int, default=384)
    p.add_argument("--view-dropout", type=float, default=0.1)
    p.add_argument("--one-view-drop", type=float, default=0.3)
    p.add_argument("--val-share", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--export-every", type=int, default=0, help="also export the model folders every N steps")
    p.add_argument("--freeze-encoder", action="store_true", help="train the head only (adaptation)")
    p.add_argument("--init", help="start from this checkpoint.pt (adaptation) instead of random weights")
    p.add_argument("--exact-out", action="store_true", help="write the (single-task) model folder to --out itself")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    meta, frames = load_dataset(args.data)
    if args.exact_out and len(meta["tasks"]) != 1:
        raise ValueError(f"--exact-out needs data of one task, got {list(meta['tasks'])}")
    trainer = Trainer(meta, frames, args)
    print(f"dataset: {frames.shape[0]} frames, {len(meta['episodes'])} episodes "
          f"({len(trainer.train)} train / {len(trainer.val)} val), views {trainer.views}, tasks {trainer.task_names}",
          flush=True)
    warm = max(1, args.steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        trainer.opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / max(1, args.steps)))))
    log, t0, acc = [], time.time(), np.zeros(3)
    every = max(1, min(100, args.steps // 10))
    for s in range(1, args.steps + 1):
        acc += trainer.step()
        trainer.steps_done = s
        sched.step()
        if s % every == 0 or s == args.steps:
            voc, mae = trainer.validate()
            entry = {"step": s, "hop_ce": round(acc[0] / every, 4), "stage_ce": round(acc[1] / every, 4),
                     "progress_mse": round(acc[2] / every, 5), "val_forward_voc": voc,
                     "val_forward_mae": mae, "seconds": round(time.time() - t0, 1)}
            log.append(entry)
            print(json.dumps(entry), flush=True)
            acc[:] = 0
            if args.export_every and s % args.export_every == 0 and s < args.steps:
                # A usable model at regular intervals, so a run cut short still leaves one behind.
                export_all(trainer, args, log)
                trainer.set_training()
    export_all(trainer, args, log)


def export_all(trainer, args, log):
    for task in trainer.task_names:
        export(trainer, args.out if args.exact_out else f"{args.out}_{task}", task, args, log)


if __name__ == "__main__":
    main()

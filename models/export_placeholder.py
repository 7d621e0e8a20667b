#!/usr/bin/python3
"""Export the *placeholder* hop model: random weights, correct I/O contract (models/CONTRACT.md).

It exists only so that the reward node, its tests and its benchmark run before a trained model exists.
Its progress estimates are meaningless. The trained model replaces it by writing the same files (same
names, shapes and manifest fields) under models/<name>/.

Usage: /usr/bin/python3 models/export_placeholder.py [out_dir]   (Debian python3-torch + python3-onnx)
"""
import hashlib
import json
import os
import struct
import sys
import zlib

import onnx
import torch
from torch import nn

OPSET = 17
IMAGE = 64  # square input side; a trained model states its own in the manifest
EMBED = 32
BINS = 21  # hop bin centres, evenly spaced over [-1, 1]
VIEWS = ["front", "left", "wrist"]
TASKS = {"pick_place": ["reach", "grasp", "transport", "place"]}
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


class Encoder(nn.Module):
    """One normalized RGB image -> one embedding."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 16, 5, stride=4, padding=2), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, EMBED),
        )

    def forward(self, image):
        return self.net(image)


class HopHead(nn.Module):
    """(start, goal, before, after) embeddings of every view + view mask -> hop bin logits, stage logits.

    Views are scored one by one and averaged over the views present (mask = 1), so a missing view
    changes the evidence, not the shapes."""

    def __init__(self, stages):
        super().__init__()
        self.view = nn.Sequential(nn.Linear(4 * EMBED, 64), nn.ReLU())
        self.hop = nn.Linear(64, BINS)
        self.stage = nn.Linear(64, stages)

    def forward(self, start, goal, before, after, view_mask):
        x = self.view(torch.cat([start, goal, before, after], dim=-1))  # [B, V, 64]
        m = view_mask.unsqueeze(-1)
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.hop(pooled), self.stage(pooled)


def png(path, width, height, rgb):
    """A minimal RGB8 PNG writer, so the exporter needs nothing beyond torch and onnx."""
    raw = b"".join(b"\x00" + rgb[y * width * 3:(y + 1) * width * 3] for y in range(height))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "placeholder")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    stages = len(next(iter(TASKS.values())))
    enc, head = Encoder().eval(), HopHead(stages).eval()
    V = len(VIEWS)
    torch.onnx.export(
        enc, (torch.zeros(2, 3, IMAGE, IMAGE),), os.path.join(out, "encoder.onnx"), opset_version=OPSET,
        input_names=["image"], output_names=["embedding"],
        dynamic_axes={"image": {0: "batch"}, "embedding": {0: "batch"}},
    )
    e = torch.zeros(2, V, EMBED)
    names = ["start", "goal", "before", "after", "view_mask"]
    torch.onnx.export(
        head, (e, e, e, e, torch.ones(2, V)), os.path.join(out, "head.onnx"), opset_version=OPSET,
        input_names=names, output_names=["hop_logits", "stage_logits"],
        dynamic_axes={**{n: {0: "batch"} for n in names}, "hop_logits": {0: "batch"}, "stage_logits": {0: "batch"}},
    )
    for name in ("encoder.onnx", "head.onnx"):
        onnx.checker.check_model(onnx.load(os.path.join(out, name)))

    g = torch.Generator().manual_seed(1)
    tasks = {}
    for task, stage_names in TASKS.items():
        os.makedirs(os.path.join(out, "goals", task), exist_ok=True)
        goal = {}
        for view in VIEWS:
            rel = f"goals/{task}/{view}.png"
            pixels = torch.randint(0, 256, (IMAGE * IMAGE * 3,), generator=g, dtype=torch.uint8)
            png(os.path.join(out, rel), IMAGE, IMAGE, bytes(pixels.tolist()))
            goal[view] = rel
        tasks[task] = {"stages": stage_names, "goal": goal}

    tensor = lambda name, shape: {"name": name, "dtype": "float32", "shape": shape}
    emb = ["batch", V, EMBED]
    files = sorted(
        os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs if f != "manifest.json"
    )
    manifest = {
        "name": "placeholder",
        "description": "PLACEHOLDER: random weights, for wiring and tests only; its progress is meaningless.",
        "kind": "hop",
        "contract_version": 1,
        "views": VIEWS,
        "image": {"width": IMAGE, "height": IMAGE, "channels": 3, "resize": "fill", "mean": MEAN, "std": STD},
        "encoder": {"file": "encoder.onnx", "inputs": [tensor("image", ["batch", 3, IMAGE, IMAGE])],
                    "outputs": [tensor("embedding", ["batch", EMBED])]},
        "head": {"file": "head.onnx",
                 "inputs": [tensor(n, emb) for n in names[:4]] + [tensor("view_mask", ["batch", V])],
                 "outputs": [tensor("hop_logits", ["batch", BINS]), tensor("stage_logits", ["batch", stages])]},
        "hop_bins": BINS,
        "tasks": tasks,
        "default_task": next(iter(TASKS)),
        "training": {"data": "none (random weights, torch.manual_seed(0))", "exporter": "models/export_placeholder.py"},
        "metrics": {},
        "files": {f: sha256(os.path.join(out, f)) for f in files},
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {out}: {', '.join(files)}")


if __name__ == "__main__":
    main()

"""The stage-aware hop model (DESIGN §4): a small CNN image encoder shared by every view and role, and a
head that turns START, GOAL, BEFORE and AFTER embeddings of every view (with a view mask) into hop bin
logits and stage logits. Also the label maths used for training (hop formula, soft bin targets)."""
import numpy as np
import torch
from torch import nn

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def hop(phi_p, phi_q):
    """H(p→q) of DESIGN §4 on numpy arrays; 0 where the denominator vanishes (p at goal going up, p at 0
    going down cannot happen since Φ ≥ 0)."""
    phi_p = np.asarray(phi_p, dtype=np.float64)
    phi_q = np.asarray(phi_q, dtype=np.float64)
    up = phi_q >= phi_p
    denom = np.where(up, 1.0 - phi_p, phi_p)
    safe = np.where(denom > 1e-9, denom, 1.0)
    return np.where(denom > 1e-9, (phi_q - phi_p) / safe, 0.0).clip(-1.0, 1.0)


def bin_centers(bins):
    return np.linspace(-1.0, 1.0, bins)


def soft_targets(values, bins):
    """Two-hot targets: each hop shares its mass between the two nearest bin centres, so the expectation
    of the target distribution is the hop itself (no quantisation bias in the predicted value)."""
    pos = (np.asarray(values, dtype=np.float64) + 1.0) / 2.0 * (bins - 1)
    lo = np.clip(np.floor(pos).astype(np.int64), 0, bins - 2)
    frac = np.clip(pos - lo, 0.0, 1.0)
    t = np.zeros((len(pos), bins), dtype=np.float32)
    rows = np.arange(len(pos))
    t[rows, lo] = 1.0 - frac
    t[rows, lo + 1] += frac
    return t


class Encoder(nn.Module):
    """One normalised RGB image [3, S, S] → one embedding. Four stride-2 conv blocks then a linear map of
    the 4×4 (for S = 64) feature map, which keeps where things are (progress is mostly about where the
    gripper and object are) instead of average-pooling it away."""

    def __init__(self, size, embed):
        super().__init__()
        chans = [3, 16, 32, 48, 64]
        layers = []
        for cin, cout in zip(chans, chans[1:]):
            layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]
        self.conv = nn.Sequential(*layers)
        side = size // 16
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(chans[-1] * side * side, embed))

    def forward(self, image):
        return self.fc(self.conv(image))


class HopHead(nn.Module):
    """Per view: a state code r(x) = f([x, start, goal, x − start, goal − x]) for BEFORE and AFTER, then a
    pair code from (r_before, r_after, r_after − r_before). Pair codes are averaged over the views present
    (mask = 1), so a missing camera changes the evidence, not the shapes. Stage logits come from the AFTER
    state codes alone (the stage of the state reached)."""

    def __init__(self, embed, stages, bins, hidden=128):
        super().__init__()
        self.state = nn.Sequential(nn.Linear(5 * embed, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.pair = nn.Sequential(nn.Linear(3 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.hop = nn.Linear(hidden, bins)
        self.stage = nn.Linear(hidden, stages)
        # Training-only auxiliary: the progress of a single state, which gives the state code a direct
        # signal; not part of the exported graph.
        self.progress = nn.Linear(hidden, 1)

    def state_code(self, x, start, goal):
        return self.state(torch.cat([x, start, goal, x - start, goal - x], dim=-1))

    def codes(self, start, goal, before, after, view_mask):
        return self.pool(self.state_code(before, start, goal), self.state_code(after, start, goal), view_mask)

    def pool(self, rb, ra, view_mask):
        """State codes of BEFORE and AFTER [B, V, hidden] → view-pooled pair, AFTER and BEFORE codes.
        Split from `codes` so training can compute each frame's state code once and reuse it in every
        pair the frame appears in."""
        pair = self.pair(torch.cat([rb, ra, ra - rb], dim=-1))
        m = view_mask.unsqueeze(-1)
        n = m.sum(1).clamp(min=1.0)
        return (pair * m).sum(1) / n, (ra * m).sum(1) / n, (rb * m).sum(1) / n

    def forward(self, start, goal, before, after, view_mask):
        pair, ra, _ = self.codes(start, goal, before, after, view_mask)
        return self.hop(pair), self.stage(ra)


def normalise(frames_u8):
    """uint8 [..., H, W, 3] → float [..., 3, H, W] normalised with the manifest's mean/std."""
    x = torch.from_numpy(frames_u8).float().div_(255.0)
    x = x.movedim(-1, -3)
    mean = torch.tensor(MEAN).view(3, 1, 1)
    std = torch.tensor(STD).view(3, 1, 1)
    return (x - mean) / std

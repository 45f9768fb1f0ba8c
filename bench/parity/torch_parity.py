#!/usr/bin/python3
"""Training parity of llm-mesh's GPT-2 (core, on DJL/libtorch) against plain PyTorch.

Reads what `bench.jar train-parity-export` wrote (initial weights in HuggingFace names, the exact batches, the
hyperparameters and the Java per-step losses), trains the same GPT-2 written here from scratch in PyTorch on the
same batches with torch.optim.AdamW (two parameter groups: decay / no decay), the same warmup + cosine learning
rate and torch.nn.utils.clip_grad_norm_, and compares:

  * the per-step training losses (gate 1: exit 1 if any relative difference java vs torch float32 exceeds
    --tolerance, 1e-4),
  * the per-step gradient norms before clipping, and the learning rates (must agree to 1e-12),
  * the gradients of step 1 at the initial weights, parameter by parameter (gate 2: exit 1 if
    ||java - torch float64|| / ||torch float64|| exceeds --grad-tolerance, 1e-5, for any parameter),
  * the weights after the last step (reported, not gated: 20 AdamW steps amplify float32 rounding in
    parameters with tiny gradients, on both sides alike).

The same training also runs in float64, so a difference can be told apart from float32 rounding: the float64
column is the closer-to-exact answer both float32 runs should sit around. Gate 2 exists because a model this
close to its initialisation has small pre-activations, where e.g. erf-GELU and tanh-GELU differ by less than the
loss gate sees; the step-1 gradients still show such a difference (measured: 4.6e-5 against 6.6e-7).

Written for Debian's python3-torch (1.13) under /usr/bin/python3. Needs only torch and the standard library.
"""
import argparse
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

SAFETENSORS_DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "I32": torch.int32,
                      "I64": torch.int64}


def read_safetensors(path):
    """name -> tensor, from the file format alone (8-byte little-endian header length, JSON header, raw data)."""
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len].decode("utf-8"))
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = SAFETENSORS_DTYPES[info["dtype"]]
        raw = bytearray(data[base + begin:base + end])
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors


# ---- the model: GPT-2 as HuggingFace lays it out, written here from scratch ------------------------------------

class Conv1D(nn.Module):
    """HuggingFace's Conv1D: y = x @ W + b with W stored [in, out] (the transpose of nn.Linear)."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.empty(n_out))

    def forward(self, x):
        shape = x.shape[:-1] + (self.weight.shape[1],)
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(shape)


class Attention(nn.Module):
    def __init__(self, width, heads, context):
        super().__init__()
        self.heads = heads
        self.c_attn = Conv1D(width, 3 * width)  # q, k, v side by side along the output
        self.c_proj = Conv1D(width, width)
        self.register_buffer("causal", torch.tril(torch.ones(context, context, dtype=torch.bool)), persistent=False)

    def forward(self, x):
        b, t, c = x.shape
        d = c // self.heads
        q, k, v = self.c_attn(x).split(c, dim=2)
        q = q.view(b, t, self.heads, d).transpose(1, 2)
        k = k.view(b, t, self.heads, d).transpose(1, 2)
        v = v.view(b, t, self.heads, d).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(d)
        scores = scores.masked_fill(~self.causal[:t, :t], float("-inf"))
        y = F.softmax(scores, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, t, c))


class Mlp(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.c_fc = Conv1D(width, 4 * width)
        self.c_proj = Conv1D(4 * width, width)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, width, heads, context, eps):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width, eps=eps)
        self.attn = Attention(width, heads, context)
        self.ln_2 = nn.LayerNorm(width, eps=eps)
        self.mlp = Mlp(width)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class Gpt2(nn.Module):
    """Token + position embeddings, pre-LayerNorm blocks, final LayerNorm, LM head tied to the token embedding."""

    def __init__(self, vocab, context, width, layers, heads, eps):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, width),
            wpe=nn.Embedding(context, width),
            h=nn.ModuleList([Block(width, heads, context, eps) for _ in range(layers)]),
            ln_f=nn.LayerNorm(width, eps=eps),
        ))

    def forward(self, ids):
        tr = self.transformer
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = tr.wte(ids) + tr.wpe(positions)
        for block in tr.h:
            x = block(x)
        return F.linear(tr.ln_f(x), tr.wte.weight)  # tied head: x @ wte^T


# ---- training ----------------------------------------------------------------------------------------------------

def learning_rate(step, cfg):
    """Linear warmup from 0 to lr at `warmup`, cosine down to min_lr at `steps`, flat after (steps count from 1)."""
    lr, min_lr, warmup, total = cfg["lr"], cfg["min_lr"], cfg["warmup"], cfg["steps"]
    if step <= 0:
        return 0.0
    if step < warmup:
        return lr * step / warmup
    if step >= total:
        return lr if step == warmup else min_lr
    progress = (step - warmup) / (total - warmup)
    return min_lr + 0.5 * (1 + math.cos(math.pi * progress)) * (lr - min_lr)


def decays(name, p, decay_embeddings):
    """Our rule: matrices decay; biases and LayerNorm gains never; wte/wpe only when decay_embeddings."""
    if p.dim() < 2:
        return False
    return decay_embeddings or not (name.endswith("wte.weight") or name.endswith("wpe.weight"))


def train(cfg, weights, xs, ys, dtype, on_step1_grads=None):
    model = Gpt2(cfg["vocab_size"], cfg["context"], cfg["width"], cfg["layers"], cfg["heads"], cfg["layer_norm_eps"])
    named = dict(model.named_parameters())
    if set(named) != set(weights):
        raise SystemExit("parameter names differ: only torch %s, only java %s"
                         % (sorted(set(named) - set(weights)), sorted(set(weights) - set(named))))
    with torch.no_grad():
        for name, p in named.items():
            if tuple(p.shape) != tuple(weights[name].shape):
                raise SystemExit("%s: torch shape %s, java %s" % (name, tuple(p.shape), tuple(weights[name].shape)))
            p.copy_(weights[name])
    model.to(dtype)
    decay = [p for n, p in named.items() if decays(n, p, cfg["decay_embeddings"])]
    no_decay = [p for n, p in named.items() if not decays(n, p, cfg["decay_embeddings"])]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg["weight_decay"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"])
    params = list(named.values())
    losses, norms, lrs = [], [], []
    for step in range(1, cfg["steps"] + 1):
        lr = learning_rate(step, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = xs[step - 1], ys[step - 1]
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        if step == 1 and on_step1_grads is not None:
            on_step1_grads({n: p.grad.detach().clone() for n, p in named.items()})
        if cfg["clip"] > 0:
            norm = torch.nn.utils.clip_grad_norm_(params, cfg["clip"])
        else:
            norm = torch.sqrt(sum((p.grad.detach() ** 2).sum() for p in params))
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        norms.append(float(norm))
        lrs.append(lr)
    final = {n: p.detach().clone() for n, p in named.items()}
    return losses, norms, lrs, final


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-30)


def tensor_rel(a, b):
    """||a - b|| / ||b|| over the whole tensor, in float64."""
    a, b = a.double(), b.double()
    return float((a - b).norm() / max(float(b.norm()), 1e-30))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default="bench/parity/out", help="what train-parity-export wrote (default: %(default)s)")
    ap.add_argument("--tolerance", type=float, default=1e-4,
                    help="largest relative loss difference allowed at any step (default: %(default)s)")
    ap.add_argument("--grad-tolerance", type=float, default=1e-5,
                    help="largest ||java - torch fp64|| / ||torch fp64|| of any step-1 gradient (default: %(default)s)")
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads; 0 keeps the default")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    with open(os.path.join(args.dir, "train.json")) as f:
        exported = json.load(f)
    cfg = exported["config"]
    java_steps = exported["steps"]
    with open(os.path.join(args.dir, "batches.json")) as f:
        batches = json.load(f)
    xs = torch.tensor(batches["x"], dtype=torch.int64)
    ys = torch.tensor(batches["y"], dtype=torch.int64)
    weights = read_safetensors(os.path.join(args.dir, "initial", "model.safetensors"))
    java_final = read_safetensors(os.path.join(args.dir, "final", "model.safetensors"))
    java_grads = read_safetensors(os.path.join(args.dir, "grads_step1.safetensors"))
    print("torch %s, %d threads; model: vocab %d, context %d, width %d, %d layers, %d heads; %d steps of %s tokens"
          % (torch.__version__, torch.get_num_threads(), cfg["vocab_size"], cfg["context"], cfg["width"],
             cfg["layers"], cfg["heads"], cfg["steps"], "x".join(str(d) for d in xs.shape[1:])))
    if len(java_steps) != cfg["steps"] or xs.shape[0] != cfg["steps"]:
        raise SystemExit("export holds %d steps and %d batches, config says %d" % (len(java_steps), xs.shape[0],
                                                                                   cfg["steps"]))

    # the decay split: ours here must be the one the Java optimizer used
    mine = sorted(n for n, t in weights.items() if decays(n, t, cfg["decay_embeddings"]))
    if mine != sorted(exported["decayed"]):
        print("FAIL: decay sets differ: torch %s, java %s" % (mine, sorted(exported["decayed"])))
        return 1
    print("decayed (%d of %d parameters, decay_embeddings=%s): same set on both sides"
          % (len(mine), len(weights), cfg["decay_embeddings"]))

    torch_grads = {}
    losses32, norms32, lrs, final32 = train(cfg, weights, xs, ys, torch.float32, torch_grads.update)
    grads64 = {}
    losses64, norms64, _, final64 = train(cfg, weights, xs, ys, torch.float64, grads64.update)

    print()
    print("%4s %11s %12s %12s %12s %10s %10s %10s | %10s %10s %10s %10s"
          % ("step", "lr", "java loss", "torch fp32", "torch fp64", "rel j/t32", "rel j/t64", "rel t32/64",
             "norm java", "rel j/t32", "rel j/t64", "rel t32/64"))
    worst = 0.0
    worst_step = 0
    for i, js in enumerate(java_steps):
        r = rel(js["loss"], losses32[i])
        if r > worst:
            worst, worst_step = r, i + 1
        if abs(js["lr"] - lrs[i]) > 1e-12 * max(1.0, lrs[i]):
            print("FAIL: step %d learning rate java %r, torch %r" % (i + 1, js["lr"], lrs[i]))
            return 1
        print("%4d %11.4e %12.7f %12.7f %12.7f %10.2e %10.2e %10.2e | %10.6f %10.2e %10.2e %10.2e"
              % (i + 1, lrs[i], js["loss"], losses32[i], losses64[i], r, rel(js["loss"], losses64[i]),
                 rel(losses32[i], losses64[i]), js["grad_norm"], rel(js["grad_norm"], norms32[i]),
                 rel(js["grad_norm"], norms64[i]), rel(norms32[i], norms64[i])))
    clipped = sum(1 for n in norms32 if cfg["clip"] > 0 and n > cfg["clip"])
    print("(loss: the mean training loss of the step; norm: the global gradient L2 norm before clipping)")
    print("steps clipped (pre-clip norm > %g): %d of %d" % (cfg["clip"], clipped, len(norms32)))

    print()
    print("step-1 gradients at the initial weights, ||java - torch|| / ||torch|| per parameter:")
    g_worst = max(((tensor_rel(java_grads[n], torch_grads[n]), n) for n in torch_grads))
    g64_worst = max(((tensor_rel(java_grads[n], grads64[n]), n) for n in grads64))
    t_worst = max(((tensor_rel(torch_grads[n], grads64[n]), n) for n in grads64))
    print("  java vs torch fp32: worst %.2e (%s)" % g_worst)
    print("  java vs torch fp64: worst %.2e (%s)" % g64_worst)
    print("  torch fp32 vs fp64: worst %.2e (%s)" % t_worst)
    print("weights after step %d, ||java - torch|| / ||torch|| per parameter:" % cfg["steps"])
    w_worst = max(((tensor_rel(java_final[n], final32[n]), n) for n in final32))
    w64_worst = max(((tensor_rel(java_final[n], final64[n]), n) for n in final64))
    wt_worst = max(((tensor_rel(final32[n], final64[n]), n) for n in final64))
    print("  java vs torch fp32: worst %.2e (%s)" % w_worst)
    print("  java vs torch fp64: worst %.2e (%s)" % w64_worst)
    print("  torch fp32 vs fp64: worst %.2e (%s)" % wt_worst)

    print()
    grads_ok = g64_worst[0] <= args.grad_tolerance
    losses_ok = worst <= args.tolerance
    print("losses: max relative difference java vs torch fp32 = %.3e at step %d, tolerance %.0e: %s"
          % (worst, worst_step, args.tolerance, "PASS" if losses_ok else "FAIL"))
    print("step-1 gradients: worst ||java - torch fp64|| / ||torch fp64|| = %.3e (%s), tolerance %.0e: %s"
          % (g64_worst[0], g64_worst[1], args.grad_tolerance, "PASS" if grads_ok else "FAIL"))
    status = "PASS" if losses_ok and grads_ok else "FAIL"
    print("parity: %s (max relative loss difference %.3e over %d steps; step-1 gradients %.3e)"
          % (status, worst, len(java_steps), g64_worst[0]))
    return 0 if status == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())

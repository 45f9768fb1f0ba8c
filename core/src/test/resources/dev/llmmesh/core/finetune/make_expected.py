"""Writes a tiny GPT-2 sequence classifier in HuggingFace's GPT2ForSequenceClassification layout, and the logits
an independent PyTorch forward gives for a few right-padded rows, for ClassifierReferenceTest.

The forward below is written for this test from the GPT-2 paper's description (pre-LayerNorm blocks, fused QKV
Conv1D weights stored [in, out], tanh GELU, causal attention, final LayerNorm, tied embeddings) plus the
sequence-classification head: score.weight [labels, n_embd] without bias, read at each row's last real token.

CI has no torch: the outputs are checked in. To regenerate (Debian python3-torch 1.13):
    /usr/bin/python3 core/src/test/resources/dev/llmmesh/core/finetune/make_expected.py
"""
import json
import math
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "hf-classifier")
VOCAB, CONTEXT, WIDTH, LAYERS, HEADS, EPS = 53, 16, 24, 2, 3, 1e-5
LABELS = ["ham", "spam", "eggs"]
PAD = 52


def parameters(generator):
    def normal(*shape, std=0.02, mean=0.0):
        return (torch.randn(*shape, generator=generator, dtype=torch.float64) * std + mean).float()

    p = {"transformer.wte.weight": normal(VOCAB, WIDTH), "transformer.wpe.weight": normal(CONTEXT, WIDTH, std=0.01)}
    for i in range(LAYERS):
        h = "transformer.h.%d." % i
        # LayerNorm gains and biases away from 1 / 0 so that a mixed-up gain or bias shows in the logits
        p[h + "ln_1.weight"] = normal(WIDTH, std=0.1, mean=1.0)
        p[h + "ln_1.bias"] = normal(WIDTH, std=0.05)
        p[h + "attn.c_attn.weight"] = normal(WIDTH, 3 * WIDTH, std=0.2)
        p[h + "attn.c_attn.bias"] = normal(3 * WIDTH, std=0.05)
        p[h + "attn.c_proj.weight"] = normal(WIDTH, WIDTH, std=0.2)
        p[h + "attn.c_proj.bias"] = normal(WIDTH, std=0.05)
        p[h + "ln_2.weight"] = normal(WIDTH, std=0.1, mean=1.0)
        p[h + "ln_2.bias"] = normal(WIDTH, std=0.05)
        p[h + "mlp.c_fc.weight"] = normal(WIDTH, 4 * WIDTH, std=0.2)
        p[h + "mlp.c_fc.bias"] = normal(4 * WIDTH, std=0.05)
        p[h + "mlp.c_proj.weight"] = normal(4 * WIDTH, WIDTH, std=0.2)
        p[h + "mlp.c_proj.bias"] = normal(WIDTH, std=0.05)
    p["transformer.ln_f.weight"] = normal(WIDTH, std=0.1, mean=1.0)
    p["transformer.ln_f.bias"] = normal(WIDTH, std=0.05)
    p["score.weight"] = normal(len(LABELS), WIDTH, std=0.5)
    return p


def layer_norm(x, weight, bias):
    mean = x.mean(-1, keepdim=True)
    variance = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(variance + EPS) * weight + bias


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def hidden(p, ids):
    batch, time = ids.shape
    x = p["transformer.wte.weight"][ids] + p["transformer.wpe.weight"][torch.arange(time)]
    future = torch.triu(torch.ones(time, time, dtype=torch.bool), diagonal=1)
    d = WIDTH // HEADS
    for i in range(LAYERS):
        h = "transformer.h.%d." % i
        a = layer_norm(x, p[h + "ln_1.weight"], p[h + "ln_1.bias"])
        qkv = a @ p[h + "attn.c_attn.weight"] + p[h + "attn.c_attn.bias"]
        q, k, v = (t.view(batch, time, HEADS, d).transpose(1, 2) for t in qkv.split(WIDTH, dim=2))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        scores = scores.masked_fill(future, float("-inf"))
        y = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, time, WIDTH)
        x = x + y @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]
        m = layer_norm(x, p[h + "ln_2.weight"], p[h + "ln_2.bias"])
        x = x + gelu(m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"]) @ p[h + "mlp.c_proj.weight"] \
            + p[h + "mlp.c_proj.bias"]
    return layer_norm(x, p["transformer.ln_f.weight"], p["transformer.ln_f.bias"])


def write_safetensors(path, tensors):
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name in sorted(tensors):
        data = tensors[name].contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def main():
    generator = torch.Generator().manual_seed(13)
    p = parameters(generator)
    lengths = [7, 12, 1, 16]
    ids = torch.full((len(lengths), max(lengths)), PAD, dtype=torch.long)
    for row, n in enumerate(lengths):
        ids[row, :n] = torch.randint(0, PAD, (n,), generator=generator)
    with torch.no_grad():
        states = hidden(p, ids)
        last = states[torch.arange(len(lengths)), torch.tensor(lengths) - 1]
        logits = last @ p["score.weight"].T
    os.makedirs(OUT, exist_ok=True)
    write_safetensors(os.path.join(OUT, "model.safetensors"), p)
    config = {
        "architectures": ["GPT2ForSequenceClassification"], "model_type": "gpt2", "vocab_size": VOCAB,
        "n_positions": CONTEXT, "n_ctx": CONTEXT, "n_embd": WIDTH, "n_layer": LAYERS, "n_head": HEADS,
        "layer_norm_epsilon": EPS, "activation_function": "gelu_new", "resid_pdrop": 0.0, "embd_pdrop": 0.0,
        "attn_pdrop": 0.0, "id2label": {str(i): name for i, name in enumerate(LABELS)},
        "label2id": {name: i for i, name in enumerate(LABELS)}, "pad_token_id": PAD, "torch_dtype": "float32",
    }
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(HERE, "hf-classifier-expected.json"), "w") as f:
        json.dump({"ids": ids.tolist(), "lengths": lengths, "logits": logits.tolist()}, f)


if __name__ == "__main__":
    main()

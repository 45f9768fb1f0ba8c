#!/usr/bin/env python3
"""An independent GPT-2 for the HuggingFace round trip (HuggingFaceRoundTripTest).

Written here from the GPT-2 definition with plain torch (no transformers, no safetensors package), so that our
Java model, checkpoint reader and writer are checked against code that shares nothing with them.

  import:  writes two HuggingFace-layout directories from seeded weights,
           gpt2-tiny-f32/ (config.json, model.safetensors in F32 with "transformer." names and a tied lm_head,
           vocab.json + merges.txt) and gpt2-tiny-f16/ (the same weights rounded to F16, hub-style names without
           the prefix, tokenizer.json), and records each one's logits on fixed ids;
  export:  reads exported/ (written by our Java code, GptCheckpoint.save of GptModel.initialize(config, cpu, 7),
           see the test), checks it is a directory GPT2LMHeadModel would take, and records its logits and the
           sha256 of the model.safetensors it read.
Everything goes to expected.json. Run from anywhere (Debian's python3-torch 1.13; not needed by CI):

  /usr/bin/python3 core/src/test/resources/dev/llmmesh/core/model/hf/make_fixtures.py

To regenerate exported/ first: mvn -pl core -am test -Dtest=HuggingFaceRoundTripTest -Dhf.export.dir=<that dir>
"""
import hashlib
import json
import math
import os
import re
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 297, "n_positions": 16,
          "n_ctx": 16, "n_embd": 16, "n_layer": 2, "n_head": 2, "layer_norm_epsilon": 1e-5,
          "activation_function": "gelu_new", "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
          "tie_word_embeddings": True}
IDS = [3, 101, 256, 296, 17, 200, 32, 280]
CORPUS = ("the quick brown fox jumps over the lazy dog. the dog sleeps, the fox runs; "
          "spam spam spam and ham: free money now! reply to win the prize. meeting at noon, see you there. ") * 3
END_OF_TEXT = "<|endoftext|>"


def byte_level_alphabet():
    """GPT-2's ByteLevel spelling: printable Latin-1 bytes stand for themselves, the rest take code points 256+."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    spelled, extra = {}, 0
    for b in range(256):
        if b in printable:
            spelled[b] = chr(b)
        else:
            spelled[b] = chr(256 + extra)
            extra += 1
    return spelled


def train_bpe(merges_wanted):
    """A small byte-level BPE: words split as GPT-2 splits ASCII text, then the most frequent pair merged."""
    alphabet = byte_level_alphabet()
    words = re.findall(r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+", CORPUS)
    seqs = [[alphabet[b] for b in w.encode("utf-8")] for w in words]
    vocab = [alphabet[b] for b in range(256)]
    merges = []
    for _ in range(merges_wanted):
        counts = {}
        for s in seqs:
            for pair in zip(s, s[1:]):
                counts[pair] = counts.get(pair, 0) + 1
        # most frequent; ties broken by spelling so the result never depends on dict order
        best = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        vocab.append(best[0] + best[1])
        for s in seqs:
            i = 0
            while i < len(s) - 1:
                if (s[i], s[i + 1]) == best:
                    s[i:i + 2] = [best[0] + best[1]]
                i += 1
    vocab.append(END_OF_TEXT)
    return {tok: i for i, tok in enumerate(vocab)}, merges


def seeded_weights(seed):
    """HuggingFace names and [in, out] Conv1D layout; LayerNorms and biases perturbed so every parameter counts."""
    g = torch.Generator().manual_seed(seed)
    c, v, t = CONFIG["n_embd"], CONFIG["vocab_size"], CONFIG["n_positions"]

    def normal(*shape, std=0.02, mean=0.0):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * std + mean).float()

    w = {"transformer.wte.weight": normal(v, c, std=0.1), "transformer.wpe.weight": normal(t, c, std=0.05)}
    for i in range(CONFIG["n_layer"]):
        p = "transformer.h.%d." % i
        w[p + "ln_1.weight"] = normal(c, std=0.1, mean=1.0)
        w[p + "ln_1.bias"] = normal(c, std=0.05)
        w[p + "attn.c_attn.weight"] = normal(c, 3 * c, std=0.2)
        w[p + "attn.c_attn.bias"] = normal(3 * c, std=0.05)
        w[p + "attn.c_proj.weight"] = normal(c, c, std=0.2)
        w[p + "attn.c_proj.bias"] = normal(c, std=0.05)
        w[p + "ln_2.weight"] = normal(c, std=0.1, mean=1.0)
        w[p + "ln_2.bias"] = normal(c, std=0.05)
        w[p + "mlp.c_fc.weight"] = normal(c, 4 * c, std=0.2)
        w[p + "mlp.c_fc.bias"] = normal(4 * c, std=0.05)
        w[p + "mlp.c_proj.weight"] = normal(4 * c, c, std=0.2)
        w[p + "mlp.c_proj.bias"] = normal(c, std=0.05)
    w["transformer.ln_f.weight"] = normal(c, std=0.1, mean=1.0)
    w["transformer.ln_f.bias"] = normal(c, std=0.05)
    return w


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


class Gpt2(torch.nn.Module):
    """GPT-2's forward pass in float64, from canonical ("transformer."-prefixed) weights."""

    def __init__(self, weights, config):
        super().__init__()
        self.w = {k: v.double() for k, v in weights.items()}
        self.c, self.heads, self.layers = config["n_embd"], config["n_head"], config["n_layer"]
        self.eps = config["layer_norm_epsilon"]

    def norm(self, x, prefix):
        return torch.nn.functional.layer_norm(x, (self.c,), self.w[prefix + ".weight"], self.w[prefix + ".bias"],
                                              self.eps)

    def forward(self, ids):
        w, t, hd = self.w, ids.shape[0], self.c // self.heads
        x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][:t]
        causal = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        for i in range(self.layers):
            p = "transformer.h.%d." % i
            h = self.norm(x, p + "ln_1")
            q, k, v = (h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]).split(self.c, dim=-1)
            q, k, v = (z.view(t, self.heads, hd).transpose(0, 1) for z in (q, k, v))
            scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
            att = torch.softmax(scores.masked_fill(causal, float("-inf")), dim=-1)
            y = (att @ v).transpose(0, 1).reshape(t, self.c)
            x = x + y @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
            h = self.norm(x, p + "ln_2")
            h = gelu_new(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
            x = x + h @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
        return self.norm(x, "transformer.ln_f") @ w["transformer.wte.weight"].T


DTYPES = {"F32": np.float32, "F16": np.float16}


def write_safetensors(path, tensors, dtype):
    """8-byte little-endian header length, the JSON header (space-padded to 8 bytes), then the raw bytes."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, tensor in tensors.items():
        data = tensor.numpy().astype(DTYPES[dtype]).astype("<" + np.dtype(DTYPES[dtype]).str[1:]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    with open(path, "rb") as f:
        content = f.read()
    (length,) = struct.unpack("<Q", content[:8])
    header = json.loads(content[8:8 + length])
    data = content[8 + length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        kind = {"F32": "<f4", "F16": "<f2", "BF16": None}[info["dtype"]]
        array = np.frombuffer(data[begin:end], dtype=kind).astype(np.float32).reshape(info["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, hashlib.sha256(content).hexdigest()


def canonical(tensors):
    """As GPT2LMHeadModel.from_pretrained takes a file: the prefix optional, lm_head tied to wte."""
    out = {}
    for name, tensor in tensors.items():
        if name == "lm_head.weight":
            continue
        out[name if name.startswith("transformer.") else "transformer." + name] = tensor
    if "lm_head.weight" in tensors:
        assert torch.equal(tensors["lm_head.weight"], out["transformer.wte.weight"]), "lm_head must be tied"
    return out


def logits_of(weights, config):
    with torch.no_grad():
        logits = Gpt2(weights, config)(torch.tensor(IDS))
    return [[float("%.9g" % v) for v in row] for row in logits.tolist()]


def write_json(path, value, indent=None):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=indent, ensure_ascii=False)
        f.write("\n")


def tokenizer_json(vocab, merges):
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {"version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [{"id": vocab[END_OF_TEXT], "content": END_OF_TEXT, "single_word": False,
                              "lstrip": False, "rstrip": False, "normalized": False, "special": True}],
            "normalizer": None, "pre_tokenizer": byte_level,
            "post_processor": dict(byte_level, trim_offsets=False), "decoder": byte_level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                      "vocab": vocab, "merges": [a + " " + b for a, b in merges]}}


def import_direction(expected):
    vocab, merges = train_bpe(CONFIG["vocab_size"] - 257)
    assert len(vocab) == CONFIG["vocab_size"]
    weights = seeded_weights(1234)

    f32 = os.path.join(HERE, "gpt2-tiny-f32")
    os.makedirs(f32, exist_ok=True)
    write_json(os.path.join(f32, "config.json"), CONFIG, indent=2)
    with_head = dict(weights)
    with_head["lm_head.weight"] = weights["transformer.wte.weight"]
    write_safetensors(os.path.join(f32, "model.safetensors"), with_head, "F32")
    write_json(os.path.join(f32, "vocab.json"), vocab)
    with open(os.path.join(f32, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(a + " " + b + "\n")
    expected["gpt2-tiny-f32"] = {"logits": logits_of(weights, CONFIG)}

    f16 = os.path.join(HERE, "gpt2-tiny-f16")
    os.makedirs(f16, exist_ok=True)
    write_json(os.path.join(f16, "config.json"), dict(CONFIG, torch_dtype="float16"), indent=2)
    hub_names = {name[len("transformer."):]: tensor for name, tensor in weights.items()}
    write_safetensors(os.path.join(f16, "model.safetensors"), hub_names, "F16")
    write_json(os.path.join(f16, "tokenizer.json"), tokenizer_json(vocab, merges), indent=2)
    rounded = {name: tensor.half().float() for name, tensor in weights.items()}
    expected["gpt2-tiny-f16"] = {"logits": logits_of(rounded, CONFIG)}

    # The F32 and F16 files must differ enough that reading one as the other would be caught.
    f32_logits, f16_logits = (np.array(expected[d]["logits"]) for d in ("gpt2-tiny-f32", "gpt2-tiny-f16"))
    assert np.abs(f32_logits - f16_logits).max() > 1e-4


def export_direction(expected):
    exported = os.path.join(HERE, "exported")
    if not os.path.isfile(os.path.join(exported, "model.safetensors")):
        print("no exported/ yet: run the Java test with -Dhf.export.dir first for the export direction")
        return
    with open(os.path.join(exported, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    assert config["model_type"] == "gpt2" and config["architectures"] == ["GPT2LMHeadModel"], config
    with open(os.path.join(exported, "tokenizer.json"), encoding="utf-8") as f:
        tokenizer = json.load(f)
    size = len(set(tokenizer["model"]["vocab"].values()) | {t["id"] for t in tokenizer["added_tokens"]})
    assert size == config["vocab_size"], (size, config["vocab_size"])
    tensors, sha = read_safetensors(os.path.join(exported, "model.safetensors"))
    weights = canonical(tensors)
    expected["exported"] = {"sha256": sha, "logits": logits_of(weights, config)}


def main():
    expected = {"ids": IDS}
    import_direction(expected)
    export_direction(expected)
    write_json(os.path.join(HERE, "expected.json"), expected)
    print("wrote", ", ".join(k for k in expected if k != "ids"))


if __name__ == "__main__":
    main()

"""Writes sacrebleu-parity.jsonl: sacreBLEU's own 13a tokens and BLEU scores on messy text, for BleuParityTest.

sacreBLEU does not install here (no PyPI), so this runs its source: a checkout of mjpost/sacrebleu (these numbers
came from commit f615c72, version 2.6.0, whose BLEU code is unchanged in meaning since 2.2). Its BLEU needs none of
the packages it imports for downloading test sets, so empty stand-ins for those are enough:

    git clone https://github.com/mjpost/sacrebleu /tmp/sacrebleu && git -C /tmp/sacrebleu checkout f615c72
    echo '__version__ = "2.6.0"' > /tmp/sacrebleu/sacrebleu/version.py
    mkdir -p /tmp/stubs/lxml && touch /tmp/stubs/portalocker.py /tmp/stubs/lxml/__init__.py /tmp/stubs/lxml/etree.py
    echo 'def tabulate(*a, **k): return ""' > /tmp/stubs/tabulate.py
    PYTHONPATH=/tmp/sacrebleu:/tmp/stubs /usr/bin/python3 \
        core/src/test/resources/dev/llmmesh/core/eval/text/make_sacrebleu_parity.py   # from the repository root

The inputs are lines of Moby-Dick (datasets/corpus) and a few lines made to hit every 13a rule, perturbed with a
seeded generator into hypotheses and extra references; the file holds the inputs with sacreBLEU's outputs.
"""
import json
import logging
import os
import random
import re

from sacrebleu.metrics.bleu import BLEU

logging.getLogger("sacrebleu").setLevel(logging.ERROR)  # its advice to use effective_order
HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(12)

# The corpus holds a paragraph a line: split into sentences, keep those of 3 to 40 words.
with open(os.path.join("datasets", "corpus", "moby-dick.txt"), encoding="utf-8") as f:
    lines = [s.strip() for paragraph in f for s in re.split(r"(?<=[.!?;])\s+", paragraph)
             if 3 <= len(s.split()) <= 40]
rng.shuffle(lines)

TRICKY = [
    "Rock &amp; roll &lt;b&gt; &quot;quoted&quot; &amp;lt; stays one unescape deep",
    "He paid $3.50, not 3,50; call 555-1234 or see fig. 2-b at 10:30 p.m.",
    "Hyphen-\nated words <skipped> and tabs\tand\u00a0no-break\u2009thin\u3000ideographic spaces",
    "Numbers: 1,000,000. 3.14. .5 and 5. -7 and 7- and a.b,c",
    "Symbols {braces} [brackets] (parens) ~tilde~ @at #hash ^caret_under`back|pipe+plus=eq;semi:colon?q<lt>gt*star/slash",
    "Unicode \u00abguillemets\u00bb, \u201ccurly\u201d \u2014 dashes \u2013 and caf\u00e9 na\u00efve \u00c7A",
    "MiXeD CaSe WORDS To Test lowercase and the The THE",
    "trailing spaces and newline   \n",
]


def perturb(line):
    words = line.split()
    out = []
    for w in words:
        r = rng.random()
        if r < 0.1:
            continue                      # drop
        if r < 0.2:
            out.append(rng.choice(words))  # replace
        elif r < 0.25:
            out.append(w.upper())
        else:
            out.append(w)
        if rng.random() < 0.05:
            out.append(rng.choice([",", ".", "!", "--", "'s"]))
    if len(out) > 2 and rng.random() < 0.3:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return " ".join(out)


OPTIONS = [
    dict(smooth_method="exp"),
    dict(smooth_method="none"),
    dict(smooth_method="floor"),
    dict(smooth_method="floor", smooth_value=0.5),
    dict(smooth_method="add-k"),
    dict(smooth_method="add-k", smooth_value=2),
    dict(smooth_method="exp", lowercase=True),
    dict(smooth_method="exp", effective_order=True),
]
SENTENCE_OPTIONS = [
    dict(smooth_method="exp", effective_order=True),
    dict(smooth_method="floor", effective_order=True),
    dict(smooth_method="add-k", effective_order=True),
    dict(smooth_method="none"),
]


def score_record(bleu, score, **extra):
    return dict(extra, score=score.score, precisions=score.precisions, bp=score.bp, sys_len=score.sys_len,
                ref_len=score.ref_len, signature=bleu.get_signature().format())


with open(os.path.join(HERE, "sacrebleu-parity.jsonl"), "w", encoding="utf-8") as out:
    tok, tok_lc = BLEU(), BLEU(lowercase=True)
    for line in TRICKY + lines[:150]:
        out.write(json.dumps({"line": line, "tok13a": tok._preprocess_segment(line),
                              "tok13a_lc": tok_lc._preprocess_segment(line)}, ensure_ascii=False) + "\n")

    sources = TRICKY + lines[150:270]
    for name, variable in (("fixed", False), ("variable", True)):
        hyps, refs = [], []
        for src in sources:
            n = rng.randint(1, 3) if variable else 2
            hyps.append(perturb(src) if rng.random() < 0.9 else "")
            refs.append([src] + [perturb(src) for _ in range(n - 1)])
        # sacreBLEU takes reference streams: stream j holds the j-th reference of every segment, None where absent.
        width = max(len(r) for r in refs)
        streams = [[r[j] if j < len(r) else None for r in refs] for j in range(width)]
        corpus = []
        for options in OPTIONS:
            bleu = BLEU(**options)
            corpus.append(score_record(bleu, bleu.corpus_score(hyps, streams), options=options))
        # Sentence BLEU of every fifth segment: sentence_bleu's defaults (exp, effective order) and other smoothing.
        sentences = []
        for i in range(0, len(hyps), 5):
            for options in SENTENCE_OPTIONS:
                bleu = BLEU(**options)
                sentences.append(score_record(bleu, bleu.sentence_score(hyps[i], refs[i]), segment=i,
                                              options=options))
        out.write(json.dumps({"corpus": name, "hyps": hyps, "refs": refs, "results": corpus,
                              "sentences": sentences}, ensure_ascii=False) + "\n")

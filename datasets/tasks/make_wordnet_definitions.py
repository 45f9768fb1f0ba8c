#!/usr/bin/env python3
"""Builds wordnet-definitions.jsonl, a multiple-choice task, from ../instructions/wordnet-alpaca.json.

Each "Define the <pos> '<word>'." pair becomes a question whose choices are four WordNet glosses: the word's own and
three drawn from other words of the same part of speech (so the part of speech gives nothing away), in a seeded
random order. Rows are {"context", "choices", "label"}, label = index of the right gloss, as eval-service's
multiple-choice task reads them. Deterministic: the same input gives the same file.

Rerun from the repository root:  python3 datasets/tasks/make_wordnet_definitions.py
"""
import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "instructions" / "wordnet-alpaca.json"
TARGET = HERE / "wordnet-definitions.jsonl"
DEFINE = re.compile(r"^Define the (noun|verb|adjective|adverb) '(.+)'\.$")
CHOICES = 4
SEED = 12


def main():
    pairs = json.loads(SOURCE.read_text(encoding="utf-8"))
    questions = []
    for pair in pairs:
        match = DEFINE.match(pair["instruction"])
        if match and pair["output"].strip():
            questions.append((match.group(1), match.group(2), pair["output"].strip()))
    by_pos = {}
    for pos, _, gloss in questions:
        by_pos.setdefault(pos, [])
        if gloss not in by_pos[pos]:
            by_pos[pos].append(gloss)

    rng = random.Random(SEED)
    rows = []
    for pos, word, gloss in questions:
        others = [g for g in by_pos[pos] if g != gloss]
        if len(others) < CHOICES - 1:
            continue
        choices = rng.sample(others, CHOICES - 1) + [gloss]
        rng.shuffle(choices)
        rows.append({"context": f"Question: What does the {pos} '{word}' mean?\nAnswer:",
                     "choices": choices, "label": choices.index(gloss)})
    with TARGET.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows -> {TARGET}")


if __name__ == "__main__":
    main()

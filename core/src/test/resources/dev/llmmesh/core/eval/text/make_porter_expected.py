"""Writes porter-moby-dick.txt: NLTK's Porter stems of every distinct word of Moby-Dick, for PorterStemmerTest.

The words are what rouge-score's tokenizer makes of the text (lowercase, runs of [a-z0-9]), so the test covers the
stemmer exactly as ROUGE uses it. NLTK's PorterStemmer() in its default mode (NLTK_EXTENSIONS) is the one
rouge-score constructs. To keep the file small, only words whose stem differs from the word are listed; the first
line is the number of distinct words, so the test notices if its own word list drifts from this one.

Run from the repository root, with Debian's python3-nltk (apt-get install python3-nltk):
    /usr/bin/python3 core/src/test/resources/dev/llmmesh/core/eval/text/make_porter_expected.py
"""
import os
import re

from nltk.stem.porter import PorterStemmer

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join("datasets", "corpus", "moby-dick.txt")

with open(CORPUS, encoding="utf-8") as f:
    words = sorted(set(re.findall(r"[a-z0-9]+", f.read().lower())))

stemmer = PorterStemmer()
with open(os.path.join(HERE, "porter-moby-dick.txt"), "w", encoding="utf-8") as out:
    out.write(f"{len(words)}\n")
    for word in words:
        stem = stemmer.stem(word)
        if stem != word:
            out.write(f"{word} {stem}\n")

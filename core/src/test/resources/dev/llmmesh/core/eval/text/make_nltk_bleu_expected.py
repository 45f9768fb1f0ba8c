"""Prints NLTK's BLEU for the inputs of BleuTest's NLTK cases; the test holds the printed numbers.

NLTK works on tokens, so the inputs are text that 13a leaves as it is (tokens already separated by spaces) and
hypotheses of at least 4 tokens (NLTK counts a hypothesis without n-grams of some order as 1 n-gram, sacreBLEU as
0). Where its settings match sacreBLEU's, NLTK gives the same BLEU: no smoothing (method0) is sacreBLEU's "none",
method1 (epsilon 0.1) its "floor", method2 its "add-k" with k=1, method3 (NIST) its "exp". Scores are printed
times 100, as sacreBLEU reports them.

Run with Debian's python3-nltk (apt-get install python3-nltk):
    /usr/bin/python3 core/src/test/resources/dev/llmmesh/core/eval/text/make_nltk_bleu_expected.py
"""
import warnings
from fractions import Fraction

from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu, modified_precision

warnings.filterwarnings("ignore")  # method0 warns about orders without a match; that is the case tested

# sacreBLEU's README example (mjpost/sacrebleu README.md, test/test_bleu.py), as 13a tokenizes it.
HYPS = ["The dog bit the man .", "It wasn't surprising .", "The man had just bitten him ."]
REFS = [["The dog bit the man .", "The dog had bit the man ."],
        ["It was not unexpected .", "No one was surprised ."],
        ["The man bit him first .", "The man had bitten the dog ."]]

# Papineni et al. 2002, section 2.1, example 2 (lowercased, without the final period, as the paper counts words).
PAPINENI_REFS = [
    "it is a guide to action that ensures that the military will forever heed party commands",
    "it is the guiding principle which guarantees the military forces always being under the command of the party",
    "it is the practical guide for the army always to heed the directions of the party"]
CANDIDATE_1 = "it is a guide to action which ensures that the military always obeys the commands of the party"
CANDIDATE_2 = "it is to insure the troops forever hearing the activity guidebook that party direct"

smooth = SmoothingFunction(epsilon=0.1)
METHODS = [("none", smooth.method0), ("floor", smooth.method1), ("add-k", smooth.method2), ("exp", smooth.method3)]


def bleu(hyps, refs, method):
    return 100 * corpus_bleu([[r.split() for r in rs] for rs in refs], [h.split() for h in hyps],
                             smoothing_function=method)


for name, method in METHODS:
    print(f"readme {name}: {bleu(HYPS, REFS, method)!r}")
for label, candidate in [("candidate1", CANDIDATE_1), ("candidate2", CANDIDATE_2)]:
    for name, method in METHODS:
        print(f"{label} {name}: {bleu([candidate], [PAPINENI_REFS], method)!r}")
    for n in (1, 2):
        p = modified_precision([r.split() for r in PAPINENI_REFS], candidate.split(), n)
        print(f"{label} p{n}: {p.numerator}/{p.denominator}")

package dev.llmmesh.core.eval.text;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The 13a rules one at a time (sacrebleu/tokenizers/tokenizer_13a.py and tokenizer_re.py). */
class Tokenizer13aTest {
    private final Tokenizer13a mixed = new Tokenizer13a(false);

    @Test
    void symbolsStandAloneButApostrophesAndInnerDashesStay() {
        assertEquals("Hello , world ! ( don't ) e-mail \" x \" a / b $ 5 % [ y ] { z } ~ @ # ^ _ ` | + = ; : ? < > *",
                mixed.tokenize("Hello, world! (don't) e-mail \"x\" a/b $5% [y] {z} ~@#^_`|+=;:?<>*"));
    }

    @Test
    void periodsAndCommasSplitExceptBetweenDigits() {
        assertEquals("pi is 3.14 , a million is 1,000,000 . End .",
                mixed.tokenize("pi is 3.14, a million is 1,000,000. End."));
        assertEquals(". 5 and 5 .", mixed.tokenize(".5 and 5."), "a period before a digit at the start is still split");
        assertEquals("x . y", mixed.tokenize("x.y"));
    }

    @Test
    void aDashAfterADigitSplits() {
        assertEquals("1 - 2 and a-b and 2 - x", mixed.tokenize("1-2 and a-b and 2-x"));
    }

    @Test
    void entitiesAreUnescapedInSacreBleusOrder() {
        assertEquals("a & b < c > d \" e", mixed.tokenize("a &amp; b &lt; c &gt; d &quot; e"));
        assertEquals("<", mixed.tokenize("&amp;lt;"), "&amp; first, then &lt;: as sacreBLEU's sequential replaces");
    }

    @Test
    void skippedMarkersHyphenatedLineBreaksAndPythonWhitespace() {
        assertEquals("word", mixed.tokenize("wo<skipped>rd"));
        assertEquals("hyphenated next line", mixed.tokenize("hyphen-\nated next\nline"));
        assertEquals("a b c d", mixed.tokenize(" a\u00a0b\u2003c\u0085d \t\n"), "Python's str.split() separators");
    }

    @Test
    void lowercaseIsAppliedFirst() {
        assertEquals("the cat . ç", new Tokenizer13a(true).tokenize("The CAT. Ç"));
    }
}

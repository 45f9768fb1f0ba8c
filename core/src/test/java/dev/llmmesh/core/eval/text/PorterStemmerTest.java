package dev.llmmesh.core.eval.text;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every distinct word of Moby-Dick (as rouge-score tokenizes it) stems as Debian's python3-nltk 3.8 stems it:
 * porter-moby-dick.txt was written by make_porter_expected.py beside it.
 */
class PorterStemmerTest {
    private static final Path MOBY_DICK = Path.of("..", "datasets", "corpus", "moby-dick.txt");

    @Test
    void stemsEveryWordOfMobyDickAsNltk() throws IOException {
        List<String> lines;
        try (InputStream in = PorterStemmerTest.class.getResourceAsStream("porter-moby-dick.txt")) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        int expectedWords = Integer.parseInt(lines.get(0));
        Map<String, String> changed = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] pair = line.split(" ");
            changed.put(pair[0], pair[1]);
        }

        TreeSet<String> words = new TreeSet<>();
        Matcher m = Pattern.compile("[a-z0-9]+").matcher(PythonText.lower(Files.readString(MOBY_DICK)));
        while (m.find()) {
            words.add(m.group());
        }
        assertEquals(expectedWords, words.size(), "the test's word list must be the script's");

        PorterStemmer stemmer = new PorterStemmer();
        List<String> wrong = new ArrayList<>();
        for (String word : words) {
            String expected = changed.getOrDefault(word, word);
            String actual = stemmer.stem(word);
            if (!expected.equals(actual)) {
                wrong.add(word + ": expected " + expected + ", got " + actual);
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + words.size() + " words differ, e.g. "
                + wrong.subList(0, Math.min(20, wrong.size())));
        assertTrue(changed.size() > 10_000, "the file holds the words whose stem differs: " + changed.size());
    }

    @Test
    void nltkExtensionsAndItsLookupOfTheWordAsGiven() {
        PorterStemmer stemmer = new PorterStemmer();
        assertEquals("die", stemmer.stem("dying"));      // NLTK's irregular forms
        assertEquals("sky", stemmer.stem("skies"));
        assertEquals("tie", stemmer.stem("ties"));       // four-letter "-ies"
        assertEquals("enjoy", stemmer.stem("enjoy"));    // y after a vowel stays
        assertEquals("happi", stemmer.stem("happy"));
        assertEquals("ski", stemmer.stem("Sky"), "NLTK looks up irregular forms before lowercasing");
        assertEquals("by", stemmer.stem("By"), "two letters are only lowercased");
    }
}

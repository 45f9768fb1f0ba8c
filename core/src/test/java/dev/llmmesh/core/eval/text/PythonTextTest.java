package dev.llmmesh.core.eval.text;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PythonTextTest {
    /**
     * Every character Python 3.11 calls whitespace, as printed by
     * {@code python3 -c "print([hex(c) for c in range(0x110000) if chr(c).isspace()])"}.
     */
    private static final int[] PYTHON_SPACES = {
            0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
            0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000};

    @Test
    void whitespaceIsExactlyPythons() {
        List<Integer> ours = new ArrayList<>();
        for (int c = 0; c <= Character.MAX_VALUE; c++) {
            if (PythonText.isSpace((char) c)) {
                ours.add(c);
            }
        }
        assertEquals(Arrays.stream(PYTHON_SPACES).boxed().toList(), ours);
    }

    @Test
    void splitAndRstripAsPython() {
        assertEquals(List.of("a", "b", "c"), PythonText.split("\u3000a\u00a0 b\u2028c\u0085"));
        assertEquals(List.of(), PythonText.split(" \t\n"));
        assertEquals(" a b", PythonText.rstrip(" a b\u2009\n"));
    }
}

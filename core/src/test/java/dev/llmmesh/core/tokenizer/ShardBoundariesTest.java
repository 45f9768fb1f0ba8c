package dev.llmmesh.core.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardBoundariesTest {
    private static final BpeTokenizer GPT2 = Gpt2Vocabulary.gpt2();

    @Test
    void shardsOfTheCorpusEncodeToTheSameTokensAsTheWhole() throws Exception {
        for (var file : Corpus.files()) {
            byte[] bytes = Corpus.read(file).getBytes(StandardCharsets.UTF_8);
            var shards = ShardBoundaries.plan(bytes.length, 20_000, (f, t) -> Arrays.copyOfRange(bytes, (int) f, (int) t));
            assertTrue(shards.size() > 10, file + " should be cut into many shards");
            var joined = new IntList();
            long expectedFrom = 0;
            for (var shard : shards) {
                assertEquals(expectedFrom, shard.from());
                expectedFrom = shard.to();
                joined.addAll(GPT2.encodeOrdinary(new String(bytes, (int) shard.from(), (int) (shard.to() - shard.from()),
                        StandardCharsets.UTF_8)));
            }
            assertEquals(bytes.length, expectedFrom);
            assertArrayEquals(GPT2.encodeOrdinary(new String(bytes, StandardCharsets.UTF_8)), joined.toArray(), file.toString());
        }
    }

    @Test
    void cutsFallBeforeTheLastWhitespaceOfARunAndTextWithoutSafeCutsStaysWhole() throws Exception {
        byte[] text = "aaaa  \u00a0 \n\nbb\t dd".getBytes(StandardCharsets.UTF_8);
        var shards = ShardBoundaries.plan(text.length, 2, (f, t) -> Arrays.copyOfRange(text, (int) f, (int) t));
        assertEquals(List.of(new ShardBoundaries.Range(0, 10), new ShardBoundaries.Range(10, 14),
                new ShardBoundaries.Range(14, 17)), shards);
        byte[] noCut = "one\u00a0long\u00a0line\u3000without-ascii-spaces  ".getBytes(StandardCharsets.UTF_8);
        assertEquals(List.of(new ShardBoundaries.Range(0, noCut.length)),
                ShardBoundaries.plan(noCut.length, 3, (f, t) -> Arrays.copyOfRange(noCut, (int) f, (int) t)));
        assertEquals(List.of(), ShardBoundaries.plan(0, 3, (f, t) -> new byte[0]));
    }
}

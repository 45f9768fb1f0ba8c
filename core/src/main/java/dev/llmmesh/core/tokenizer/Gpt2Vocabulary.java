package dev.llmmesh.core.tokenizer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads OpenAI's GPT-2 vocabulary, either as the original {@code encoder.json} + {@code vocab.bpe} pair
 * or as a tiktoken rank file ({@code r50k_base.tiktoken}). The GPT-2 files ship inside this jar, so
 * {@link #gpt2()} works offline.
 */
public final class Gpt2Vocabulary {
    public static final String END_OF_TEXT = "<|endoftext|>";
    private static final String RESOURCES = "/dev/llmmesh/core/tokenizer/gpt2/";
    private static volatile BpeTokenizer gpt2;

    private Gpt2Vocabulary() {
    }

    /** The GPT-2 tokenizer (tiktoken's {@code gpt2} / {@code r50k_base} encoding), loaded once. */
    public static BpeTokenizer gpt2() {
        BpeTokenizer t = gpt2;
        if (t == null) {
            synchronized (Gpt2Vocabulary.class) {
                t = gpt2;
                if (t == null) {
                    try (InputStream enc = resource("encoder.json"); InputStream bpe = resource("vocab.bpe")) {
                        t = gpt2 = new BpeTokenizer("gpt2", fromEncoderJson(enc, bpe), true);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
        return t;
    }

    /** Whether {@code model} is GPT-2's tokenizer: the same tokens, merges and special tokens. */
    public static boolean isGpt2(BpeModel model) {
        return model.sameAs(gpt2().model());
    }

    /** {@code encoder.json} maps spelled tokens to ids; {@code vocab.bpe} lists merges by priority. */
    public static BpeModel fromEncoderJson(InputStream encoderJson, InputStream vocabBpe) throws IOException {
        Map<String, Integer> encoder = new ObjectMapper().readValue(encoderJson, new TypeReference<>() { });
        byte[][] tokens = new byte[encoder.size()][];
        Map<String, Integer> specials = new HashMap<>();
        for (var e : encoder.entrySet()) {
            int id = e.getValue();
            if (id < 0 || id >= tokens.length || tokens[id] != null) {
                throw new IOException("encoder.json: ids must be 0.." + (tokens.length - 1) + " without gaps, got "
                        + id + " for " + e.getKey());
            }
            if (e.getKey().equals(END_OF_TEXT)) {
                specials.put(END_OF_TEXT, id);
                tokens[id] = END_OF_TEXT.getBytes(StandardCharsets.UTF_8);
            } else {
                tokens[id] = ByteLevel.decode(e.getKey());
            }
        }
        List<Merge> merges = new ArrayList<>();
        var reader = new BufferedReader(new InputStreamReader(vocabBpe, StandardCharsets.UTF_8));
        String line;
        int lineNo = 0;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#version")) {
                continue;
            }
            String[] pair = line.split(" ");
            Integer left = pair.length == 2 ? encoder.get(pair[0]) : null;
            Integer right = pair.length == 2 ? encoder.get(pair[1]) : null;
            Integer result = pair.length == 2 ? encoder.get(pair[0] + pair[1]) : null;
            if (left == null || right == null || result == null) {
                throw new IOException("vocab.bpe line " + lineNo + ": \"" + line
                        + "\" is not a merge of two tokens into a token of encoder.json");
            }
            merges.add(new Merge(left, right, result));
        }
        return new BpeModel(List.of(tokens), merges, specials);
    }

    /**
     * A tiktoken rank file: one {@code base64(token bytes) rank} per line, rank = id. Merges are implied:
     * any two adjacent tokens whose concatenation has a rank merge, lowest rank first.
     */
    public static BpeModel fromTiktoken(InputStream rankFile, Map<String, Integer> specialTokens) throws IOException {
        List<byte[]> tokens = new ArrayList<>();
        var reader = new BufferedReader(new InputStreamReader(rankFile, StandardCharsets.US_ASCII));
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            int space = line.indexOf(' ');
            int rank;
            try {
                rank = Integer.parseInt(line.substring(space + 1).trim());
            } catch (RuntimeException e) {
                throw new IOException("tiktoken file line " + (tokens.size() + 1) + ": expected 'base64 rank', got \""
                        + line + "\"");
            }
            if (space < 0 || rank != tokens.size()) {
                throw new IOException("tiktoken file: ranks must count up from 0, got " + rank + " on line "
                        + (tokens.size() + 1));
            }
            tokens.add(Base64.getDecoder().decode(line.substring(0, space)));
        }
        var ids = new ByteSliceMap<Integer>(tokens.size());
        for (int id = 0; id < tokens.size(); id++) {
            ids.put(tokens.get(id), 0, tokens.get(id).length, id);
        }
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < tokens.size(); id++) {
            byte[] t = tokens.get(id);
            for (int cut = 1; cut < t.length; cut++) {
                Integer left = ids.get(t, 0, cut);
                Integer right = ids.get(t, cut, t.length - cut);
                if (left != null && right != null) {
                    merges.add(new Merge(left, right, id));
                }
            }
        }
        var all = new ArrayList<>(tokens);
        var specials = new HashMap<String, Integer>();
        for (var e : specialTokens.entrySet().stream().sorted(Map.Entry.comparingByValue()).toList()) {
            while (all.size() <= e.getValue()) {
                all.add(new byte[0]);
            }
            all.set(e.getValue(), e.getKey().getBytes(StandardCharsets.UTF_8));
            specials.put(e.getKey(), e.getValue());
        }
        return new BpeModel(all, merges, specials);
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = Gpt2Vocabulary.class.getResourceAsStream(RESOURCES + name);
        if (in == null) {
            throw new IOException("GPT-2 vocabulary file " + name + " is missing from the classpath at " + RESOURCES);
        }
        return in;
    }
}

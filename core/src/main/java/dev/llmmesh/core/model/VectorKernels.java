package dev.llmmesh.core.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The arithmetic of one decode step on the CPU, in SIMD through the Vector API, reading weights and the KV cache
 * where libtorch keeps them. At a handful of rows a step is a matrix-vector product per weight: it must read each
 * weight once, at the memory's speed, and libtorch's GEMM reads a one-row product at about half of that.
 *
 * <p>Activations are Java arrays of {@code rows} consecutive rows. Every method works on a range of the output so
 * that {@link ParallelRanges} can split it; ranges start on a whole vector.
 */
final class VectorKernels {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final long FLOAT_BYTES = Float.BYTES;
    /** GELU's tanh approximation as x·sigmoid(x·(A + B·x²)), the same folding as {@link Gelu}. */
    private static final float GELU_A = (float) (2 * Math.sqrt(2.0 / Math.PI));
    private static final float GELU_B = (float) (2 * Math.sqrt(2.0 / Math.PI) * 0.044715);

    private VectorKernels() {
    }

    /**
     * Columns {@code [from, to)} of {@code y = x @ w + bias} for {@code w} stored {@code [in, out]} (HuggingFace's
     * Conv1D layout). Each weight is read once and applied to every row of {@code x}, so the weights stream from
     * memory once however many rows there are.
     */
    static void matmulColumns(MemorySegment w, MemorySegment bias, int in, int out, float[] x, float[] y, int rows,
                              int from, int to) {
        if (rows == 1) {
            oneRow(w, bias, in, out, x, 0, y, 0, from, to);
            return;
        }
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(bias, FLOAT, from * FLOAT_BYTES, y, r * out + from, to - from);
        }
        int vectorEnd = from + SPECIES.loopBound(to - from);
        long rowBytes = out * FLOAT_BYTES;
        for (int k = 0; k < in; k += 4) {
            int count = Math.min(4, in - k);
            long base = k * rowBytes;
            for (int j = from; count == 4 && j < vectorEnd; j += LANES) {
                long offset = base + j * FLOAT_BYTES;
                FloatVector w0 = FloatVector.fromMemorySegment(SPECIES, w, offset, ORDER);
                FloatVector w1 = FloatVector.fromMemorySegment(SPECIES, w, offset + rowBytes, ORDER);
                FloatVector w2 = FloatVector.fromMemorySegment(SPECIES, w, offset + 2 * rowBytes, ORDER);
                FloatVector w3 = FloatVector.fromMemorySegment(SPECIES, w, offset + 3 * rowBytes, ORDER);
                for (int r = 0; r < rows; r++) {
                    int xr = r * in + k;
                    int yr = r * out + j;
                    FloatVector acc = FloatVector.fromArray(SPECIES, y, yr);
                    acc = w0.fma(FloatVector.broadcast(SPECIES, x[xr]), acc);
                    acc = w1.fma(FloatVector.broadcast(SPECIES, x[xr + 1]), acc);
                    acc = w2.fma(FloatVector.broadcast(SPECIES, x[xr + 2]), acc);
                    acc = w3.fma(FloatVector.broadcast(SPECIES, x[xr + 3]), acc);
                    acc.intoArray(y, yr);
                }
            }
            // What the vectors left: the last columns, and all columns of a last group of fewer than four rows.
            int scalarFrom = count == 4 ? vectorEnd : from;
            for (int kk = k; kk < k + count; kk++) {
                for (int j = scalarFrom; j < to; j++) {
                    float weight = w.get(FLOAT, kk * rowBytes + j * FLOAT_BYTES);
                    for (int r = 0; r < rows; r++) {
                        y[r * out + j] += x[r * in + kk] * weight;
                    }
                }
            }
        }
    }

    /** {@link #matmulColumns} for the row of {@code x} at {@code xOffset} into the row of {@code y} at {@code yOffset}. */
    private static void oneRow(MemorySegment w, MemorySegment bias, int in, int out, float[] x, int xOffset, float[] y,
                               int yOffset, int from, int to) {
        MemorySegment.copy(bias, FLOAT, from * FLOAT_BYTES, y, yOffset + from, to - from);
        int vectorEnd = from + SPECIES.loopBound(to - from);
        long rowBytes = out * FLOAT_BYTES;
        int k = 0;
        for (; k + 8 <= in; k += 8) {
            octet(w, k * rowBytes, rowBytes, x, xOffset + k, y, yOffset, from, vectorEnd);
        }
        for (; k < in; k++) {
            FloatVector xk = FloatVector.broadcast(SPECIES, x[xOffset + k]);
            for (int j = from; j < vectorEnd; j += LANES) {
                FloatVector.fromMemorySegment(SPECIES, w, k * rowBytes + j * FLOAT_BYTES, ORDER)
                        .fma(xk, FloatVector.fromArray(SPECIES, y, yOffset + j)).intoArray(y, yOffset + j);
            }
        }
        for (int j = vectorEnd; j < to; j++) {
            float sum = 0;
            for (k = 0; k < in; k++) {
                sum += x[xOffset + k] * w.get(FLOAT, k * rowBytes + j * FLOAT_BYTES);
            }
            y[yOffset + j] += sum;
        }
    }

    /**
     * Eight weight rows from {@code base} applied to the vector columns {@code [from, vectorEnd)}: eight streams in
     * flight keep more of the memory busy than one, and x's values are broadcast once per pass.
     */
    private static void octet(MemorySegment w, long base, long rowBytes, float[] x, int xAt, float[] y, int yOffset,
                              int from, int vectorEnd) {
        FloatVector x0 = FloatVector.broadcast(SPECIES, x[xAt]);
        FloatVector x1 = FloatVector.broadcast(SPECIES, x[xAt + 1]);
        FloatVector x2 = FloatVector.broadcast(SPECIES, x[xAt + 2]);
        FloatVector x3 = FloatVector.broadcast(SPECIES, x[xAt + 3]);
        FloatVector x4 = FloatVector.broadcast(SPECIES, x[xAt + 4]);
        FloatVector x5 = FloatVector.broadcast(SPECIES, x[xAt + 5]);
        FloatVector x6 = FloatVector.broadcast(SPECIES, x[xAt + 6]);
        FloatVector x7 = FloatVector.broadcast(SPECIES, x[xAt + 7]);
        for (int j = from; j < vectorEnd; j += LANES) {
            long offset = base + j * FLOAT_BYTES;
            // Two chains of four, so each FMA waits on one four rows back rather than on the one before it.
            FloatVector even = FloatVector.fromMemorySegment(SPECIES, w, offset, ORDER).mul(x0);
            FloatVector odd = FloatVector.fromMemorySegment(SPECIES, w, offset + rowBytes, ORDER).mul(x1);
            even = FloatVector.fromMemorySegment(SPECIES, w, offset + 2 * rowBytes, ORDER).fma(x2, even);
            odd = FloatVector.fromMemorySegment(SPECIES, w, offset + 3 * rowBytes, ORDER).fma(x3, odd);
            even = FloatVector.fromMemorySegment(SPECIES, w, offset + 4 * rowBytes, ORDER).fma(x4, even);
            odd = FloatVector.fromMemorySegment(SPECIES, w, offset + 5 * rowBytes, ORDER).fma(x5, odd);
            even = FloatVector.fromMemorySegment(SPECIES, w, offset + 6 * rowBytes, ORDER).fma(x6, even);
            odd = FloatVector.fromMemorySegment(SPECIES, w, offset + 7 * rowBytes, ORDER).fma(x7, odd);
            FloatVector.fromArray(SPECIES, y, yOffset + j).add(even.add(odd)).intoArray(y, yOffset + j);
        }
    }

    /**
     * Entries {@code [from, to)} of each row of {@code y = x @ wᵀ} for {@code w} stored {@code [out, in]}: the tied
     * LM head, where {@code w} is the token embedding. Each weight row is read from memory once; for the second and
     * later rows of {@code x} it is still in the L1 cache.
     */
    static void matmulRows(MemorySegment w, int in, int out, float[] x, float[] y, int rows, int from, int to) {
        long rowBytes = in * FLOAT_BYTES;
        for (int v = from; v < to; v++) {
            for (int r = 0; r < rows; r++) {
                y[r * out + v] = dot(w, v * rowBytes, x, r * in, in);
            }
        }
    }

    /** The dot product of {@code length} floats of {@code w} from byte {@code at} and of {@code x} from {@code offset}. */
    private static float dot(MemorySegment w, long at, float[] x, int offset, int length) {
        int vectorEnd = SPECIES.loopBound(length);
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int k = 0; k < vectorEnd; k += LANES) {
            acc = FloatVector.fromMemorySegment(SPECIES, w, at + k * FLOAT_BYTES, ORDER)
                    .fma(FloatVector.fromArray(SPECIES, x, offset + k), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int k = vectorEnd; k < length; k++) {
            sum += w.get(FLOAT, at + k * FLOAT_BYTES) * x[offset + k];
        }
        return sum;
    }

    /** {@code target[i] += addend[i]} for the columns {@code [from, to)} of each of {@code rows} rows of width {@code width}. */
    static void addColumns(float[] target, float[] addend, int rows, int width, int from, int to) {
        for (int r = 0; r < rows; r++) {
            int i = r * width + from;
            int end = r * width + to;
            int vectorEnd = i + SPECIES.loopBound(end - i);
            for (; i < vectorEnd; i += LANES) {
                FloatVector.fromArray(SPECIES, target, i).add(FloatVector.fromArray(SPECIES, addend, i))
                        .intoArray(target, i);
            }
            for (; i < end; i++) {
                target[i] += addend[i];
            }
        }
    }

    /** GPT-2's GELU (tanh approximation) in place, on the columns {@code [from, to)} of each row. */
    static void gelu(float[] values, int rows, int width, int from, int to) {
        for (int r = 0; r < rows; r++) {
            int i = r * width + from;
            int end = r * width + to;
            int vectorEnd = i + SPECIES.loopBound(end - i);
            for (; i < vectorEnd; i += LANES) {
                FloatVector x = FloatVector.fromArray(SPECIES, values, i);
                FloatVector u = x.mul(x).fma(GELU_B, GELU_A).mul(x);
                x.div(u.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(values, i);
            }
            for (; i < end; i++) {
                float x = values[i];
                float u = x * (GELU_A + GELU_B * x * x);
                values[i] = (float) (x / (1 + Math.exp(-u)));
            }
        }
    }

    /** LayerNorm of {@code width} values of {@code x} from {@code offset} into {@code out} at the same offset. */
    static void layerNorm(float[] x, int offset, int width, MemorySegment weight, MemorySegment bias, float eps,
                          float[] out) {
        int vectorEnd = SPECIES.loopBound(width);
        FloatVector sum = FloatVector.zero(SPECIES);
        for (int i = 0; i < vectorEnd; i += LANES) {
            sum = sum.add(FloatVector.fromArray(SPECIES, x, offset + i));
        }
        float total = sum.reduceLanes(VectorOperators.ADD);
        for (int i = vectorEnd; i < width; i++) {
            total += x[offset + i];
        }
        float mean = total / width;
        FloatVector squares = FloatVector.zero(SPECIES);
        for (int i = 0; i < vectorEnd; i += LANES) {
            FloatVector centred = FloatVector.fromArray(SPECIES, x, offset + i).sub(mean);
            squares = centred.fma(centred, squares);
        }
        float squared = squares.reduceLanes(VectorOperators.ADD);
        for (int i = vectorEnd; i < width; i++) {
            float centred = x[offset + i] - mean;
            squared += centred * centred;
        }
        float scale = (float) (1.0 / Math.sqrt(squared / width + eps));
        for (int i = 0; i < vectorEnd; i += LANES) {
            FloatVector.fromArray(SPECIES, x, offset + i).sub(mean).mul(scale)
                    .mul(FloatVector.fromMemorySegment(SPECIES, weight, i * FLOAT_BYTES, ORDER))
                    .add(FloatVector.fromMemorySegment(SPECIES, bias, i * FLOAT_BYTES, ORDER))
                    .intoArray(out, offset + i);
        }
        for (int i = vectorEnd; i < width; i++) {
            out[offset + i] = (x[offset + i] - mean) * scale * weight.get(FLOAT, i * FLOAT_BYTES)
                    + bias.get(FLOAT, i * FLOAT_BYTES);
        }
    }

    /**
     * One head of causal self-attention for one new token: softmax(scale · q·kⱼ) over the positions
     * {@code j < span} of the cache, then the weighted sum of their values into {@code out}.
     *
     * @param keys   the cache's keys; this head's position 0 starts at byte {@code base}, positions {@code dim}
     *               floats apart (the same for {@code values})
     * @param scores scratch of at least {@code span} floats
     */
    static void attend(float[] q, int qOffset, MemorySegment keys, MemorySegment values, long base, int span,
                       int dim, float scale, float[] scores, float[] out, int outOffset) {
        int vectorEnd = SPECIES.loopBound(dim);
        long positionBytes = dim * FLOAT_BYTES;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < span; j++) {
            scores[j] = dot(keys, base + j * positionBytes, q, qOffset, dim) * scale;
            max = Math.max(max, scores[j]);
        }
        float total = 0;
        int spanVectorEnd = SPECIES.loopBound(span);
        FloatVector sum = FloatVector.zero(SPECIES);
        for (int j = 0; j < spanVectorEnd; j += LANES) {
            FloatVector e = FloatVector.fromArray(SPECIES, scores, j).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(scores, j);
            sum = sum.add(e);
        }
        total += sum.reduceLanes(VectorOperators.ADD);
        for (int j = spanVectorEnd; j < span; j++) {
            scores[j] = (float) Math.exp(scores[j] - max);
            total += scores[j];
        }
        java.util.Arrays.fill(out, outOffset, outOffset + dim, 0f);
        for (int j = 0; j < span; j++) {
            long position = base + j * positionBytes;
            float weight = scores[j] / total;
            FloatVector weights = FloatVector.broadcast(SPECIES, weight);
            for (int d = 0; d < vectorEnd; d += LANES) {
                FloatVector.fromMemorySegment(SPECIES, values, position + d * FLOAT_BYTES, ORDER)
                        .fma(weights, FloatVector.fromArray(SPECIES, out, outOffset + d))
                        .intoArray(out, outOffset + d);
            }
            for (int d = vectorEnd; d < dim; d++) {
                out[outOffset + d] += weight * values.get(FLOAT, position + d * FLOAT_BYTES);
            }
        }
    }
}

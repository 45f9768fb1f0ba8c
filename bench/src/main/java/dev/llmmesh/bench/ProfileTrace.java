package dev.llmmesh.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the chrome trace that libtorch's legacy profiler writes ({@code JniUtils.stopProfile}): complete events
 * ({@code "ph": "X"}) with a name, start and duration in microseconds and a thread id. An op's self time is its
 * duration less that of the events directly nested in it on the same thread (aten::linear contains
 * aten::addmm, which holds the actual GEMM), so self times add up to the busy time without counting twice.
 */
final class ProfileTrace {

    record Event(String name, String shape, double start, double duration, long thread, double flops) {
        double end() {
            return start + duration;
        }
    }

    record OpTotal(String name, int calls, double selfMicros, double totalMicros, double flops) {
    }

    /** Ops by self time, and the time no op covered (top-level events' durations summed per thread). */
    record Summary(List<OpTotal> ops, List<OpTotal> byShape, double busyMicros, Map<Long, Double> busyByThread) {

        void print(PrintStream out, int top, double wallMicros) {
            double self = ops.stream().mapToDouble(OpTotal::selfMicros).sum();
            out.printf("  %-38s %7s %11s %7s %11s%n", "op (self time)", "calls", "self ms", "share", "incl. ms");
            for (int i = 0; i < Math.min(top, ops.size()); i++) {
                OpTotal op = ops.get(i);
                out.printf("  %-38s %7d %11.1f %6.1f%% %11.1f%n", abbreviate(op.name, 38), op.calls,
                        op.selfMicros / 1e3, 100 * op.selfMicros / self, op.totalMicros / 1e3);
            }
            double rest = ops.stream().skip(top).mapToDouble(OpTotal::selfMicros).sum();
            out.printf("  %-38s %7d %11.1f %6.1f%%%n", "(other ops)", ops.stream().skip(top).mapToInt(OpTotal::calls)
                    .sum(), rest / 1e3, 100 * rest / self);
            double gemm = ops.stream().filter(op -> isGemm(op.name)).mapToDouble(OpTotal::selfMicros).sum();
            double gemmFlops = ops.stream().filter(op -> isGemm(op.name)).mapToDouble(OpTotal::flops).sum();
            out.printf("  GEMM ops (addmm, mm, bmm, baddbmm): %.1f ms = %.1f%% of op self time; %.1f GFLOP by their "
                    + "shapes = %.2f GFLOP/s while in them%n", gemm / 1e3, 100 * gemm / self, gemmFlops / 1e9,
                    gemmFlops / (gemm / 1e6) / 1e9);
            out.printf("%n  %-34s %-34s %5s %9s %6s %8s%n", "op", "input shapes", "calls", "self ms", "share",
                    "GFLOP/s");
            for (int i = 0; i < Math.min(top, byShape.size()); i++) {
                OpTotal op = byShape.get(i);
                int bar = op.name.indexOf('|');
                String rate = op.flops > 0 ? String.format("%8.2f", op.flops / (op.selfMicros / 1e6) / 1e9) : "";
                out.printf("  %-34s %-34s %5d %9.1f %5.1f%% %s%n", abbreviate(op.name.substring(0, bar), 34),
                        abbreviate(op.name.substring(bar + 1), 34), op.calls, op.selfMicros / 1e3,
                        100 * op.selfMicros / self, rate);
            }
            out.printf("  op time on the calling threads: %.1f ms of %.1f ms wall (%.1f%%); threads seen: %s%n",
                    busyMicros / 1e3, wallMicros / 1e3, 100 * busyMicros / wallMicros, busyByThread.keySet());
        }
    }

    static boolean isGemm(String name) {
        return name.equals("aten::addmm") || name.equals("aten::mm") || name.equals("aten::bmm")
                || name.equals("aten::baddbmm") || name.equals("aten::addbmm");
    }

    private ProfileTrace() {
    }

    static Summary read(Path trace) throws IOException {
        JsonNode root = new ObjectMapper().readTree(trace.toFile());
        JsonNode events = root.isArray() ? root : root.path("traceEvents");
        Map<Long, List<Event>> byThread = new HashMap<>();
        for (JsonNode e : events) {
            if (!"X".equals(e.path("ph").asText()) || !e.has("dur")) {
                continue;
            }
            String name = e.path("name").asText();
            JsonNode shapes = e.path("shape");
            Event event = new Event(name, shapes.isMissingNode() ? "" : shapes.toString(), e.path("ts").asDouble(),
                    e.path("dur").asDouble(), e.path("tid").asLong(), gemmFlops(name, shapes));
            byThread.computeIfAbsent(event.thread, k -> new ArrayList<>()).add(event);
        }
        Map<String, double[]> totals = new HashMap<>(); // calls, self, total, flops
        Map<String, double[]> shapeTotals = new HashMap<>(); // by "name|shapes"
        Map<Long, Double> busy = new HashMap<>();
        double busyAll = 0;
        for (Map.Entry<Long, List<Event>> thread : byThread.entrySet()) {
            List<Event> list = thread.getValue();
            // parents first: earlier start, and of two starting together the longer
            list.sort(Comparator.comparingDouble(Event::start).thenComparing(Comparator.comparingDouble(Event::duration)
                    .reversed()));
            Deque<double[]> stack = new ArrayDeque<>(); // [end, childTime] per open event
            Deque<Event> open = new ArrayDeque<>();
            double threadBusy = 0;
            for (Event e : list) {
                while (!open.isEmpty() && open.peek().end() <= e.start) {
                    close(open.pop(), stack.pop(), totals, shapeTotals);
                }
                if (open.isEmpty()) {
                    threadBusy += e.duration;
                } else {
                    stack.peek()[1] += e.duration;
                }
                open.push(e);
                stack.push(new double[]{e.end(), 0});
            }
            while (!open.isEmpty()) {
                close(open.pop(), stack.pop(), totals, shapeTotals);
            }
            busy.put(thread.getKey(), threadBusy);
            busyAll += threadBusy;
        }
        return new Summary(sorted(totals), sorted(shapeTotals), busyAll, busy);
    }

    private static List<OpTotal> sorted(Map<String, double[]> totals) {
        List<OpTotal> ops = new ArrayList<>();
        totals.forEach((name, t) -> ops.add(new OpTotal(name, (int) t[0], t[1], t[2], t[3])));
        ops.sort(Comparator.comparingDouble(OpTotal::selfMicros).reversed());
        return ops;
    }

    private static void close(Event e, double[] frame, Map<String, double[]> totals, Map<String, double[]> byShape) {
        double self = Math.max(0, e.duration - frame[1]);
        for (double[] t : List.of(totals.computeIfAbsent(e.name, k -> new double[4]),
                byShape.computeIfAbsent(e.name + "|" + e.shape, k -> new double[4]))) {
            t[0]++;
            t[1] += self;
            t[2] += e.duration;
            t[3] += e.flops;
        }
    }

    /** 2·M·K·N (times the batch) of a GEMM op from its recorded input shapes; 0 for anything else. */
    static double gemmFlops(String name, JsonNode shapes) {
        if (!isGemm(name) || !shapes.isArray()) {
            return 0;
        }
        // mm(a, b), bmm(a, b); addmm(bias, a, b), baddbmm(c, a, b), addbmm(c, a, b)
        int first = name.equals("aten::mm") || name.equals("aten::bmm") ? 0 : 1;
        JsonNode a = shapes.path(first);
        JsonNode b = shapes.path(first + 1);
        if (!a.isArray() || !b.isArray() || a.size() < 2 || b.size() < 2) {
            return 0;
        }
        double m = a.get(a.size() - 2).asDouble();
        double k = a.get(a.size() - 1).asDouble();
        double n = b.get(b.size() - 1).asDouble();
        double batch = a.size() == 3 ? a.get(0).asDouble() : 1;
        return 2 * batch * m * k * n;
    }

    private static String abbreviate(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }
}

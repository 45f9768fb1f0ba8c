package dev.llmmesh.core.eval;

/**
 * Loss and perplexity of a token stream scored in windows.
 *
 * @param tokens     targets scored
 * @param windows    windows they were scored in
 * @param loss       mean negative log-likelihood per target token, in nats
 * @param perplexity {@code exp(loss)}
 * @param low        lower end of the 95% interval of the perplexity ({@link LossTally} says how), NaN if none
 * @param high       upper end, NaN if none
 */
public record PerplexityResult(long tokens, long windows, double loss, double perplexity, double low, double high) {

    public Interval interval() {
        return new Interval(low, high);
    }

    /** The interval of the loss itself (the log of the perplexity's). */
    public Interval lossInterval() {
        return new Interval(Math.log(low), Math.log(high));
    }
}

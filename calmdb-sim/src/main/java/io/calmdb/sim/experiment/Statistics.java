package io.calmdb.sim.experiment;

import java.util.Arrays;

/** Means and nearest-rank percentiles over a run's samples. */
final class Statistics {
    private Statistics() {}

    static double mean(double[] values) {
        return values.length == 0 ? Double.NaN : Arrays.stream(values).sum() / values.length;
    }

    /** The nearest-rank percentile ({@code fraction} in (0, 1]) of {@code values}. */
    static double percentile(double[] values, double fraction) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(fraction * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double max(double[] values) {
        return values.length == 0 ? Double.NaN : Arrays.stream(values).max().getAsDouble();
    }

    /** {@code value} rounded to {@code digits} decimals, for tables. */
    static double round(double value, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}

package io.calmdb.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The side-by-side table that {@code ./calmdb bench crdt} prints: one row per operation, CalmDB's figure, Pekko's
 * figure, their ratio, the target and whether this run met it. The same rows render as an aligned
 * Markdown table (readable on a console and pasteable into {@code docs/benchmarks.md}) and as JSON.
 */
final class ComparisonTable {
    /** How a row's two figures compare, which fixes what the ratio means and which way the target points. */
    enum Kind {
        /** A rate (operations per second): more is better; ratio = CalmDB / Pekko. */
        RATE,
        /** A duration: less is better; ratio = Pekko / CalmDB, "times faster". */
        TIME,
        /** A size: less is better; ratio = CalmDB / Pekko. */
        SIZE
    }

    /**
     * One operation. {@code error} values are JMH's 99.9% confidence half-widths (NaN when the figure is exact).
     * {@code targetRatio} is the ratio to reach (NaN when the issue sets none); {@code targetAbsolute} is a bound on
     * CalmDB's own figure (NaN when none).
     */
    record Row(String operation, Kind kind, String unit, double calmdb, double calmdbError, double pekko,
               double pekkoError, double targetRatio, double targetAbsolute) {

        double ratio() {
            return kind == Kind.TIME ? pekko / calmdb : calmdb / pekko;
        }

        String ratioText() {
            if (!(calmdb > 0) || !(pekko > 0)) {
                return "n/a";
            }
            return switch (kind) {
                case RATE -> format(ratio()) + "x the rate";
                case TIME -> format(ratio()) + "x faster";
                case SIZE -> format(ratio()) + "x the size";
            };
        }

        String targetText() {
            if (!Double.isNaN(targetAbsolute)) {
                return "<= " + format(targetAbsolute) + " " + unit;
            }
            if (Double.isNaN(targetRatio)) {
                return "none";
            }
            return switch (kind) {
                case RATE -> ">= " + format(targetRatio) + "x the rate";
                case TIME -> ">= " + format(targetRatio) + "x faster";
                case SIZE -> "<= " + format(targetRatio) + "x the size";
            };
        }

        /** "met", "missed", or "-" when the row has no target. */
        String verdict() {
            if (Double.isNaN(calmdb)) {
                return "-";
            }
            if (!Double.isNaN(targetAbsolute)) {
                return calmdb <= targetAbsolute ? "met" : "missed";
            }
            if (Double.isNaN(targetRatio) || !(calmdb > 0) || !(pekko > 0)) {
                return "-";
            }
            boolean met = kind == Kind.SIZE ? ratio() <= targetRatio : ratio() >= targetRatio;
            return met ? "met" : "missed";
        }
    }

    private final List<Row> rows = new ArrayList<>();

    void add(Row row) {
        rows.add(row);
    }

    List<Row> rows() {
        return List.copyOf(rows);
    }

    /** The rows as a Markdown table whose columns are padded to line up in a fixed-width font. */
    String toMarkdown() {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"operation", "CalmDB", "Pekko", "ratio", "target", "verdict"});
        for (Row row : rows) {
            cells.add(new String[] {row.operation(), figure(row.calmdb(), row.calmdbError(), row.unit()),
                    figure(row.pekko(), row.pekkoError(), row.unit()), row.ratioText(), row.targetText(), row.verdict()});
        }
        int[] widths = new int[cells.get(0).length];
        for (String[] line : cells) {
            for (int c = 0; c < line.length; c++) {
                widths[c] = Math.max(widths[c], line[c].length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (int r = 0; r < cells.size(); r++) {
            appendLine(text, cells.get(r), widths);
            if (r == 0) {
                String[] rule = new String[widths.length];
                for (int c = 0; c < widths.length; c++) {
                    rule[c] = "-".repeat(widths[c]);
                }
                appendLine(text, rule, widths);
            }
        }
        return text.toString();
    }

    /** The rows as a JSON array of objects (numbers unrounded; NaN written as null). */
    String toJson() {
        StringBuilder json = new StringBuilder("[\n");
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            json.append("  {\"operation\": ").append(quote(row.operation()))
                    .append(", \"unit\": ").append(quote(row.unit()))
                    .append(", \"calmdb\": ").append(number(row.calmdb()))
                    .append(", \"calmdbError\": ").append(number(row.calmdbError()))
                    .append(", \"pekko\": ").append(number(row.pekko()))
                    .append(", \"pekkoError\": ").append(number(row.pekkoError()))
                    .append(", \"ratio\": ").append(number(row.ratio()))
                    .append(", \"target\": ").append(quote(row.targetText()))
                    .append(", \"verdict\": ").append(quote(row.verdict()))
                    .append(i + 1 < rows.size() ? "},\n" : "}\n");
        }
        return json.append("]\n").toString();
    }

    private static void appendLine(StringBuilder text, String[] line, int[] widths) {
        text.append('|');
        for (int c = 0; c < line.length; c++) {
            text.append(' ').append(line[c]).append(" ".repeat(widths[c] - line[c].length())).append(" |");
        }
        text.append('\n');
    }

    static String figure(double value, double error, String unit) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        String text = format(value);
        if (!Double.isNaN(error)) {
            text += " ± " + format(error);
        }
        return text + " " + unit;
    }

    /** Three significant figures, without exponent notation. */
    static String format(double value) {
        double magnitude = Math.abs(value);
        if (magnitude >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (magnitude >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private static String number(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "null" : Double.toString(value);
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}

package io.calmdb.server.cli;

import io.calmdb.sim.experiment.ExperimentResult;
import io.calmdb.sim.experiment.Table;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Renders experiment results as aligned text tables or as JSON, without any library. */
final class ResultFormat {
    private ResultFormat() {}

    static String text(ExperimentResult result) {
        StringBuilder out = new StringBuilder();
        out.append("experiment: ").append(result.experiment()).append('\n');
        for (Map.Entry<String, Object> parameter : result.parameters().entrySet()) {
            out.append("  ").append(parameter.getKey()).append(" = ").append(parameter.getValue()).append('\n');
        }
        for (Table table : result.tables()) {
            out.append('\n').append(table.title()).append('\n');
            List<List<String>> cells = new ArrayList<>();
            cells.add(table.columns());
            for (List<Object> row : table.rows()) {
                cells.add(row.stream().map(ResultFormat::cell).toList());
            }
            int[] widths = new int[table.columns().size()];
            for (List<String> row : cells) {
                for (int i = 0; i < row.size(); i++) {
                    widths[i] = Math.max(widths[i], row.get(i).length());
                }
            }
            for (int r = 0; r < cells.size(); r++) {
                List<String> row = cells.get(r);
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < row.size(); i++) {
                    String cell = row.get(i);
                    boolean numeric = r > 0 && table.rows().get(r - 1).get(i) instanceof Number;
                    line.append(i == 0 ? "" : "  ");
                    line.append(numeric ? " ".repeat(widths[i] - cell.length()) + cell
                            : cell + " ".repeat(widths[i] - cell.length()));
                }
                out.append(line.toString().stripTrailing()).append('\n');
                if (r == 0) {
                    int total = 0;
                    for (int width : widths) {
                        total += width;
                    }
                    out.append("-".repeat(total + 2 * (widths.length - 1))).append('\n');
                }
            }
        }
        if (!result.notes().isEmpty()) {
            out.append('\n');
            for (String note : result.notes()) {
                out.append("note: ").append(note).append('\n');
            }
        }
        return out.toString();
    }

    private static String cell(Object value) {
        if (value instanceof Double d) {
            return d == Math.rint(d) && !d.isInfinite() ? String.valueOf(d.longValue()) : String.valueOf(d);
        }
        return String.valueOf(value);
    }

    static String json(ExperimentResult result) {
        StringBuilder out = new StringBuilder();
        out.append("{\"experiment\":").append(string(result.experiment()));
        out.append(",\"passed\":").append(result.passed());
        for (Map.Entry<String, Object> total : result.totals().entrySet()) {
            out.append(',').append(string(total.getKey())).append(':').append(value(total.getValue()));
        }
        out.append(",\"parameters\":{");
        Iterator<Map.Entry<String, Object>> parameters = result.parameters().entrySet().iterator();
        while (parameters.hasNext()) {
            Map.Entry<String, Object> parameter = parameters.next();
            out.append(string(parameter.getKey())).append(':').append(value(parameter.getValue()));
            if (parameters.hasNext()) {
                out.append(',');
            }
        }
        out.append("},\"tables\":[");
        for (int t = 0; t < result.tables().size(); t++) {
            Table table = result.tables().get(t);
            out.append(t == 0 ? "" : ",").append("{\"title\":").append(string(table.title()));
            out.append(",\"columns\":[");
            for (int i = 0; i < table.columns().size(); i++) {
                out.append(i == 0 ? "" : ",").append(string(table.columns().get(i)));
            }
            out.append("],\"rows\":[");
            for (int r = 0; r < table.rows().size(); r++) {
                out.append(r == 0 ? "" : ",").append('[');
                List<Object> row = table.rows().get(r);
                for (int i = 0; i < row.size(); i++) {
                    out.append(i == 0 ? "" : ",").append(value(row.get(i)));
                }
                out.append(']');
            }
            out.append("]}");
        }
        out.append("],\"notes\":[");
        for (int i = 0; i < result.notes().size(); i++) {
            out.append(i == 0 ? "" : ",").append(string(result.notes().get(i)));
        }
        return out.append("]}").toString();
    }

    private static String value(Object value) {
        if (value instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? "null" : cell(d);
        }
        if (value instanceof Number || value instanceof Boolean) {
            return String.valueOf(value);
        }
        return string(String.valueOf(value));
    }

    private static String string(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}

package io.calmdb.sim.experiment;

import java.util.ArrayList;
import java.util.List;

/**
 * A result table as plain data: a title, column names and rows of cells (strings, numbers or booleans). Formatting
 * as text or JSON is the front end's business.
 */
public record Table(String title, List<String> columns, List<List<Object>> rows) {
    public Table {
        columns = List.copyOf(columns);
        List<List<Object>> copy = new ArrayList<>();
        for (List<Object> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("rows must have " + columns.size() + " cells, got " + row.size());
            }
            copy.add(List.copyOf(row));
        }
        rows = List.copyOf(copy);
    }
}

package io.calmdb.sim.experiment;

import java.util.List;
import java.util.Map;

/**
 * What an experiment found.
 *
 * @param experiment the experiment's name
 * @param parameters the settings the run used, for the record (name to value, in display order)
 * @param tables the result tables
 * @param notes sentences that explain how to read the tables
 * @param passed false when the experiment has pass criteria and one failed
 * @param totals headline figures for machines (name to number or text, in display order), printed at the top level
 *     of the JSON form; empty for experiments that have none
 */
public record ExperimentResult(String experiment, Map<String, Object> parameters, List<Table> tables,
        List<String> notes, boolean passed, Map<String, Object> totals) {
    public ExperimentResult {
        parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
        tables = List.copyOf(tables);
        notes = List.copyOf(notes);
        totals = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(totals));
    }

    /** A result without headline totals. */
    public ExperimentResult(String experiment, Map<String, Object> parameters, List<Table> tables, List<String> notes,
            boolean passed) {
        this(experiment, parameters, tables, notes, passed, Map.of());
    }
}

package io.calmdb.server.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The immutable set of commands a server answers: the connection commands the front door runs itself
 * ({@code PING}, {@code ECHO}, {@code QUIT}, {@code SELECT}, {@code CLIENT}, {@code HELLO}, {@code COMMAND},
 * {@code RESET}) plus the data commands the node registers and its {@link CommandHandler} runs.
 *
 * <p>A name not in the table gets Redis's unknown-command error; an argument count outside a spec's arity gets
 * Redis's wrong-arity error; in both cases the handler is not called. That is why every data command must be
 * registered here: the table is the single place where "what exists" is decided, and {@code COMMAND} reports it.
 * Thread-safe: immutable after {@link Builder#build()}.
 */
public final class CommandTable {
  private final Map<String, CommandSpec> byName;
  private final List<CommandSpec> sorted;

  private CommandTable(Map<String, CommandSpec> byName) {
    this.byName = Map.copyOf(byName);
    List<CommandSpec> specs = new ArrayList<>(byName.values());
    specs.sort((left, right) -> left.name().compareTo(right.name()));
    this.sorted = Collections.unmodifiableList(specs);
  }

  /** A builder that already holds the connection commands; add the node's data commands to it. */
  public static Builder builder() {
    return new Builder();
  }

  /** A table with the connection commands only. */
  public static CommandTable connectionCommandsOnly() {
    return builder().build();
  }

  /** The spec registered under {@code name}, matched without regard to case. */
  public Optional<CommandSpec> find(String name) {
    Objects.requireNonNull(name, "name");
    return Optional.ofNullable(byName.get(name.toLowerCase(java.util.Locale.ROOT)));
  }

  /** Every spec, sorted by name. */
  public List<CommandSpec> all() {
    return sorted;
  }

  /** The number of commands. */
  public int size() {
    return sorted.size();
  }

  /** Looks up a command name as the client sent it, or returns null; ASCII case-insensitive. */
  CommandSpec lookup(byte[] name) {
    byte[] lower = null;
    for (int index = 0; index < name.length; index++) {
      byte character = name[index];
      if (character >= 'A' && character <= 'Z') {
        if (lower == null) {
          lower = name.clone();
        }
        lower[index] = (byte) (character + ('a' - 'A'));
      }
    }
    return byName.get(new String(lower == null ? name : lower, StandardCharsets.ISO_8859_1));
  }

  /** Collects specs for a {@link CommandTable}; not thread-safe. */
  public static final class Builder {
    private final Map<String, CommandSpec> byName = new HashMap<>();

    private Builder() {
      for (CommandSpec spec : ConnectionCommands.SPECS) {
        byName.put(spec.name(), spec);
      }
      for (CommandSpec spec : TransactionQueue.SPECS) {
        byName.put(spec.name(), spec);
      }
    }

    /**
     * Adds a data command.
     *
     * @throws IllegalArgumentException if a command of that name is already present, including a connection
     *     command, which the front door owns
     */
    public Builder add(CommandSpec spec) {
      Objects.requireNonNull(spec, "spec");
      if (byName.putIfAbsent(spec.name(), spec) != null) {
        throw new IllegalArgumentException("command '" + spec.name() + "' is already in the table"
            + (ConnectionCommands.isConnectionCommand(spec.name()) ? " as a connection command" : ""));
      }
      return this;
    }

    /** Adds every spec in order, with the same rule as {@link #add}. */
    public Builder addAll(Iterable<CommandSpec> specs) {
      for (CommandSpec spec : specs) {
        add(spec);
      }
      return this;
    }

    /** The immutable table. */
    public CommandTable build() {
      return new CommandTable(byName);
    }
  }
}

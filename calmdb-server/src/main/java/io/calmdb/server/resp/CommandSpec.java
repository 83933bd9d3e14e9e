package io.calmdb.server.resp;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What the front door and clients know about a command before running it: its name, arity, flags and key positions,
 * with Redis's definitions, plus the documentation {@code COMMAND DOCS} serves to {@code redis-cli}.
 *
 * <p>Arity counts the command name: {@code GET key} has arity 2; a negative arity {@code -n} means "at least n"
 * ({@code MSET} is -3). Key positions are argument indexes counting the name as 0: {@code firstKey} 0 means no
 * keys, {@code lastKey} -1 means the last argument, {@code keyStep} is the distance between keys ({@code MSET}:
 * 1, -1, 2). These are the fields a Redis cluster client reads to route a command, and a future sharded CalmDB
 * region will need them too.
 *
 * @param name lower-case canonical name, such as {@code "get"}
 * @param arity Redis arity, never 0
 * @param flags flags reported by {@code COMMAND}
 * @param firstKey index of the first key, 0 when the command has no key
 * @param lastKey index of the last key, negative to count from the end
 * @param keyStep distance between keys, 0 when the command has no key
 * @param group Redis documentation group, such as {@code "string"} or {@code "connection"}
 * @param summary one-sentence description shown by {@code redis-cli} hints and {@code COMMAND DOCS}
 * @param since the Redis version that introduced the command, or the CalmDB version for CalmDB's own commands
 * @param keyAccess the flags of the command's key specification in {@code COMMAND INFO}, such as {@code RO} and
 *     {@code access}; empty when the command has no key
 */
public record CommandSpec(String name, int arity, Set<CommandFlag> flags, int firstKey, int lastKey, int keyStep,
    String group, String summary, String since, List<String> keyAccess) {

  /** Validates the fields; see the record description for their meaning. */
  public CommandSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(flags, "flags");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(summary, "summary");
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(keyAccess, "keyAccess");
    if (name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT)) || name.chars().anyMatch(c -> c <= ' ')) {
      throw new IllegalArgumentException("name must be non-empty lower-case without spaces, got '" + name + "'");
    }
    if (arity == 0) {
      throw new IllegalArgumentException("arity of '" + name + "' must not be 0 (it counts the command name)");
    }
    if (firstKey < 0 || keyStep < 0 || (firstKey == 0) != (keyStep == 0)) {
      throw new IllegalArgumentException("key positions of '" + name + "' are inconsistent: firstKey=" + firstKey
          + " lastKey=" + lastKey + " keyStep=" + keyStep);
    }
    if ((firstKey == 0) != keyAccess.isEmpty()) {
      throw new IllegalArgumentException("keyAccess of '" + name + "' must be given exactly when it has keys, got "
          + keyAccess);
    }
    flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
    keyAccess = List.copyOf(keyAccess);
  }

  /** Whether the command names keys at fixed positions. */
  public boolean hasKeys() {
    return firstKey > 0;
  }

  /** Starts a spec with the given lower-case name and Redis arity; everything else defaults to "none". */
  public static Builder builder(String name, int arity) {
    return new Builder(name, arity);
  }

  /** Whether {@code argumentCount} (including the name) satisfies this command's arity. */
  public boolean acceptsArgumentCount(int argumentCount) {
    return arity > 0 ? argumentCount == arity : argumentCount >= -arity;
  }

  /** Builds a {@link CommandSpec} step by step; not thread-safe. */
  public static final class Builder {
    private final String name;
    private final int arity;
    private final EnumSet<CommandFlag> flags = EnumSet.noneOf(CommandFlag.class);
    private int firstKey;
    private int lastKey;
    private int keyStep;
    private String group = "generic";
    private String summary = "";
    private String since = "1.0.0";
    private List<String> keyAccess = List.of();

    private Builder(String name, int arity) {
      this.name = name;
      this.arity = arity;
    }

    /** Adds flags. */
    public Builder flags(CommandFlag... added) {
      flags.addAll(List.of(added));
      return this;
    }

    /**
     * Sets the key positions, with Redis's meaning (see {@link CommandSpec}), and how the command uses the keys:
     * Redis's key-specification flags, such as {@code "RO", "access"} for a read or {@code "RW", "update"} for a
     * read-modify-write.
     */
    public Builder keys(int first, int last, int step, String... access) {
      this.firstKey = first;
      this.lastKey = last;
      this.keyStep = step;
      this.keyAccess = List.of(access);
      return this;
    }

    /** Sets the documentation group, such as {@code "string"}. */
    public Builder group(String value) {
      this.group = value;
      return this;
    }

    /** Sets the one-sentence summary. */
    public Builder summary(String value) {
      this.summary = value;
      return this;
    }

    /** Sets the version that introduced the command. */
    public Builder since(String value) {
      this.since = value;
      return this;
    }

    /** Builds the spec, validating it. */
    public CommandSpec build() {
      return new CommandSpec(name, arity, flags, firstKey, lastKey, keyStep, group, summary, since, keyAccess);
    }
  }
}

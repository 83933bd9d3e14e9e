package io.calmdb.server.resp;

import io.calmdb.replication.keyspace.GlobPattern;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Who may connect and what each user may run: Redis 6's ACL model, with Redis's rule syntax, replies and error
 * wording. A user has an on/off switch, passwords (kept only as SHA-256 digests, as Redis keeps them), command rules
 * ({@code +get}, {@code -@dangerous}, {@code +config|get}), key patterns ({@code ~app:*}, {@code %R~*}) and channel
 * patterns ({@code &news.*}). {@code requirepass} is the password of the {@code default} user, as in Redis.
 *
 * <p>The ACL is node-local configuration, not replicated data: each region has its own users (deploy the same ACL
 * file to each). Command categories are derived from each command's flags and documentation group plus a short list
 * of dangerous commands ({@link #categories}). Thread-safe: users are immutable values swapped under this object's
 * lock; a check reads the current value without locking.
 */
public final class AccessControl {
  /** The user every connection starts as, and whose password {@code requirepass} sets. */
  public static final String DEFAULT_USER = "default";
  /** The categories {@code ACL CAT} lists, in Redis's order. */
  public static final List<String> CATEGORIES = List.of("keyspace", "read", "write", "set", "sortedset", "list",
      "hash", "string", "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
      "dangerous", "connection", "transaction", "scripting");
  /** Most rules one {@code ACL SETUSER} or ACL file line may give, a bound on hostile input. */
  public static final int RULES_PER_USER_MAX = 1024;
  /** Longest ACL file read by {@code ACL LOAD}, in bytes. */
  public static final long ACL_FILE_BYTES_MAX = 16L * 1024 * 1024;

  /** Commands Redis puts in {@code @dangerous} although their flags do not say {@code admin}. */
  private static final Set<String> DANGEROUS = Set.of("flushall", "flushdb", "keys", "config", "debug", "cluster",
      "client", "info", "sort", "sort_ro", "migrate", "restore", "swapdb", "shutdown", "monitor", "acl", "save",
      "bgsave", "bgrewriteaof", "replicaof", "slaveof", "failover", "latency", "slowlog", "module");
  /** Commands whose rules count as {@code @admin}. */
  private static final Set<String> ADMIN = Set.of("config", "debug", "cluster", "shutdown", "monitor", "acl",
      "save", "bgsave", "bgrewriteaof", "replicaof", "slaveof", "failover", "latency", "slowlog", "module");

  private final Map<String, User> users = new TreeMap<>();
  private volatile Map<String, User> snapshot = Map.of();
  private final Path aclFile;

  /**
   * @param requirepass the default user's password, or null for a {@code nopass} default user
   * @param aclFile the ACL file {@code ACL LOAD}/{@code SAVE} use, or null when none is configured
   */
  public AccessControl(String requirepass, Path aclFile) {
    this.aclFile = aclFile;
    synchronized (this) {
      users.put(DEFAULT_USER, User.defaultUser(requirepass));
      publish();
    }
  }

  /** An ACL that lets everyone in as the {@code nopass} default user. */
  public static AccessControl open() {
    return new AccessControl(null, null);
  }

  private void publish() {
    snapshot = Collections.unmodifiableMap(new LinkedHashMap<>(users));
  }

  /** The current value of {@code name}, or null. */
  public User user(String name) {
    return snapshot.get(name);
  }

  /** Whether the default user takes any password, so new connections start authenticated. */
  public boolean defaultUserNeedsNoPassword() {
    User user = snapshot.get(DEFAULT_USER);
    return user != null && user.enabled() && user.nopass();
  }

  /** The user {@code name} if it is enabled and {@code password} is one of its passwords, else null. */
  public User authenticate(String name, byte[] password) {
    User user = snapshot.get(name);
    if (user == null || !user.enabled()) {
      return null;
    }
    if (user.nopass() || user.passwordDigests().contains(digest(password))) {
      return user;
    }
    return null;
  }

  /** Sets the default user's password as {@code CONFIG SET requirepass} does: an empty one makes it nopass. */
  public synchronized void requirepass(String password) {
    User current = users.get(DEFAULT_USER);
    User base = current == null ? User.defaultUser(null) : current;
    users.put(DEFAULT_USER, password == null || password.isEmpty() ? base.withPasswords(true, Set.of())
        : base.withPasswords(false, Set.of(digest(password.getBytes(StandardCharsets.UTF_8)))));
    publish();
  }

  /** What {@code CONFIG GET requirepass} shows: the cleartext is not kept, so a digest is shown as Redis would not. */
  public String requirepassDescription() {
    User user = snapshot.get(DEFAULT_USER);
    return user == null || user.nopass() ? "" : "(set)";
  }

  /**
   * Applies {@code rules} to user {@code name}, creating it if missing, all or nothing.
   *
   * @return null, or the error line naming the first bad rule as Redis does
   */
  public synchronized String setUser(String name, List<String> rules) {
    if (rules.size() > RULES_PER_USER_MAX) {
      return "ERR too many ACL rules (at most " + RULES_PER_USER_MAX + ")";
    }
    User user = users.getOrDefault(name, User.newUser(name));
    for (String rule : rules) {
      User next = user.apply(rule);
      if (next == null) {
        return "ERR Error in ACL SETUSER modifier '" + rule + "': Syntax error";
      }
      user = next;
    }
    users.put(name, user);
    publish();
    return null;
  }

  /** Deletes the named users, except the default user; returns how many existed. */
  public synchronized int deleteUsers(List<String> names) {
    int deleted = 0;
    for (String name : names) {
      if (!name.equals(DEFAULT_USER) && users.remove(name) != null) {
        deleted++;
      }
    }
    publish();
    return deleted;
  }

  /** {@code ACL USERS}: the names, sorted. */
  public List<String> userNames() {
    return new ArrayList<>(new TreeMap<>(snapshot).keySet());
  }

  /** {@code ACL LIST}: one ACL file line per user, sorted by name. */
  public List<String> describeAll() {
    List<String> lines = new ArrayList<>();
    new TreeMap<>(snapshot).values().forEach(user -> lines.add(user.describe()));
    return lines;
  }

  /** Whether an ACL file is configured. */
  public boolean hasAclFile() {
    return aclFile != null;
  }

  /**
   * {@code ACL LOAD}: replaces every user with the file's, all or nothing.
   *
   * @return null, or the error line
   */
  public synchronized String load() {
    if (aclFile == null) {
      return "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the "
          + "ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) "
          + "in order to store users in the Redis configuration.";
    }
    List<String> lines;
    try {
      if (Files.size(aclFile) > ACL_FILE_BYTES_MAX) {
        return "ERR the ACL file is larger than " + ACL_FILE_BYTES_MAX + " bytes";
      }
      lines = Files.readAllLines(aclFile, StandardCharsets.UTF_8);
    } catch (IOException unreadable) {
      return "ERR Error loading ACLs, opening file '" + aclFile + "': " + unreadable.getMessage();
    }
    Map<String, User> loaded = new TreeMap<>();
    int lineNumber = 0;
    for (String raw : lines) {
      lineNumber++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] words = line.split("\\s+");
      if (words.length < 2 || !words[0].equals("user")) {
        return "ERR /" + aclFile.getFileName() + ":" + lineNumber + ": should start with user keyword. ";
      }
      if (words.length - 2 > RULES_PER_USER_MAX) {
        return "ERR /" + aclFile.getFileName() + ":" + lineNumber + ": too many rules. ";
      }
      User user = loaded.getOrDefault(words[1], User.newUser(words[1]));
      for (int index = 2; index < words.length; index++) {
        User next = user.apply(words[index]);
        if (next == null) {
          return "ERR /" + aclFile.getFileName() + ":" + lineNumber + ": Error in applying operation '"
              + words[index] + "': Syntax error. ";
        }
        user = next;
      }
      loaded.put(user.name(), user);
    }
    loaded.putIfAbsent(DEFAULT_USER, User.defaultUser(null));
    users.clear();
    users.putAll(loaded);
    publish();
    return null;
  }

  /** {@code ACL SAVE}: writes every user to the ACL file, replacing it atomically; null or the error line. */
  public synchronized String save() {
    if (aclFile == null) {
      return "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the "
          + "ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) "
          + "in order to store users in the Redis configuration.";
    }
    try {
      Path temporary = aclFile.resolveSibling(aclFile.getFileName() + ".tmp");
      Files.write(temporary, (String.join("\n", describeAll()) + "\n").getBytes(StandardCharsets.UTF_8));
      Files.move(temporary, aclFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return null;
    } catch (IOException failure) {
      return "ERR There was an error trying to save the ACLs. Please check the server logs for more information";
    }
  }

  /** The lower-case hex SHA-256 of a password, the form Redis stores and {@code ACL GETUSER} shows. */
  public static String digest(byte[] password) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(password));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException("every JDK has SHA-256", impossible);
    }
  }

  /** The categories of a command, without {@code all}: from its flags, its group and the dangerous list. */
  public static Set<String> categories(CommandSpec spec) {
    Set<String> categories = new LinkedHashSet<>();
    if (spec.flags().contains(CommandFlag.READONLY)) {
      categories.add("read");
    }
    if (spec.flags().contains(CommandFlag.WRITE)) {
      categories.add("write");
    }
    categories.add(spec.flags().contains(CommandFlag.FAST) ? "fast" : "slow");
    if (spec.flags().contains(CommandFlag.PUBSUB)) {
      categories.add("pubsub");
    }
    if (spec.flags().contains(CommandFlag.BLOCKING)) {
      categories.add("blocking");
    }
    if (spec.flags().contains(CommandFlag.ADMIN) || ADMIN.contains(spec.name())) {
      categories.add("admin");
      categories.add("dangerous");
    }
    if (DANGEROUS.contains(spec.name())) {
      categories.add("dangerous");
    }
    switch (spec.group()) {
      case "generic" -> categories.add("keyspace");
      case "string", "hash", "set", "list", "bitmap", "hyperloglog", "geo", "stream", "pubsub", "connection",
          "scripting" -> categories.add(spec.group());
      case "sorted-set", "sorted_set", "sortedset" -> categories.add("sortedset");
      case "transactions" -> categories.add("transaction");
      default -> {
        // server, cluster, claims, coordination: the flags above say enough.
      }
    }
    if (spec.name().equals("flushall") || spec.name().equals("flushdb")) {
      categories.add("keyspace");
    }
    return categories;
  }

  /** One user: immutable; every change makes a new value. */
  /** Commands whose first argument names a subcommand ({@code config|set}) for ACL rules and error texts. */
  static final java.util.Set<String> CONTAINERS = java.util.Set.of("pubsub", "client", "config", "command",
      "cluster", "script", "object", "memory", "debug");

  static String fullName(CommandSpec spec, byte[][] arguments) {
    if (CONTAINERS.contains(spec.name()) && arguments.length > 1) {
      return spec.name() + "|" + new String(arguments[1], java.nio.charset.StandardCharsets.UTF_8)
          .toLowerCase(java.util.Locale.ROOT);
    }
    return spec.name();
  }

  /** What an ACL refuses: the command (or subcommand), one of its keys, or one of its channels. */
  public enum Denial { COMMAND, KEY, CHANNEL }

  private static boolean mayUseChannels(User user, String name, byte[][] arguments) {
    int first;
    int last;
    boolean patterns = false;
    switch (name) {
      case "publish", "spublish" -> {
        first = 1;
        last = 1;
      }
      case "subscribe", "ssubscribe" -> {
        first = 1;
        last = arguments.length - 1;
      }
      case "psubscribe" -> {
        first = 1;
        last = arguments.length - 1;
        patterns = true;
      }
      default -> {
        return true;
      }
    }
    for (int index = first; index <= last; index++) {
      if (!user.mayUseChannel(arguments[index], patterns)) {
        return false;
      }
    }
    return true;
  }

  public record User(String name, boolean enabled, boolean nopass, Set<String> passwordDigests,
      List<String> commandRules, List<KeyPattern> keyPatterns, List<String> channelPatterns, boolean allChannels) {

    static User defaultUser(String requirepass) {
      User user = new User(DEFAULT_USER, true, true, Set.of(), List.of("+@all"), List.of(KeyPattern.ALL), List.of(),
          true);
      return requirepass == null || requirepass.isEmpty() ? user
          : user.withPasswords(false, Set.of(digest(requirepass.getBytes(StandardCharsets.UTF_8))));
    }

    /** A new user as Redis makes one: off, no passwords, no commands, no keys, no channels. */
    static User newUser(String name) {
      return new User(name, false, false, Set.of(), List.of("-@all"), List.of(), List.of(), false);
    }

    User withPasswords(boolean nopassValue, Set<String> digests) {
      return new User(name, enabled, nopassValue, Set.copyOf(digests), commandRules, keyPatterns, channelPatterns,
          allChannels);
    }

    /** This user with one rule applied, or null when the rule is not valid. */
    User apply(String rule) {
      String lower = rule.toLowerCase(Locale.ROOT);
      Set<String> digests = new LinkedHashSet<>(passwordDigests);
      List<String> commands = new ArrayList<>(commandRules);
      List<KeyPattern> keys = new ArrayList<>(keyPatterns);
      List<String> channels = new ArrayList<>(channelPatterns);
      boolean on = enabled;
      boolean noPassword = nopass;
      boolean everyChannel = allChannels;
      switch (lower) {
        case "on" -> on = true;
        case "off" -> on = false;
        case "nopass" -> {
          noPassword = true;
          digests.clear();
        }
        case "resetpass" -> {
          noPassword = false;
          digests.clear();
        }
        case "allkeys" -> {
          keys.clear();
          keys.add(KeyPattern.ALL);
        }
        case "resetkeys" -> keys.clear();
        case "allchannels" -> {
          channels.clear();
          everyChannel = true;
        }
        case "resetchannels" -> {
          channels.clear();
          everyChannel = false;
        }
        case "allcommands" -> {
          commands.clear();
          commands.add("+@all");
        }
        case "nocommands" -> {
          commands.clear();
          commands.add("-@all");
        }
        case "reset" -> {
          return newUser(name).apply("resetchannels");
        }
        default -> {
          if (rule.startsWith(">")) {
            digests.add(digest(rule.substring(1).getBytes(StandardCharsets.UTF_8)));
            noPassword = false;
          } else if (rule.startsWith("<")) {
            digests.remove(digest(rule.substring(1).getBytes(StandardCharsets.UTF_8)));
          } else if (rule.startsWith("#") || rule.startsWith("!")) {
            String hex = lower.substring(1);
            if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
              return null;
            }
            if (rule.startsWith("#")) {
              digests.add(hex);
              noPassword = false;
            } else {
              digests.remove(hex);
            }
          } else if (rule.startsWith("~")) {
            keys.add(new KeyPattern(rule.substring(1), true, true));
          } else if (lower.startsWith("%")) {
            KeyPattern pattern = KeyPattern.parsePercent(rule);
            if (pattern == null) {
              return null;
            }
            keys.add(pattern);
          } else if (rule.startsWith("&")) {
            channels.add(rule.substring(1));
          } else if ((rule.startsWith("+") || rule.startsWith("-")) && rule.length() > 1) {
            String target = lower.substring(1);
            if (target.startsWith("@") && !target.equals("@all") && !CATEGORIES.contains(target.substring(1))) {
              return null;
            }
            commands.add(rule.charAt(0) + target);
          } else {
            return null;
          }
        }
      }
      return new User(name, on, noPassword, Set.copyOf(digests), List.copyOf(commands), List.copyOf(keys),
          List.copyOf(channels), everyChannel);
    }

    /** Whether nothing limits this user: every command, key and channel. */
    boolean unrestricted() {
      return commandRules.size() == 1 && commandRules.get(0).equals("+@all") && everyKey() && allChannels;
    }

    private boolean everyKey() {
      for (KeyPattern pattern : keyPatterns) {
        if (pattern == KeyPattern.ALL || (pattern.read() && pattern.write() && pattern.text().equals("*"))) {
          return true;
        }
      }
      return false;
    }

    /**
     * Why this user may not run {@code arguments} (a command of {@code spec}), or null when it may. The front door
     * asks before running a command ({@link #refusal}), and a script asks for each {@code redis.call}.
     */
    public Denial denial(CommandSpec spec, byte[][] arguments) {
      if (unrestricted()) {
        return null;
      }
      String subcommand = CONTAINERS.contains(spec.name()) && arguments.length > 1
          ? new String(arguments[1], StandardCharsets.UTF_8).toLowerCase(java.util.Locale.ROOT) : null;
      if (!mayRun(spec, subcommand)) {
        return Denial.COMMAND;
      }
      if (spec.hasKeys()) {
        boolean write = !spec.flags().contains(CommandFlag.READONLY);
        int last = spec.lastKey() < 0 ? arguments.length + spec.lastKey() : Math.min(spec.lastKey(), arguments.length - 1);
        for (int index = spec.firstKey(); index <= last; index += spec.keyStep()) {
          if (!mayAccessKey(arguments[index], write)) {
            return Denial.KEY;
          }
        }
      }
      return mayUseChannels(this, spec.name(), arguments) ? null : Denial.CHANNEL;
    }

    /** Redis's {@code NOPERM} reply when this user may not run {@code arguments}, or null when it may. */
    public Reply refusal(CommandSpec spec, byte[][] arguments) {
      Denial denial = denial(spec, arguments);
      if (denial == null) {
        return null;
      }
      return Reply.error(switch (denial) {
        case COMMAND -> "NOPERM this user has no permissions to run the '" + fullName(spec, arguments) + "' command";
        case KEY -> "NOPERM this user has no permissions to access one of the keys used as arguments";
        case CHANNEL -> "NOPERM this user has no permissions to access one of the channels used as arguments";
      });
    }

    /** Whether the command rules let this user run {@code spec} (with {@code subcommand}, lower case, or null). */
    public boolean mayRun(CommandSpec spec, String subcommand) {
      Set<String> categories = null;
      boolean allowed = false;
      for (String rule : commandRules) {
        boolean allow = rule.charAt(0) == '+';
        String target = rule.substring(1);
        boolean matches;
        if (target.equals("@all")) {
          matches = true;
        } else if (target.startsWith("@")) {
          if (categories == null) {
            categories = categories(spec);
          }
          matches = categories.contains(target.substring(1));
        } else if (target.contains("|")) {
          matches = subcommand != null && target.equals(spec.name() + "|" + subcommand);
        } else {
          matches = target.equals(spec.name());
        }
        if (matches) {
          allowed = allow;
        }
      }
      return allowed;
    }

    /** Whether this user may touch {@code key} for reading ({@code write} false) or writing. */
    public boolean mayAccessKey(byte[] key, boolean write) {
      for (KeyPattern pattern : keyPatterns) {
        if ((write ? pattern.write() : pattern.read()) && pattern.matches(key)) {
          return true;
        }
      }
      return false;
    }

    /** Whether this user may publish or subscribe to {@code channel}; a pattern subscription must be listed as is. */
    public boolean mayUseChannel(byte[] channel, boolean isPattern) {
      if (allChannels) {
        return true;
      }
      for (String pattern : channelPatterns) {
        byte[] patternBytes = pattern.getBytes(StandardCharsets.UTF_8);
        if (isPattern ? java.util.Arrays.equals(patternBytes, channel) : GlobPattern.of(patternBytes).matches(channel)) {
          return true;
        }
      }
      return false;
    }

    /** The user as an ACL file line: {@code user NAME on|off [nopass] #digest... ~keys &channels commands}. */
    public String describe() {
      StringBuilder line = new StringBuilder("user ").append(name).append(enabled ? " on" : " off");
      if (nopass) {
        line.append(" nopass");
      }
      passwordDigests.stream().sorted().forEach(digest -> line.append(" #").append(digest));
      if (keyPatterns.isEmpty()) {
        line.append(" resetkeys");
      }
      keyPatterns.forEach(pattern -> line.append(' ').append(pattern.describe()));
      if (allChannels) {
        line.append(" &*");
      } else {
        // As Redis writes it: the reset first, so the line means the same whatever the defaults.
        line.append(" resetchannels");
        channelPatterns.forEach(pattern -> line.append(" &").append(pattern));
      }
      if (commandRules.isEmpty() || !commandRules.get(0).equals("+@all") && !commandRules.get(0).equals("-@all")) {
        line.append(" -@all"); // allows nothing by itself, so prefixing it changes no permission
      }
      commandRules.forEach(rule -> line.append(' ').append(rule));
      return line.toString();
    }

    /** {@code ACL GETUSER}'s flags field. */
    public List<String> flags() {
      List<String> flags = new ArrayList<>();
      flags.add(enabled ? "on" : "off");
      if (nopass) {
        flags.add("nopass");
      }
      return flags;
    }
  }

  /** A key pattern with the access it grants: {@code ~p} both, {@code %R~p} reads, {@code %W~p} writes. */
  public record KeyPattern(String text, boolean read, boolean write) {
    static final KeyPattern ALL = new KeyPattern("*", true, true);

    static KeyPattern parsePercent(String rule) {
      int tilde = rule.indexOf('~');
      if (tilde < 2) {
        return null;
      }
      String access = rule.substring(1, tilde).toUpperCase(Locale.ROOT);
      if (!access.matches("[RW]+")) {
        return null;
      }
      return new KeyPattern(rule.substring(tilde + 1), access.contains("R"), access.contains("W"));
    }

    boolean matches(byte[] key) {
      return text.equals("*") || GlobPattern.of(text.getBytes(StandardCharsets.UTF_8)).matches(key);
    }

    String describe() {
      if (read && write) {
        return "~" + text;
      }
      return "%" + (read ? "R" : "") + (write ? "W" : "") + "~" + text;
    }
  }
}

package io.calmdb.server.resp;

import static io.calmdb.server.resp.CommandFlag.FAST;
import static io.calmdb.server.resp.CommandFlag.LOADING;
import static io.calmdb.server.resp.CommandFlag.NOSCRIPT;
import static io.calmdb.server.resp.CommandFlag.NO_AUTH;
import static io.calmdb.server.resp.CommandFlag.STALE;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The connection commands the front door answers itself, with Redis 7's arities, replies and error wording:
 * {@code PING}, {@code ECHO}, {@code QUIT}, {@code SELECT}, {@code CLIENT}, {@code HELLO}, {@code COMMAND} and
 * {@code RESET}. They touch only the connection's own state and the command table, so they run synchronously on the
 * event loop and never reach the node's handler.
 */
final class ConnectionCommands {
  /** Each connection command, declared once: its spec and what runs it. */
  private static final Map<String, Entry> ENTRIES = entries(
      new Entry(connection("ping", -1, "Returns the server's liveliness response.", FAST, STALE),
          (connection, server, arguments) -> Outcome.of(ping(connection, arguments))),
      new Entry(connection("echo", 2, "Returns the given string.", FAST),
          (connection, server, arguments) -> Outcome.of(Reply.bulk(arguments[1]))),
      new Entry(connection("quit", -1, "Closes the connection.", NOSCRIPT, LOADING, STALE, FAST, NO_AUTH),
          (connection, server, arguments) -> new Outcome(Reply.ok(), true)),
      new Entry(connection("select", 2, "Changes the selected database; only database 0 exists.", LOADING, STALE,
          FAST), (connection, server, arguments) -> Outcome.of(select(arguments))),
      new Entry(connection("client", -2, "A container for client connection commands.", NOSCRIPT, LOADING, STALE),
          (connection, server, arguments) -> arguments.length >= 2 && lower(arguments[1]).equals("kill")
              ? clientKill(connection, server, arguments) : Outcome.of(client(connection, server, arguments))),
      new Entry(connection("hello", -1, "Handshakes with the server, choosing RESP2 or RESP3.", NOSCRIPT, LOADING,
          STALE, FAST, NO_AUTH), (connection, server, arguments) -> Outcome.of(hello(connection, server, arguments))),
      new Entry(CommandSpec.builder("command", -1).group("server").since("2.8.13")
          .summary("Returns detailed information about all commands.").flags(LOADING, STALE).build(),
          (connection, server, arguments) -> Outcome.of(command(server.table(), arguments))),
      new Entry(connection("auth", -2, "Authenticates the connection.", NOSCRIPT, LOADING, STALE, FAST, NO_AUTH),
          (connection, server, arguments) -> Outcome.of(auth(connection, server, arguments))),
      new Entry(CommandSpec.builder("acl", -2).group("server").since("6.0.0")
          .summary("ACL SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, LOAD, SAVE: users and permissions.")
          .flags(NOSCRIPT, LOADING, STALE).build(),
          (connection, server, arguments) -> Outcome.of(acl(connection, server, arguments))),
      new Entry(connection("reset", 1, "Resets the connection.", NOSCRIPT, LOADING, STALE, FAST, NO_AUTH),
          (connection, server, arguments) -> {
            connection.reset();
            return Outcome.of(Reply.simple("RESET"));
          }));

  /** The connection commands' specs, which every {@link CommandTable} starts with. */
  static final List<CommandSpec> SPECS = ENTRIES.values().stream().map(Entry::spec).toList();

  /** Characters Redis allows in client names and library names: printable ASCII without space. */
  private static final byte NAME_CHARACTER_MIN = '!';
  private static final byte NAME_CHARACTER_MAX = '~';

  /** What a connection command answers, and whether the connection closes after the answer. */
  record Outcome(Reply reply, boolean closeAfterReply) {
    static Outcome of(Reply reply) {
      return new Outcome(reply, false);
    }
  }

  /** Runs one connection command whose arity was already checked. */
  @FunctionalInterface
  private interface Runner {
    Outcome run(ClientConnection connection, NettyRespServer server, byte[][] arguments);
  }

  private record Entry(CommandSpec spec, Runner runner) {}

  private ConnectionCommands() {}

  private static Map<String, Entry> entries(Entry... entries) {
    Map<String, Entry> byName = new LinkedHashMap<>();
    for (Entry entry : entries) {
      if (byName.putIfAbsent(entry.spec().name(), entry) != null) {
        throw new IllegalStateException("connection command '" + entry.spec().name() + "' is declared twice");
      }
    }
    return Collections.unmodifiableMap(byName);
  }

  static boolean isConnectionCommand(String canonicalName) {
    return ENTRIES.containsKey(canonicalName);
  }

  private static CommandSpec connection(String name, int arity, String summary, CommandFlag... flags) {
    return CommandSpec.builder(name, arity).group("connection").summary(summary).flags(flags).build();
  }

  /** Runs a connection command whose arity was already checked against its spec. */
  static Outcome run(ClientConnection connection, NettyRespServer server, CommandSpec spec, byte[][] arguments) {
    Entry entry = ENTRIES.get(spec.name());
    if (entry == null) {
      throw new IllegalStateException("not a connection command: " + spec.name());
    }
    return entry.runner().run(connection, server, arguments);
  }

  private static Reply ping(ClientConnection connection, byte[][] arguments) {
    if (arguments.length > 2) {
      return Reply.error(CommandErrors.wrongArity("ping"));
    }
    if (connection.protocolVersion() == RespReplies.PROTOCOL_2 && connection.subscriptionCount() > 0) {
      // A RESP2 subscriber reads every frame as a message, so Redis answers with a "pong" frame.
      return Reply.array(Reply.bulk("pong"), arguments.length == 2 ? Reply.bulk(arguments[1]) : Reply.bulk(""));
    }
    return arguments.length == 2 ? Reply.bulk(arguments[1]) : Reply.simple("PONG");
  }

  private static Reply select(byte[][] arguments) {
    long index;
    try {
      index = RespNumbers.parseLong(arguments[1]);
    } catch (NumberFormatException notAnInteger) {
      return Reply.error(CommandErrors.NOT_AN_INTEGER);
    }
    if (index < Integer.MIN_VALUE || index > Integer.MAX_VALUE) {
      return Reply.error(CommandErrors.NOT_AN_INTEGER);
    }
    return index == 0 ? Reply.ok() : Reply.error(CommandErrors.DB_INDEX_OUT_OF_RANGE);
  }

  // CLIENT

  private static Reply client(ClientConnection connection, NettyRespServer server, byte[][] arguments) {
    String subcommand = lower(arguments[1]);
    return switch (subcommand) {
      case "id" -> arguments.length == 2 ? Reply.integer(connection.id()) : subcommandArity("client", subcommand);
      case "getname" -> arguments.length == 2
          ? (connection.name() == null ? Reply.nil() : Reply.bulk(connection.name()))
          : subcommandArity("client", subcommand);
      case "setname" -> {
        if (arguments.length != 3) {
          yield subcommandArity("client", subcommand);
        }
        Reply invalid = setName(connection, arguments[2]);
        yield invalid == null ? Reply.ok() : invalid;
      }
      case "info" -> arguments.length == 2 ? Reply.verbatim("txt", connection.describe())
          : subcommandArity("client", subcommand);
      case "list" -> clientList(server, arguments);
      case "setinfo" -> arguments.length == 4 ? setInfo(connection, arguments)
          : subcommandArity("client", subcommand);
      case "help" -> Reply.array(List.of(
          Reply.simple("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
          Reply.simple("GETNAME"), Reply.simple("    Return the name of the current connection."),
          Reply.simple("ID"), Reply.simple("    Return the ID of the current connection."),
          Reply.simple("INFO"), Reply.simple("    Return information about the current client connection."),
          Reply.simple("KILL <ip:port>"), Reply.simple("    Kill connection made from <ip:port>."),
          Reply.simple("KILL <option> <value> [<option> <value> [...]]"),
          Reply.simple("    Kill connections. Options are: ID <client-id>, TYPE normal|pubsub, USER <username>,"),
          Reply.simple("    ADDR <ip:port>, LADDR <ip:port>, SKIPME yes|no, MAXAGE <maxage>."),
          Reply.simple("LIST [TYPE <type>] [ID <id> [<id> ...]]"),
          Reply.simple("    Return information about client connections."),
          Reply.simple("SETINFO <option> <value>"),
          Reply.simple("    Set client meta attr. Options are: LIB-NAME, LIB-VER."),
          Reply.simple("SETNAME <name>"), Reply.simple("    Assign the name <name> to the current connection."),
          Reply.simple("HELP"), Reply.simple("    Print this help.")));
      default -> Reply.error(CommandErrors.unknownSubcommand(new String(arguments[1], StandardCharsets.UTF_8),
          "client"));
    };
  }

  /** {@code CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id...]}, with Redis 7.0's errors. */
  private static Reply clientList(NettyRespServer server, byte[][] arguments) {
    String type = null;
    java.util.Set<Long> ids = null;
    if (arguments.length == 4 && lower(arguments[2]).equals("type")) {
      type = lower(arguments[3]);
      if (!CLIENT_TYPES.contains(type)) {
        return Reply.error("ERR Unknown client type '" + new String(arguments[3], StandardCharsets.UTF_8) + "'");
      }
    } else if (arguments.length >= 4 && lower(arguments[2]).equals("id")) {
      ids = new java.util.HashSet<>();
      for (int index = 3; index < arguments.length; index++) {
        try {
          long id = RespNumbers.parseLong(arguments[index]);
          if (id <= 0) {
            return Reply.error("ERR Invalid client ID");
          }
          ids.add(id);
        } catch (NumberFormatException notAnInteger) {
          return Reply.error("ERR Invalid client ID");
        }
      }
    } else if (arguments.length != 2) {
      return Reply.error(CommandErrors.SYNTAX);
    }
    StringBuilder lines = new StringBuilder();
    for (ClientConnection other : server.connections()) {
      if ((type == null || type.equals(typeOf(other))) && (ids == null || ids.contains(other.id()))) {
        lines.append(other.describe());
      }
    }
    return Reply.verbatim("txt", lines.toString());
  }

  /** The client types Redis 7.0 names; this front door's connections are {@code normal} or {@code pubsub}. */
  private static final java.util.Set<String> CLIENT_TYPES = java.util.Set.of("normal", "master", "replica", "slave",
      "pubsub");

  private static String typeOf(ClientConnection connection) {
    return connection.subscriptionCount() > 0 ? "pubsub" : "normal";
  }

  /**
   * {@code CLIENT KILL ip:port} (answers OK or {@code ERR No such client}) and {@code CLIENT KILL filter value ...}
   * (answers how many it closed; {@code SKIPME yes} by default spares the caller). A caller that kills itself gets
   * its answer before the connection closes, as in Redis.
   */
  private static Outcome clientKill(ClientConnection connection, NettyRespServer server, byte[][] arguments) {
    if (arguments.length == 2) {
      return Outcome.of(subcommandArity("client", "kill"));
    }
    if (arguments.length == 3) {
      String address = new String(arguments[2], StandardCharsets.UTF_8);
      for (ClientConnection other : server.connections()) {
        if (other.remoteAddressText().equals(address)) {
          if (other == connection) {
            return new Outcome(Reply.ok(), true);
          }
          other.closeNow();
          return Outcome.of(Reply.ok());
        }
      }
      return Outcome.of(Reply.error("ERR No such client"));
    }
    if (arguments.length % 2 != 0) {
      return Outcome.of(Reply.error(CommandErrors.SYNTAX));
    }
    Long id = null;
    String address = null;
    String localAddress = null;
    String type = null;
    long maxAgeSeconds = 0;
    boolean skipMe = true;
    for (int index = 2; index < arguments.length; index += 2) {
      String option = lower(arguments[index]);
      byte[] value = arguments[index + 1];
      String text = new String(value, StandardCharsets.UTF_8);
      switch (option) {
        case "id" -> {
          try {
            id = RespNumbers.parseLong(value);
          } catch (NumberFormatException notAnInteger) {
            id = 0L;
          }
          if (id <= 0) {
            return Outcome.of(Reply.error("ERR client-id should be greater than 0"));
          }
        }
        case "addr" -> address = text;
        case "laddr" -> localAddress = text;
        case "type" -> {
          type = text.toLowerCase(Locale.ROOT);
          if (!CLIENT_TYPES.contains(type)) {
            return Outcome.of(Reply.error("ERR Unknown client type '" + text + "'"));
          }
        }
        case "user" -> {
          if (!text.equals("default")) {
            return Outcome.of(Reply.error("ERR No such user '" + text + "'"));
          }
        }
        case "skipme" -> {
          String answer = text.toLowerCase(Locale.ROOT);
          if (!answer.equals("yes") && !answer.equals("no")) {
            return Outcome.of(Reply.error(CommandErrors.SYNTAX));
          }
          skipMe = answer.equals("yes");
        }
        case "maxage" -> {
          try {
            maxAgeSeconds = RespNumbers.parseLong(value);
          } catch (NumberFormatException notAnInteger) {
            return Outcome.of(Reply.error(CommandErrors.SYNTAX));
          }
        }
        default -> {
          return Outcome.of(Reply.error(CommandErrors.SYNTAX));
        }
      }
    }
    long killed = 0;
    boolean killedSelf = false;
    for (ClientConnection other : List.copyOf(server.connections())) {
      boolean matches = (id == null || other.id() == id)
          && (address == null || other.remoteAddressText().equals(address))
          && (localAddress == null || other.localAddressText().equals(localAddress))
          && (type == null || type.equals(typeOf(other)))
          && (maxAgeSeconds <= 0 || other.ageSeconds() >= maxAgeSeconds)
          && !(skipMe && other == connection);
      if (matches) {
        killed++;
        if (other == connection) {
          killedSelf = true;
        } else {
          other.closeNow();
        }
      }
    }
    return new Outcome(Reply.integer(killed), killedSelf);
  }

  /** Sets the name, or returns Redis's error for a name with spaces or special characters. */
  private static Reply setName(ClientConnection connection, byte[] name) {
    if (!isValidName(name)) {
      return Reply.error("ERR Client names cannot contain spaces, newlines or special characters.");
    }
    connection.name(name.length == 0 ? null : new String(name, StandardCharsets.US_ASCII));
    return null;
  }

  private static Reply setInfo(ClientConnection connection, byte[][] arguments) {
    String attribute = lower(arguments[2]);
    if (!isValidName(arguments[3])) {
      return Reply.error("ERR " + (attribute.equals("lib-name") ? "lib-name" : attribute)
          + " cannot contain spaces, newlines or special characters.");
    }
    String value = new String(arguments[3], StandardCharsets.US_ASCII);
    switch (attribute) {
      case "lib-name" -> connection.libraryName(value);
      case "lib-ver" -> connection.libraryVersion(value);
      default -> {
        return Reply.error("ERR Unrecognized option '" + new String(arguments[2], StandardCharsets.UTF_8) + "'");
      }
    }
    return Reply.ok();
  }

  private static boolean isValidName(byte[] name) {
    for (byte character : name) {
      if (character < NAME_CHARACTER_MIN || character > NAME_CHARACTER_MAX) {
        return false;
      }
    }
    return true;
  }

  // ---- AUTH and ACL (issue 11)

  static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";

  private static Reply auth(ClientConnection connection, NettyRespServer server, byte[][] arguments) {
    if (arguments.length > 3) {
      return Reply.error(CommandErrors.SYNTAX);
    }
    AccessControl access = server.config().accessControl();
    String user = arguments.length == 3 ? new String(arguments[1], StandardCharsets.UTF_8) : AccessControl.DEFAULT_USER;
    byte[] password = arguments[arguments.length - 1];
    if (arguments.length == 2 && access.defaultUserNeedsNoPassword()) {
      return Reply.error("ERR AUTH <password> called without any password configured for the default user. Are you "
          + "sure your configuration is correct?");
    }
    if (access.authenticate(user, password) == null) {
      server.countAuthFailure();
      return Reply.error(WRONGPASS);
    }
    connection.authenticateAs(user);
    return Reply.ok();
  }

  private static Reply acl(ClientConnection connection, NettyRespServer server, byte[][] arguments) {
    AccessControl access = server.config().accessControl();
    String subcommand = lower(arguments[1]);
    switch (subcommand) {
      case "whoami" -> {
        if (arguments.length != 2) {
          return Reply.error("ERR wrong number of arguments for 'acl|whoami' command");
        }
        String user = connection.user();
        return Reply.bulk(user == null ? AccessControl.DEFAULT_USER : user);
      }
      case "users" -> {
        return Reply.array(access.userNames().stream().map(Reply::bulk).toList());
      }
      case "list" -> {
        return Reply.array(access.describeAll().stream().map(Reply::bulk).toList());
      }
      case "setuser" -> {
        if (arguments.length < 3) {
          return Reply.error("ERR wrong number of arguments for 'acl|setuser' command");
        }
        List<String> rules = new ArrayList<>();
        for (int index = 3; index < arguments.length; index++) {
          rules.add(new String(arguments[index], StandardCharsets.UTF_8));
        }
        String error = access.setUser(new String(arguments[2], StandardCharsets.UTF_8), rules);
        return error == null ? Reply.ok() : Reply.error(error);
      }
      case "deluser" -> {
        if (arguments.length < 3) {
          return Reply.error("ERR wrong number of arguments for 'acl|deluser' command");
        }
        List<String> names = new ArrayList<>();
        for (int index = 2; index < arguments.length; index++) {
          String name = new String(arguments[index], StandardCharsets.UTF_8);
          if (name.equals(AccessControl.DEFAULT_USER)) {
            return Reply.error("ERR The 'default' user cannot be removed");
          }
          names.add(name);
        }
        return Reply.integer(access.deleteUsers(names));
      }
      case "getuser" -> {
        if (arguments.length != 3) {
          return Reply.error("ERR wrong number of arguments for 'acl|getuser' command");
        }
        AccessControl.User user = access.user(new String(arguments[2], StandardCharsets.UTF_8));
        if (user == null) {
          return Reply.nilArray();
        }
        StringBuilder keys = new StringBuilder();
        for (AccessControl.KeyPattern pattern : user.keyPatterns()) {
          keys.append(keys.isEmpty() ? "" : " ").append(pattern.describe());
        }
        StringBuilder channels = new StringBuilder(user.allChannels() ? "&*" : "");
        for (String pattern : user.channelPatterns()) {
          channels.append(channels.isEmpty() ? "" : " ").append('&').append(pattern);
        }
        return Reply.mapOfPairs(List.of(
            Reply.bulk("flags"), Reply.array(user.flags().stream().map(Reply::bulk).toList()),
            Reply.bulk("passwords"), Reply.array(user.passwordDigests().stream().sorted().map(Reply::bulk).toList()),
            Reply.bulk("commands"), Reply.bulk(String.join(" ", user.commandRules())),
            Reply.bulk("keys"), Reply.bulk(keys.toString()),
            Reply.bulk("channels"), Reply.bulk(channels.toString()),
            Reply.bulk("selectors"), Reply.array(List.of())));
      }
      case "cat" -> {
        if (arguments.length == 2) {
          return Reply.array(AccessControl.CATEGORIES.stream().map(Reply::bulk).toList());
        }
        String category = lower(arguments[2]);
        if (!AccessControl.CATEGORIES.contains(category)) {
          return Reply.error("ERR Unknown category '" + category + "'");
        }
        List<Reply> names = new ArrayList<>();
        for (CommandSpec spec : server.table().all()) {
          if (AccessControl.categories(spec).contains(category)) {
            names.add(Reply.bulk(spec.name()));
          }
        }
        return Reply.array(names);
      }
      case "load" -> {
        String error = access.load();
        return error == null ? Reply.ok() : Reply.error(error);
      }
      case "save" -> {
        String error = access.save();
        return error == null ? Reply.ok() : Reply.error(error);
      }
      case "help" -> {
        return Reply.array(List.of(Reply.simple("ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
            Reply.simple("CAT [<category>]"), Reply.simple("DELUSER <username> [<username> ...]"),
            Reply.simple("GETUSER <username>"), Reply.simple("LIST"), Reply.simple("LOAD"), Reply.simple("SAVE"),
            Reply.simple("SETUSER <username> <attribute> [<attribute> ...]"), Reply.simple("USERS"),
            Reply.simple("WHOAMI"), Reply.simple("HELP")));
      }
      default -> {
        return Reply.error("ERR unknown subcommand '" + new String(arguments[1], StandardCharsets.UTF_8)
            + "'. Try ACL HELP.");
      }
    }
  }

  // HELLO

  private static Reply hello(ClientConnection connection, NettyRespServer server, byte[][] arguments) {
    int protocol = connection.protocolVersion();
    int next = 1;
    if (arguments.length >= 2) {
      long requested;
      try {
        requested = RespNumbers.parseLong(arguments[next++]);
      } catch (NumberFormatException notAnInteger) {
        return Reply.error("ERR Protocol version is not an integer or out of range");
      }
      if (requested < RespReplies.PROTOCOL_2 || requested > RespReplies.PROTOCOL_3) {
        return Reply.error("NOPROTO unsupported protocol version");
      }
      protocol = (int) requested;
    }
    String newName = null;
    boolean setName = false;
    String authUser = null;
    byte[] authPassword = null;
    for (int index = next; index < arguments.length; index++) {
      int remaining = arguments.length - 1 - index;
      String option = lower(arguments[index]);
      if (option.equals("auth") && remaining >= 2) {
        authUser = new String(arguments[index + 1], StandardCharsets.UTF_8);
        authPassword = arguments[index + 2];
        index += 2;
      } else if (option.equals("setname") && remaining >= 1) {
        byte[] name = arguments[index + 1];
        if (!isValidName(name)) {
          return Reply.error("ERR Client names cannot contain spaces, newlines or special characters.");
        }
        newName = name.length == 0 ? null : new String(name, StandardCharsets.US_ASCII);
        setName = true;
        index += 1;
      } else {
        return Reply.error("ERR Syntax error in HELLO option '" + new String(arguments[index],
            StandardCharsets.UTF_8) + "'");
      }
    }
    // Options are all validated before any takes effect, as in Redis.
    if (authUser != null) {
      if (server.config().accessControl().authenticate(authUser, authPassword) == null) {
        server.countAuthFailure();
        return Reply.error(WRONGPASS);
      }
      connection.authenticateAs(authUser);
    } else if (connection.user() == null) {
      return Reply.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
          + "<proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol "
          + "version at the same time");
    }
    if (setName) {
      connection.name(newName);
    }
    connection.protocolVersion(protocol);
    RespServerConfig config = server.config();
    List<Reply> fields = List.of(
        Reply.bulk("server"), Reply.bulk(config.serverName()),
        Reply.bulk("version"), Reply.bulk(config.serverVersion()),
        Reply.bulk("proto"), Reply.integer(protocol),
        Reply.bulk("id"), Reply.integer(connection.id()),
        Reply.bulk("mode"), Reply.bulk("standalone"),
        Reply.bulk("role"), Reply.bulk("master"),
        Reply.bulk("modules"), Reply.array(List.of()));
    return Reply.mapOfPairs(fields);
  }

  // COMMAND

  private static Reply command(CommandTable table, byte[][] arguments) {
    if (arguments.length == 1) {
      List<Reply> all = new ArrayList<>();
      for (CommandSpec spec : table.all()) {
        all.add(info(spec));
      }
      return Reply.array(all);
    }
    String subcommand = lower(arguments[1]);
    switch (subcommand) {
      case "count":
        return arguments.length == 2 ? Reply.integer(table.size()) : subcommandArity("command", subcommand);
      case "list": {
        if (arguments.length != 2) {
          return Reply.error(CommandErrors.SYNTAX);
        }
        List<Reply> names = new ArrayList<>();
        for (CommandSpec spec : table.all()) {
          names.add(Reply.bulk(spec.name()));
        }
        return Reply.array(names);
      }
      case "info": {
        List<Reply> infos = new ArrayList<>();
        if (arguments.length == 2) {
          for (CommandSpec spec : table.all()) {
            infos.add(info(spec));
          }
        }
        for (int index = 2; index < arguments.length; index++) {
          CommandSpec spec = table.lookup(arguments[index]);
          infos.add(spec == null ? Reply.nil() : info(spec));
        }
        return Reply.array(infos);
      }
      case "docs": {
        List<Reply> docs = new ArrayList<>();
        List<CommandSpec> wanted = new ArrayList<>();
        if (arguments.length == 2) {
          wanted.addAll(table.all());
        }
        for (int index = 2; index < arguments.length; index++) {
          CommandSpec spec = table.lookup(arguments[index]);
          if (spec != null) {
            wanted.add(spec);
          }
        }
        for (CommandSpec spec : wanted) {
          docs.add(Reply.bulk(spec.name()));
          docs.add(docs(spec));
        }
        return Reply.mapOfPairs(docs);
      }
      case "help":
        return Reply.array(List.of(
            Reply.simple("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
            Reply.simple("(no subcommand)"), Reply.simple("    Return details about all commands."),
            Reply.simple("COUNT"), Reply.simple("    Return the total number of commands in this server."),
            Reply.simple("LIST"), Reply.simple("    Return a list of all commands in this server."),
            Reply.simple("INFO [<command-name> ...]"),
            Reply.simple("    Return details about multiple commands."),
            Reply.simple("DOCS [<command-name> ...]"),
            Reply.simple("    Return documentation details about multiple commands."),
            Reply.simple("HELP"), Reply.simple("    Print this help.")));
      default:
        return Reply.error(CommandErrors.unknownSubcommand(new String(arguments[1], StandardCharsets.UTF_8),
            "command"));
    }
  }

  /**
   * One command's entry in Redis 7's ten-field {@code COMMAND INFO} format: name, arity, flags, first key, last
   * key, key step, ACL categories, tips, key specifications and subcommands.
   */
  private static Reply info(CommandSpec spec) {
    List<Reply> flags = new ArrayList<>();
    for (CommandFlag flag : CommandFlag.values()) {
      if (spec.flags().contains(flag)) {
        flags.add(Reply.simple(flag.redisName()));
      }
    }
    return Reply.array(List.of(
        Reply.bulk(spec.name()),
        Reply.integer(spec.arity()),
        Reply.set(flags),
        Reply.integer(spec.firstKey()),
        Reply.integer(spec.lastKey()),
        Reply.integer(spec.keyStep()),
        Reply.set(categories(spec)),
        Reply.set(List.of()),
        Reply.array(spec.hasKeys() ? List.of(keySpec(spec)) : List.of()),
        Reply.array(List.of())));
  }

  /** The ACL categories, in Redis's order: read or write, the group, then fast or slow. */
  private static List<Reply> categories(CommandSpec spec) {
    List<Reply> categories = new ArrayList<>();
    if (spec.flags().contains(CommandFlag.WRITE)) {
      categories.add(Reply.simple("@write"));
    }
    if (spec.flags().contains(CommandFlag.READONLY)) {
      categories.add(Reply.simple("@read"));
    }
    categories.add(Reply.simple(spec.group().equals("generic") ? "@keyspace" : "@" + spec.group()));
    if (spec.flags().contains(CommandFlag.ADMIN)) {
      categories.add(Reply.simple("@admin"));
      categories.add(Reply.simple("@dangerous"));
    }
    categories.add(Reply.simple(spec.flags().contains(CommandFlag.FAST) ? "@fast" : "@slow"));
    return categories;
  }

  /**
   * The key specification Redis 7 derives from first key, last key and step: an {@code index} begin-search and a
   * {@code range} find-keys whose {@code lastkey} counts from the first key (0 for a single key), or from the end
   * when negative.
   */
  private static Reply keySpec(CommandSpec spec) {
    List<Reply> access = new ArrayList<>();
    for (String flag : spec.keyAccess()) {
      access.add(Reply.simple(flag));
    }
    int lastKey = spec.lastKey() < 0 ? spec.lastKey() : spec.lastKey() - spec.firstKey();
    return Reply.mapOfPairs(List.of(
        Reply.bulk("flags"), Reply.set(access),
        Reply.bulk("begin_search"), Reply.mapOfPairs(List.of(
            Reply.bulk("type"), Reply.bulk("index"),
            Reply.bulk("spec"), Reply.mapOfPairs(List.of(Reply.bulk("index"), Reply.integer(spec.firstKey()))))),
        Reply.bulk("find_keys"), Reply.mapOfPairs(List.of(
            Reply.bulk("type"), Reply.bulk("range"),
            Reply.bulk("spec"), Reply.mapOfPairs(List.of(
                Reply.bulk("lastkey"), Reply.integer(lastKey),
                Reply.bulk("keystep"), Reply.integer(spec.keyStep()),
                Reply.bulk("limit"), Reply.integer(0)))))));
  }

  /** One command's {@code COMMAND DOCS} map: summary, since and group, as Redis 7 gives them. */
  private static Reply docs(CommandSpec spec) {
    return Reply.mapOfPairs(List.of(
        Reply.bulk("summary"), Reply.bulk(spec.summary()),
        Reply.bulk("since"), Reply.bulk(spec.since()),
        Reply.bulk("group"), Reply.bulk(spec.group())));
  }

  private static Reply subcommandArity(String container, String subcommand) {
    return Reply.error(CommandErrors.wrongArity(container + "|" + subcommand));
  }

  private static String lower(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
  }
}

package io.calmdb.server.resp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TEST FIXTURE ONLY: a map-backed GET/SET/DEL/INCR/MGET handler that lets the front door be tested without the
 * node. It has none of CalmDB's semantics (no CRDTs, no durability); it exists to count invocations and to hold
 * replies back so tests can complete them out of order.
 *
 * <p>In deferred mode every reply is returned as an incomplete stage and parked in {@link #parked()}; the test
 * completes them in whatever order it likes, from its own thread, which is exactly how write-ahead-log
 * acknowledgements arrive in the real node.
 */
final class InMemoryTestHandler implements CommandHandler {
  static final CommandTable TABLE = CommandTable.builder()
      .add(CommandSpec.builder("get", 2).keys(1, 1, 1, "RO", "access").flags(CommandFlag.READONLY, CommandFlag.FAST)
          .group("string").summary("Returns the string value of a key.").build())
      .add(CommandSpec.builder("set", -3).keys(1, 1, 1, "RW", "access", "update").flags(CommandFlag.WRITE, CommandFlag.DENYOOM)
          .group("string").summary("Sets the string value of a key.").build())
      .add(CommandSpec.builder("del", -2).keys(1, -1, 1, "RM", "delete").flags(CommandFlag.WRITE).group("generic")
          .summary("Deletes keys.").build())
      .add(CommandSpec.builder("incr", 2).keys(1, 1, 1, "RW", "access", "update").flags(CommandFlag.WRITE, CommandFlag.FAST)
          .group("string").summary("Increments the integer value of a key by one.").build())
      .add(CommandSpec.builder("mget", -2).keys(1, -1, 1, "RO", "access").flags(CommandFlag.READONLY, CommandFlag.FAST)
          .group("string").summary("Returns the values of keys.").build())
      .add(CommandSpec.builder("fail", 1).group("generic").summary("Test only: the handler throws.").build())
      .build();

  /** A reply held back by deferred mode, with the command it answers. */
  record Parked(Command command, Reply reply, CompletableFuture<Reply> future) {
    void complete() {
      future.complete(reply);
    }
  }

  private final ConcurrentHashMap<ByteBuffer, byte[]> values = new ConcurrentHashMap<>();
  private final AtomicLong invocations = new AtomicLong();
  private final LinkedBlockingQueue<Parked> parked = new LinkedBlockingQueue<>();
  private volatile boolean deferred;

  /** Switches deferred mode on or off. */
  void deferred(boolean value) {
    deferred = value;
  }

  /** How many times {@link #handle} was called. */
  long invocations() {
    return invocations.get();
  }

  /** Takes exactly {@code count} parked replies, waiting at most five seconds in all. */
  List<Parked> takeParked(int count) throws InterruptedException {
    List<Parked> taken = new ArrayList<>(count);
    long deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (taken.size() < count) {
      Parked next = parked.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (next == null) {
        throw new AssertionError("only " + taken.size() + " of " + count + " commands reached the handler in 5 s");
      }
      taken.add(next);
    }
    return taken;
  }

  @Override
  public CompletionStage<Reply> handle(Connection connection, Command command) {
    invocations.incrementAndGet();
    Reply reply = run(command);
    if (!deferred) {
      return CompletableFuture.completedFuture(reply);
    }
    CompletableFuture<Reply> future = new CompletableFuture<>();
    parked.add(new Parked(command, reply, future));
    return future;
  }

  private Reply run(Command command) {
    switch (command.name()) {
      case "get": {
        byte[] value = values.get(ByteBuffer.wrap(command.argument(1)));
        return value == null ? Reply.nil() : Reply.bulk(value);
      }
      case "set":
        if (command.argumentCount() != 3) {
          return Reply.error(CommandErrors.SYNTAX);
        }
        values.put(ByteBuffer.wrap(command.argument(1)), command.argument(2));
        return Reply.ok();
      case "del": {
        long removed = 0;
        for (int index = 1; index < command.argumentCount(); index++) {
          removed += values.remove(ByteBuffer.wrap(command.argument(index))) == null ? 0 : 1;
        }
        return Reply.integer(removed);
      }
      case "incr": {
        long[] result = new long[1];
        String[] error = new String[1];
        values.compute(ByteBuffer.wrap(command.argument(1)), (key, old) -> {
          try {
            long current = old == null ? 0 : RespNumbers.parseLong(old);
            result[0] = Math.addExact(current, 1);
            return Long.toString(result[0]).getBytes(StandardCharsets.US_ASCII);
          } catch (NumberFormatException | ArithmeticException notAnInteger) {
            error[0] = CommandErrors.NOT_AN_INTEGER;
            return old;
          }
        });
        return error[0] != null ? Reply.error(error[0]) : Reply.integer(result[0]);
      }
      case "mget": {
        List<Reply> found = new ArrayList<>();
        for (int index = 1; index < command.argumentCount(); index++) {
          byte[] value = values.get(ByteBuffer.wrap(command.argument(index)));
          found.add(value == null ? Reply.nil() : Reply.bulk(value));
        }
        return Reply.array(found);
      }
      case "fail":
        throw new IllegalStateException("deliberate test failure");
      default:
        throw new IllegalStateException("the table routed an unexpected command: " + command.name());
    }
  }
}

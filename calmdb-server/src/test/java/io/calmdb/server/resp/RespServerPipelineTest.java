package io.calmdb.server.resp;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pipelined commands whose replies complete out of order (as write-ahead-log acknowledgements do) still get their
 * replies in request order, and a client that floods commands is held back by the pipeline bound.
 */
class RespServerPipelineTest {
  private RespServer server;

  @AfterEach
  void stopServer() {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void pipeline_withRepliesCompletedInShuffledOrder_returnsThemInRequestOrder() throws Exception {
    long seed = 7_331L;
    InMemoryTestHandler handler = new InMemoryTestHandler();
    server = RespServer.start(RespServerConfig.defaults(), InMemoryTestHandler.TABLE, handler);
    handler.deferred(true);
    int commands = 64;
    RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(server.port())
        .withTimeout(Duration.ofSeconds(5)).build());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      // Lettuce then writes the whole pipeline in one go, as redis-benchmark -P does.
      connection.setAutoFlushCommands(false);
      RedisAsyncCommands<String, String> async = connection.async();
      List<RedisFuture<?>> futures = new ArrayList<>();
      for (int index = 0; index < commands; index++) {
        // Interleave data commands (deferred) with connection commands (answered at once by the front door).
        futures.add(async.set("key-" + index, "value-" + index));
        futures.add(async.echo("echo-" + index));
        futures.add(async.incr("counter"));
      }
      connection.flushCommands();
      // Two data commands per round reach the handler; complete them in a seeded random order.
      List<InMemoryTestHandler.Parked> parked = new ArrayList<>(handler.takeParked(commands * 2));
      Collections.shuffle(parked, new Random(seed));
      for (InMemoryTestHandler.Parked reply : parked) {
        reply.complete();
      }
      assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(5), futures.toArray(new RedisFuture<?>[0])))
          .as("every reply arrived").isTrue();
      for (int index = 0; index < commands; index++) {
        assertThat(futures.get(index * 3).get()).as("seed %d, SET %d", seed, index).isEqualTo("OK");
        assertThat(futures.get(index * 3 + 1).get()).as("seed %d, ECHO %d", seed, index).isEqualTo("echo-" + index);
        assertThat(futures.get(index * 3 + 2).get()).as("seed %d, INCR %d", seed, index).isEqualTo((long) index + 1);
      }
    } finally {
      client.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  @Test
  void pipeline_aboveTheUnansweredBound_pausesReadingUntilRepliesComplete() throws Exception {
    InMemoryTestHandler handler = new InMemoryTestHandler();
    int pipelineCommandsMax = 8;
    server = RespServer.start(RespServerConfig.builder().pipelineCommandsMax(pipelineCommandsMax).build(),
        InMemoryTestHandler.TABLE, handler);
    handler.deferred(true);
    int commands = 40;
    try (RawRespClient raw = new RawRespClient(server.port())) {
      StringBuilder burst = new StringBuilder();
      for (int index = 0; index < commands; index++) {
        burst.append("*2\r\n$4\r\nINCR\r\n$1\r\nc\r\n");
      }
      raw.send(burst.toString());
      // Only the first window reaches the handler; the rest waits in the socket buffers.
      List<InMemoryTestHandler.Parked> first = handler.takeParked(pipelineCommandsMax);
      assertThat(handler.invocations()).isEqualTo(pipelineCommandsMax);
      int completed = 0;
      for (InMemoryTestHandler.Parked reply : first) {
        reply.complete();
        completed++;
      }
      while (completed < commands) {
        int next = Math.min(pipelineCommandsMax / 2, commands - completed);
        for (InMemoryTestHandler.Parked reply : handler.takeParked(next)) {
          reply.complete();
          completed++;
        }
      }
      for (int index = 1; index <= commands; index++) {
        assertThat(raw.readReply()).isEqualTo(":" + index);
      }
    }
    assertThat(handler.invocations()).isEqualTo(commands);
  }
}

package io.calmdb.server.node;

import static io.calmdb.server.node.TestCluster.REGIONS;
import static io.calmdb.server.node.TestCluster.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.resp.RedisPy;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;

/**
 * MULTI/EXEC/DISCARD/WATCH against real nodes with real clients: Redis 7.0's replies (checked against redis-server
 * 7.0), the unit applied atomically on the local replica, and replicated as one delta that a peer shows whole.
 */
class TransactionCommandsTest {
    private static final ReplicaId VIRGINIA = REGIONS.get(0);
    private static final ReplicaId FRANKFURT = REGIONS.get(1);

    @TempDir
    static Path directory;

    private static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = new TestCluster(directory);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static int port(ReplicaId region) {
        return cluster.node(region).respPort();
    }

    /** A raw RESP exchange in Python: each command's reply bytes, exactly as the server sent them. */
    static final String RAW = """
            import os, socket, time
            s = socket.create_connection(('127.0.0.1', int(os.environ['PORT'])))
            s.settimeout(10)
            buffer = b''
            def read_reply():
                global buffer
                def line():
                    global buffer
                    while b'\\r\\n' not in buffer:
                        buffer += s.recv(65536)
                    head, buffer = buffer.split(b'\\r\\n', 1)
                    return head
                head = line()
                kind = head[:1]
                if kind in (b'$', b'='):
                    n = int(head[1:])
                    if n < 0:
                        return head + b'\\r\\n'
                    while len(buffer) < n + 2:
                        buffer += s.recv(65536)
                    body, buffer = buffer[:n + 2], buffer[n + 2:]
                    return head + b'\\r\\n' + body
                if kind in (b'*', b'%', b'~'):
                    n = int(head[1:])
                    out = head + b'\\r\\n'
                    for _ in range(max(n, 0) * (2 if kind == b'%' else 1)):
                        out += read_reply()
                    return out
                return head + b'\\r\\n'
            def call(*args):
                frame = b'*%d\\r\\n' % len(args)
                for a in args:
                    a = a.encode()
                    frame += b'$%d\\r\\n%s\\r\\n' % (len(a), a)
                s.sendall(frame)
                return read_reply()
            """;

    @Test
    void transactionErrors_areRedis70sReplies() throws Exception {
        String output = RedisPy.run(RAW + """
                assert call('MULTI') == b'+OK\\r\\n'
                assert call('MULTI') == b'-ERR MULTI calls can not be nested\\r\\n'
                assert call('SET', 'tx:a', '1') == b'+QUEUED\\r\\n'
                assert call('WATCH', 'tx:a') == b'-ERR WATCH inside MULTI is not allowed\\r\\n'
                assert call('NOPE', 'x') == b"-ERR unknown command 'NOPE', with args beginning with: 'x' \\r\\n"
                assert call('GET') == b"-ERR wrong number of arguments for 'get' command\\r\\n"
                assert call('EXEC') == b'-EXECABORT Transaction discarded because of previous errors.\\r\\n'
                assert call('GET', 'tx:a') == b'$-1\\r\\n', 'a refused transaction applied nothing'
                assert call('EXEC') == b'-ERR EXEC without MULTI\\r\\n'
                assert call('DISCARD') == b'-ERR DISCARD without MULTI\\r\\n'
                assert call('MULTI') == b'+OK\\r\\n'
                assert call('SET', 'tx:b', '1') == b'+QUEUED\\r\\n'
                assert call('DISCARD') == b'+OK\\r\\n'
                assert call('GET', 'tx:b') == b'$-1\\r\\n'
                print('ok')
                """, port(VIRGINIA));
        assertThat(output).isEqualTo("ok");
    }

    @Test
    void runtimeErrors_areInsideExecsArray_andTheOtherCommandsApply_inResp2AndResp3() throws Exception {
        String output = RedisPy.run(RAW + """
                call('SET', 'tx:text', 'x')
                for proto in ('2', '3'):
                    call('HELLO', proto)
                    assert call('MULTI') == b'+OK\\r\\n'
                    assert call('SET', 'tx:r' + proto, 'v') == b'+QUEUED\\r\\n'
                    assert call('INCR', 'tx:text') == b'+QUEUED\\r\\n'
                    assert call('PING') == b'+QUEUED\\r\\n'
                    assert call('GET', 'tx:missing') == b'+QUEUED\\r\\n'
                    assert call('HSET', 'tx:text', 'f', 'v') == b'+QUEUED\\r\\n'
                    assert call('WAIT', '0', '0') == b'+QUEUED\\r\\n'
                    nil = b'$-1\\r\\n' if proto == '2' else b'_\\r\\n'
                    expected = (b'*6\\r\\n+OK\\r\\n-ERR value is not an integer or out of range\\r\\n+PONG\\r\\n' + nil
                        + b'-WRONGTYPE Operation against a key holding the wrong kind of value\\r\\n:')
                    got = call('EXEC')
                    # WAIT answers at once inside a transaction: the peers that acknowledged the earlier writes.
                    assert got.startswith(expected) and got[len(expected):] in (b'0\\r\\n', b'1\\r\\n', b'2\\r\\n'), got
                    assert call('GET', 'tx:r' + proto) == b'$1\\r\\nv\\r\\n'
                print('ok')
                """, port(VIRGINIA));
        assertThat(output).isEqualTo("ok");
    }

    @Test
    void watch_abortsExecWithANilArray_whenAnotherClientChangedTheKey_inResp2AndResp3() throws Exception {
        String output = RedisPy.run(RAW + """
                import redis
                other = redis.Redis(port=int(os.environ['PORT']))
                for proto in ('2', '3'):
                    call('HELLO', proto)
                    assert call('WATCH', 'tx:w') == b'+OK\\r\\n'
                    other.set('tx:w', 'changed')
                    assert call('MULTI') == b'+OK\\r\\n'
                    assert call('SET', 'tx:w2:' + proto, proto) == b'+QUEUED\\r\\n'
                    got = call('EXEC')
                    assert got == (b'*-1\\r\\n' if proto == '2' else b'_\\r\\n'), got
                    assert other.get('tx:w2:' + proto) is None
                    # EXEC unwatched: the next transaction runs.
                    assert call('MULTI') == b'+OK\\r\\n'
                    assert call('SET', 'tx:w2', proto) == b'+QUEUED\\r\\n'
                    assert call('EXEC') == b'*1\\r\\n+OK\\r\\n'
                    # An untouched watched key lets EXEC run; UNWATCH forgets a changed one.
                    assert call('WATCH', 'tx:quiet') == b'+OK\\r\\n'
                    assert call('MULTI') == b'+OK\\r\\n'
                    assert call('EXEC') == b'*0\\r\\n'
                    assert call('WATCH', 'tx:w') == b'+OK\\r\\n'
                    other.set('tx:w', 'again')
                    assert call('UNWATCH') == b'+OK\\r\\n'
                    assert call('MULTI') == b'+OK\\r\\n'
                    assert call('EXEC') == b'*0\\r\\n'
                print('ok')
                """, port(VIRGINIA));
        assertThat(output).isEqualTo("ok");
    }

    /** The bug this fixes: MULTI and EXEC were unknown, so the commands between them ran one by one. */
    @Test
    void redisPyTransactionPipeline_whoseExecFails_appliesNothing() throws Exception {
        String output = RedisPy.run("""
                import os, redis
                r = redis.Redis(port=int(os.environ['PORT']))
                pipe = r.pipeline(transaction=True)
                pipe.set('tx:py:a', '1')
                pipe.incr('tx:py:counter')
                pipe.execute_command('NOSUCHCOMMAND', 'x')
                try:
                    pipe.execute()
                    raise SystemExit('EXEC should have failed')
                except redis.exceptions.ResponseError as e:
                    assert 'EXECABORT' in str(e) or 'unknown command' in str(e), str(e)
                assert r.get('tx:py:a') is None
                assert r.get('tx:py:counter') is None
                pipe = r.pipeline(transaction=True)
                pipe.set('tx:py:a', '1').incr('tx:py:counter').get('tx:py:a')
                assert pipe.execute() == [True, 1, b'1']
                # WATCH with redis-py's optimistic-locking helper: a concurrent change raises WatchError.
                with r.pipeline() as p:
                    p.watch('tx:py:counter')
                    r.incr('tx:py:counter')
                    p.multi()
                    p.set('tx:py:a', '2')
                    try:
                        p.execute()
                        raise SystemExit('EXEC should have been abandoned')
                    except redis.exceptions.WatchError:
                        pass
                assert r.get('tx:py:a') == b'1'
                print('ok')
                """, port(VIRGINIA));
        assertThat(output).isEqualTo("ok");
    }

    @Test
    void watch_seesAReplicatedWriteFromAnotherRegion() {
        try (Jedis virginia = new Jedis("127.0.0.1", port(VIRGINIA), 10_000);
                Jedis frankfurt = new Jedis("127.0.0.1", port(FRANKFURT), 10_000)) {
            virginia.watch("tx:remote");
            frankfurt.set("tx:remote", "from-frankfurt");
            awaitTrue("the write replicated to virginia", () -> "from-frankfurt".equals(
                    cluster.node(VIRGINIA).read(keyspace -> {
                        try {
                            return keyspace.get(Bytes.ofUtf8("tx:remote")).map(Bytes::toUtf8).orElse(null);
                        } catch (KeyspaceException e) {
                            throw new IllegalStateException(e);
                        }
                    }).join()));
            Transaction transaction = virginia.multi();
            transaction.set("tx:remote-guarded", "1");
            assertThat(transaction.exec()).isNull();
            assertThat(virginia.get("tx:remote-guarded")).isNull();
        }
    }

    @Test
    void aTransaction_isLoggedAsOneDelta_andAPeerShowsAllOfItOrNone() {
        int keys = 40;
        long sequenceBefore = cluster.node(VIRGINIA).status().join().ownSequence();
        AtomicInteger partialObservations = new AtomicInteger();
        AtomicInteger observations = new AtomicInteger();
        Thread observer = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                int visible = cluster.node(FRANKFURT).read(keyspace -> {
                    int count = 0;
                    for (int i = 0; i < keys; i++) {
                        count += keyspace.exists(Bytes.ofUtf8("tx:unit:" + i)) ? 1 : 0;
                    }
                    return count;
                }).join();
                observations.incrementAndGet();
                if (visible != 0 && visible != keys) {
                    partialObservations.incrementAndGet();
                }
                if (visible == keys) {
                    return;
                }
            }
        });
        observer.start();
        try (Jedis virginia = new Jedis("127.0.0.1", port(VIRGINIA), 10_000)) {
            Transaction transaction = virginia.multi();
            for (int i = 0; i < keys; i++) {
                transaction.set("tx:unit:" + i, "v" + i);
            }
            List<Object> replies = transaction.exec();
            assertThat(replies).hasSize(keys).containsOnly("OK");
        }
        try {
            observer.join(TestCluster.WAIT_MAX.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        observer.interrupt();
        assertThat(observations.get()).isPositive();
        assertThat(partialObservations.get()).as("observations at frankfurt that showed part of the transaction")
                .isZero();
        assertThat(cluster.node(VIRGINIA).status().join().ownSequence()).isEqualTo(sequenceBefore + 1);
    }

    @Test
    void jedisMultiExec_runsTheQueuedCommands() {
        try (Jedis virginia = new Jedis("127.0.0.1", port(VIRGINIA), 10_000)) {
            Transaction transaction = virginia.multi();
            Response<String> set = transaction.set("tx:jedis", "1");
            Response<Long> incremented = transaction.incrBy("tx:jedis", 4);
            Response<String> read = transaction.get("tx:jedis");
            transaction.exec();
            assertThat(set.get()).isEqualTo("OK");
            assertThat(incremented.get()).isEqualTo(5L);
            assertThat(read.get()).isEqualTo("5");
            Transaction discarded = virginia.multi();
            discarded.set("tx:jedis", "9");
            assertThat(discarded.discard()).isEqualTo("OK");
            assertThat(virginia.get("tx:jedis")).isEqualTo("5");
        }
    }

    @Test
    void lettuceMultiExec_runsTheQueuedCommands() {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port(VIRGINIA))
                .withTimeout(Duration.ofSeconds(10)).build());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> commands = connection.sync();
            assertThat(commands.multi()).isEqualTo("OK");
            commands.set("tx:lettuce", "a");
            commands.sadd("tx:lettuce-set", "x", "y");
            commands.get("tx:lettuce");
            TransactionResult result = commands.exec();
            assertThat(result.wasDiscarded()).isFalse();
            assertThat(result.<Object>get(0)).isEqualTo("OK");
            assertThat(result.<Object>get(1)).isEqualTo(2L);
            assertThat(result.<Object>get(2)).isEqualTo("a");
            commands.watch("tx:lettuce");
            try (StatefulRedisConnection<String, String> other = client.connect()) {
                other.sync().set("tx:lettuce", "b");
            }
            commands.multi();
            commands.set("tx:lettuce", "c");
            assertThat(commands.exec().wasDiscarded()).isTrue();
            assertThat(commands.get("tx:lettuce")).isEqualTo("b");
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        }
    }

    @Test
    void infoAndClusterInsideMulti_answerInTheirPlace() throws Exception {
        String output = RedisPy.run(RAW + """
                assert call('MULTI') == b'+OK\\r\\n'
                assert call('INFO', 'keyspace') == b'+QUEUED\\r\\n'
                assert call('CLUSTER', 'LINKS') == b'+QUEUED\\r\\n'
                assert call('SET', 'tx:info', '1') == b'+QUEUED\\r\\n'
                got = call('EXEC')
                assert got.startswith(b'*3\\r\\n$') and b'# Keyspace' in got and got.endswith(b'+OK\\r\\n'), got
                print('ok')
                """, port(VIRGINIA));
        assertThat(output).isEqualTo("ok");
    }

    @Test
    void watchesAreReleased_whenTheConnectionCloses() {
        try (Jedis virginia = new Jedis("127.0.0.1", port(VIRGINIA), 10_000)) {
            virginia.watch("tx:leak:a", "tx:leak:b");
            assertThat(cluster.node(VIRGINIA).read(keyspace -> keyspace.watchedKeys()).join()).isGreaterThanOrEqualTo(2);
        }
        awaitTrue("the closed connection's watches released",
                () -> cluster.node(VIRGINIA).read(keyspace -> keyspace.watchedKeys()).join() == 0);
    }
}

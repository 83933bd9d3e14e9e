package io.calmdb.server.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.ReplicaId;
import io.calmdb.replication.keyspace.Keyspace;
import io.calmdb.replication.keyspace.KeyspaceException;
import io.calmdb.server.resp.Command;
import io.calmdb.server.resp.CommandSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Two parsers decide what an integer is: the RESP front door's, for arguments ({@code INCRBY k +5}), and the
 * keyspace's, for stored values ({@code SET k +5; INCR k}). They live in modules that may not depend on each other,
 * so this test holds them to one rule, Redis's: both accept or both refuse every text, with the same value.
 */
class IntegerRulesAgreeTest {
    private static final long SEED = 0x1A7E6E25L;
    private static final int CASES = 5_000;
    private static final String ALPHABET = "0123456789-+ x";

    @Test
    void argumentAndStoredValue_acceptTheSameIntegers() throws KeyspaceException {
        List<String> texts = new ArrayList<>(List.of("0", "-0", "+5", "05", " 5", "5 ", "-", "", "00",
                "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                "18446744073709551616", "-1", "1e3", "0x10"));
        Random random = new Random(SEED);
        for (int i = 0; i < CASES; i++) {
            StringBuilder text = new StringBuilder();
            int length = 1 + random.nextInt(21);
            for (int j = 0; j < length; j++) {
                // Mostly digits, so that long valid numbers and overflows are both common.
                text.append(random.nextInt(4) == 0 ? ALPHABET.charAt(random.nextInt(ALPHABET.length()))
                        : (char) ('0' + random.nextInt(10)));
            }
            texts.add(text.toString());
        }
        CommandSpec spec = CommandRegistry.standard().find("incrby").spec();
        Keyspace keyspace = new Keyspace(ReplicaId.of("virginia"));
        for (String text : texts) {
            Long argument = asArgument(spec, text);
            keyspace.set(Bytes.ofUtf8("k"), Bytes.ofUtf8(text), 1_000);
            Long stored = asStoredValue(keyspace);
            assertThat(stored).as("seed %d: '%s' as a stored value and as an argument", SEED, text)
                    .isEqualTo(argument);
        }
    }

    private static Long asArgument(CommandSpec spec, String text) {
        Command command = Command.of(spec, "incrby".getBytes(StandardCharsets.UTF_8),
                "k".getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_8));
        try {
            return command.argumentLong(2);
        } catch (NumberFormatException refused) {
            return null;
        }
    }

    private static Long asStoredValue(Keyspace keyspace) {
        try {
            return keyspace.getInteger(Bytes.ofUtf8("k"));
        } catch (KeyspaceException refused) {
            return null;
        }
    }
}

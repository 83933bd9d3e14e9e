package io.calmdb.server.storage;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzzes the storage record decoders (issue 11): a damaged envelope, log body or identity body raises
 * {@link CorruptStorageException} naming the record, never anything else, so a corrupt file stops the node with a
 * clear message instead of serving wrong data.
 */
public class RecordDecoderFuzzTest {
  private static final byte[] STORAGE_KEY = "log:00000001".getBytes(StandardCharsets.US_ASCII);

  @FuzzTest(maxDuration = "30m", maxExecutions = 1_000_000)
  void records(byte[] input) {
    for (RecordFormat.Kind kind : RecordFormat.Kind.values()) {
      try {
        byte[] body = RecordFormat.open(kind, STORAGE_KEY, input, "fuzzed record");
        if (kind == RecordFormat.Kind.LOG_RECORD) {
          RecordFormat.decodeLogBody(1, body, "fuzzed log record");
        } else if (kind == RecordFormat.Kind.IDENTITY) {
          RecordFormat.decodeIdentityBody(body, "fuzzed identity");
        }
      } catch (CorruptStorageException | IncompatibleStorageException expected) {
        // reported with its location
      }
    }
    try {
      RecordFormat.decodeLogBody(1, input, "fuzzed log body");
    } catch (CorruptStorageException expected) {
      // reported with its location
    }
    try {
      RecordFormat.decodeIdentityBody(input, "fuzzed identity body");
    } catch (CorruptStorageException expected) {
      // reported with its location
    }
  }

  /** Records as the storage writes them, the seeds of the committed corpus. */
  public static List<byte[]> seeds() {
    return List.of(
        RecordFormat.seal(RecordFormat.Kind.LOG_RECORD, STORAGE_KEY,
            RecordFormat.encodeLogBody("key".getBytes(StandardCharsets.US_ASCII), 7, new byte[] {1, 2, 3})),
        RecordFormat.seal(RecordFormat.Kind.IDENTITY, STORAGE_KEY, RecordFormat.encodeIdentityBody("shop", "virginia")),
        RecordFormat.encodeLogBody("k".getBytes(StandardCharsets.US_ASCII), 1, new byte[0]));
  }
}

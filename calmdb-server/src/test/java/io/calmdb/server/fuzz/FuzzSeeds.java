package io.calmdb.server.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes the committed seed corpus of every fuzz target, where Jazzer's regression mode reads it
 * ({@code src/test/resources/<package>/<Class>Inputs/<method>/}). Run its {@code main} with the test class path from
 * the calmdb-server directory after changing an encoder (docs/security.md, "Fuzzing").
 */
public final class FuzzSeeds {
  private FuzzSeeds() {}

  public static void main(String[] arguments) throws IOException {
    Path resources = Path.of(arguments.length > 0 ? arguments[0] : "src/test/resources");
    Map<String, List<byte[]>> targets = Map.of(
        "io/calmdb/server/resp/RespDecoderFuzzTestInputs/requests", io.calmdb.server.resp.RespDecoderFuzzTest.seeds(),
        "io/calmdb/server/transport/WireDecoderFuzzTestInputs/peerBytes",
        io.calmdb.server.transport.WireDecoderFuzzTest.seeds(),
        "io/calmdb/server/storage/RecordDecoderFuzzTestInputs/records",
        io.calmdb.server.storage.RecordDecoderFuzzTest.seeds(),
        "io/calmdb/server/fuzz/CrdtCodecFuzzTestInputs/states", CrdtCodecFuzzTest.seeds());
    for (Map.Entry<String, List<byte[]>> target : targets.entrySet()) {
      Path directory = resources.resolve(target.getKey());
      Files.createDirectories(directory);
      List<byte[]> seeds = target.getValue();
      for (int i = 0; i < seeds.size(); i++) {
        Files.write(directory.resolve(String.format("seed-%02d", i)), seeds.get(i));
      }
      System.out.println(directory + ": " + seeds.size() + " seeds");
    }
  }
}

package io.calmdb.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.server.node.CalmNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the server's packages free of cycles by reading the compiled classes: every class a class file names,
 * in a field, a method signature, a call or an annotation, is spelled out in its constant pool as an internal
 * name such as {@code io/calmdb/server/http/HttpApi}, so a byte search finds every reference the compiler kept.
 */
class PackageDependencyTest {
    private static final String HTTP_PACKAGE = "io/calmdb/server/http/";
    private static final String NODE_PACKAGE = "io/calmdb/server/node/";

    @Test
    void nodePackage_doesNotReferenceTheHttpPackage() {
        assertThat(classesReferring(packageDirectory("node"), HTTP_PACKAGE))
                .as("classes of io.calmdb.server.node that refer to io.calmdb.server.http; start HTTP from "
                        + "io.calmdb.server.CalmServer instead")
                .isEmpty();
    }

    @Test
    void theScan_findsTheReferencesThatDoExist() {
        // Without this, a scan that read nothing (a wrong directory, an empty package) would pass the test above.
        assertThat(classesReferring(packageDirectory("http"), NODE_PACKAGE)).contains("HttpApi.class");
    }

    private static Path packageDirectory(String name) {
        try {
            Path classes = Path.of(CalmNode.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path directory = classes.resolve("io/calmdb/server").resolve(name);
            assertThat(directory).isDirectory();
            return directory;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> classesReferring(Path directory, String internalPackage) {
        byte[] needle = internalPackage.getBytes(StandardCharsets.US_ASCII);
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(file -> file.toString().endsWith(".class"))
                    .filter(file -> contains(read(file), needle))
                    .map(file -> file.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int start = 0; start + needle.length <= haystack.length; start++) {
            for (int i = 0; i < needle.length; i++) {
                if (haystack[start + i] != needle[i]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}

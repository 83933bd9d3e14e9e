package io.calmdb.server.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.server.resp.CommandFlag;
import io.calmdb.server.resp.CommandSpec;
import io.calmdb.server.resp.CommandTable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The registry is the one declaration of every data command, and each declaration is complete. */
class CommandRegistryTest {
    private final CommandRegistry registry = CommandRegistry.standard();

    @Test
    void everyCommand_hasASummaryGroupVersionAndArity() {
        assertThat(registry.entries()).isNotEmpty();
        for (CommandRegistry.Entry entry : registry.entries()) {
            CommandSpec spec = entry.spec();
            assertThat(spec.summary()).as("summary of %s", spec.name()).isNotBlank().endsWith(".");
            assertThat(spec.group()).as("group of %s", spec.name()).isNotBlank();
            assertThat(spec.since()).as("since of %s", spec.name()).matches("\\d+\\.\\d+\\.\\d+");
            assertThat(spec.arity()).as("arity of %s", spec.name()).isNotZero();
        }
    }

    @Test
    void everyCommand_hasAKeySpecWithinItsArity_orNoKeys() {
        for (CommandRegistry.Entry entry : registry.entries()) {
            CommandSpec spec = entry.spec();
            if (!spec.hasKeys()) {
                assertThat(spec.keyAccess()).as("key access of %s", spec.name()).isEmpty();
                continue;
            }
            int argumentsMin = Math.abs(spec.arity());
            assertThat(spec.firstKey()).as("first key of %s", spec.name()).isBetween(1, argumentsMin - 1);
            assertThat(spec.keyStep()).as("key step of %s", spec.name()).isPositive();
            if (spec.lastKey() >= 0) {
                assertThat(spec.lastKey()).as("last key of %s", spec.name()).isBetween(spec.firstKey(), argumentsMin - 1);
            }
            assertThat(spec.keyAccess()).as("key access of %s", spec.name()).isNotEmpty()
                    .containsAnyOf("RO", "RW", "OW", "RM");
        }
    }

    @Test
    void everyCommand_isReadOrWrite_consistentlyWithItsKeyAccess() {
        for (CommandRegistry.Entry entry : registry.entries()) {
            CommandSpec spec = entry.spec();
            if (spec.keyAccess().contains("RO")) {
                assertThat(spec.flags()).as("flags of %s", spec.name()).contains(CommandFlag.READONLY)
                        .doesNotContain(CommandFlag.WRITE);
            }
            if (spec.keyAccess().stream().anyMatch(List.of("RW", "OW", "RM")::contains)) {
                assertThat(spec.flags()).as("flags of %s", spec.name()).contains(CommandFlag.WRITE);
            }
        }
    }

    @Test
    void noName_isRegisteredTwice_andTheTableHoldsExactlyTheRegistryAndTheConnectionCommands() {
        Set<String> names = new HashSet<>();
        for (CommandRegistry.Entry entry : registry.entries()) {
            assertThat(names.add(entry.spec().name())).as("%s declared once", entry.spec().name()).isTrue();
        }
        CommandTable table = registry.table();
        int connectionCommands = CommandTable.connectionCommandsOnly().size();
        assertThat(table.size()).isEqualTo(connectionCommands + names.size());
        for (CommandRegistry.Entry entry : registry.entries()) {
            assertThat(table.find(entry.spec().name())).contains(entry.spec());
            assertThat(registry.find(entry.spec().name())).isSameAs(entry);
        }
        Set<String> tableNames = new HashSet<>();
        table.all().forEach(spec -> assertThat(tableNames.add(spec.name())).isTrue());
    }

    @Test
    void aSecondDeclaration_ofAnyName_isRefused() {
        CommandSpec get = registry.find("get").spec();
        assertThatThrownBy(() -> CommandTable.builder().add(get).add(get))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'get' is already in the table");
        CommandSpec ping = CommandSpec.builder("ping", -1).summary("A second PING.").build();
        assertThatThrownBy(() -> CommandTable.builder().add(ping))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("as a connection command");
    }

    @Test
    void everyCommand_hasExactlyOneHandler() {
        for (CommandRegistry.Entry entry : registry.entries()) {
            assertThat(entry.keyspaceHandler() == null).as("one handler for %s", entry.spec().name())
                    .isNotEqualTo(entry.nodeHandler() == null);
        }
    }
}

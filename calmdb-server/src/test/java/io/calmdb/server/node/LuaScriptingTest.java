package io.calmdb.server.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.calmdb.server.resp.Reply;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine's bounds, with small limits so a runaway script stops quickly; the node's defaults are tested there. */
class LuaScriptingTest {
    private static String run(LuaScripting scripting, String body) throws LuaScripting.ScriptException {
        String sha = scripting.load(body.getBytes(StandardCharsets.UTF_8));
        return scripting.run(sha, List.of(), List.of(), argv -> Reply.ok()).toString();
    }

    @Test
    void aScriptPastTheTimeLimit_isStopped_evenInsidePcall_andTheEngineRunsTheNextOne() throws Exception {
        LuaScripting scripting = new LuaScripting(new LuaScripting.Limits(Long.MAX_VALUE, 100, 1024));
        assertThat(run(scripting, "pcall(function() while true do end end) return 1"))
                .contains("SCRIPT_TIME_LIMIT_MILLIS").startsWith("-ERR");
        assertThat(run(scripting, "return 2")).isEqualTo(":2");
    }

    @Test
    void aScriptPastTheInstructionLimit_isStopped() throws Exception {
        LuaScripting scripting = new LuaScripting(new LuaScripting.Limits(1_000, 60_000, 1024));
        assertThat(run(scripting, "local n = 0 for i = 1, 1e9 do n = n + i end return n"))
                .contains("SCRIPT_INSTRUCTIONS_MAX");
        assertThat(run(scripting, "local n = 0 for i = 1, 10 do n = n + i end return n")).isEqualTo(":55");
    }

    @Test
    void globalsAreReadOnly_soNoScriptLeavesStateForTheNext() throws Exception {
        LuaScripting scripting = new LuaScripting(new LuaScripting.Limits(1_000_000, 60_000, 1024));
        assertThat(run(scripting, "counter = 1")).contains("Attempt to modify a readonly table");
        assertThat(run(scripting, "pcall = nil")).contains("Attempt to modify a readonly table");
        assertThat(run(scripting, "string.rep = nil")).contains("Attempt to modify a readonly table");
        assertThat(run(scripting, "_G.counter = 1")).contains("Attempt to modify a readonly table");
        assertThat(run(scripting, "return string.format('%d-%s', 4, 'x')")).isEqualTo("$4-x");
        assertThat(run(scripting, "return type(pcall)")).isEqualTo("$function");
        assertThat(run(scripting, "return string.rep('ab', 1000)")).contains("SCRIPT_STRING_BYTES_MAX");
        assertThat(run(scripting, "return ('ab'):upper()")).isEqualTo("$AB");
    }
}

package io.calmdb.replication.claim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.calmdb.crdt.Bytes;
import io.calmdb.crdt.ReplicaId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClaimAuthorityTest {
    private static final ReplicaId A = ReplicaId.of("a");
    private static final ReplicaId B = ReplicaId.of("b");
    private static final ReplicaId C = ReplicaId.of("c");

    @Test
    void crc16_matchesTheXmodemCheckValue() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(ClaimAuthority.crc16(check, 0, check.length)).isEqualTo(0x31C3);
    }

    @Test
    void slot_matchesRedisClusterKeySlot() {
        // CLUSTER KEYSLOT values of Redis 7.
        assertThat(ClaimAuthority.slot(Bytes.ofUtf8("foo"))).isEqualTo(12182);
        assertThat(ClaimAuthority.slot(Bytes.ofUtf8("bar"))).isEqualTo(5061);
        assertThat(ClaimAuthority.slot(Bytes.ofUtf8("hello"))).isEqualTo(866);
    }

    @Test
    void slot_hashesOnlyANonEmptyHashTag() {
        assertThat(ClaimAuthority.slot(Bytes.ofUtf8("{user1000}.following")))
                .isEqualTo(ClaimAuthority.slot(Bytes.ofUtf8("{user1000}.followers")))
                .isEqualTo(ClaimAuthority.slot(Bytes.ofUtf8("user1000")));
        assertThat(ClaimAuthority.slot(Bytes.ofUtf8("foo{}{bar}"))).isEqualTo(ClaimAuthority.slot(Bytes.ofUtf8("foo{}{bar}")));
        assertThat(ClaimAuthority.slot(Bytes.ofUtf8("{}x"))).isNotEqualTo(ClaimAuthority.slot(Bytes.ofUtf8("x")));
    }

    @Test
    void initial_splitsTheSlotsEvenlyOverTheRegionsInNameOrder_atEpochOne() {
        ClaimAuthority authority = ClaimAuthority.initial(List.of(C, A, B));
        assertThat(authority.epoch()).isEqualTo(1);
        assertThat(authority.regions()).containsExactly(A, B, C);
        assertThat(authority.authorityOfSlot(0)).isEqualTo(A);
        assertThat(authority.authorityOfSlot(5460)).isEqualTo(A);
        assertThat(authority.authorityOfSlot(5461)).isEqualTo(B);
        assertThat(authority.authorityOfSlot(10922)).isEqualTo(C);
        assertThat(authority.authorityOfSlot(16383)).isEqualTo(C);
        assertThat(authority.authority(Bytes.ofUtf8("foo"))).isEqualTo(C);
        assertThat(authority.authority(Bytes.ofUtf8("bar"))).isEqualTo(A);
    }

    @Test
    void initial_refusesNoRegions_andASlotOutOfRange() {
        assertThatThrownBy(() -> ClaimAuthority.initial(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("regions");
        assertThatThrownBy(() -> ClaimAuthority.initial(List.of(A)).authorityOfSlot(16384))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slot");
    }
}

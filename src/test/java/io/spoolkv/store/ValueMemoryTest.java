package io.spoolkv.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The charge of a value is the size class Netty's pool gives it (jemalloc's classes), not its length. */
class ValueMemoryTest {

    @ParameterizedTest
    @CsvSource({"0,0", "1,16", "3,16", "16,16", "17,32", "64,64", "65,80", "100,112", "128,128", "129,160",
            "1024,1024", "1025,1280", "1037,1280", "1100,1280", "4096,4096", "4097,5120", "102400,114688",
            "1048576,1048576", "1048577,1310720"})
    void aValueIsChargedItsPoolSizeClass(int length, long charged) {
        assertThat(ValueMemory.allocatedBytes(length)).isEqualTo(charged);
    }

    /** Beyond the pool's chunk a value is allocated on its own, at its exact size. */
    @org.junit.jupiter.api.Test
    void aValueLargerThanAChunkIsChargedItsLength() {
        int chunk = PooledByteBufAllocator.DEFAULT.metric().chunkSize();
        assertThat(ValueMemory.allocatedBytes(chunk + 1)).isEqualTo(chunk + 1L);
    }

    /** Proves: the JVM's refusal is recognised whatever the case of its message ("Direct buffer memory" on JDK 17). */
    @org.junit.jupiter.api.Test
    void theJvmsDirectMemoryRefusalIsRecognisedInAnyCase() {
        assertThat(DirectMemoryRefusal.is(new OutOfMemoryError("Direct buffer memory"))).isTrue();
        assertThat(DirectMemoryRefusal.is(
                new OutOfMemoryError("Cannot reserve 1024 bytes of direct buffer memory"))).isTrue();
        assertThat(DirectMemoryRefusal.is(new OutOfMemoryError("Java heap space"))).isFalse();
    }
}

package io.spoolkv.protocol.binary;

import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.DELETE;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GAT;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GET;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GETQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SET;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.STAT;
import static io.spoolkv.testsupport.BinaryPackets.ascii;
import static io.spoolkv.testsupport.BinaryPackets.concat;
import static io.spoolkv.testsupport.BinaryPackets.keyOnly;
import static io.spoolkv.testsupport.BinaryPackets.store;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spoolkv.command.CacheCommands;
import io.spoolkv.command.MutationListener;
import io.spoolkv.config.StoreProperties;
import io.spoolkv.protocol.DrainConnection;
import io.spoolkv.store.Key;
import io.spoolkv.store.MemoryItemStore;
import io.spoolkv.store.MutableClock;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.testsupport.BinaryPackets;
import io.spoolkv.testsupport.FailingStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The binary handler on an {@link EmbeddedChannel} over the real store: what happens after a failure, and the
 * counters it shares with the text protocol.
 */
class BinaryCommandHandlerTest {

    private final MemoryItemStore store =
            new MemoryItemStore(new StoreProperties(DataSize.ofMegabytes(64), DataSize.ofMegabytes(1), true),
                    MutableClock.atDefaultStart());
    // only STAT detail is sent here (no report), so the executor needs no StatsReporter; storing "boom" fails as a
    // bug would
    private final EmbeddedChannel channel = new EmbeddedChannel(
            new BinaryRequestDecoder(1024 * 1024), BinaryResponseEncoder.INSTANCE,
            new BinaryCommandHandler(new BinaryCommandExecutor(new CacheCommands(
                    FailingStore.failingOn(store, Key.of("boom")), MutationListener.NONE), null),
                    1, () -> { }, Duration.ofSeconds(5)));

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        store.close(); // the store's references to its values go back, so the leak check covers them
    }

    /**
     * Once a request fails with an exception, the requests already read in the same packet do not run: the SET and
     * DELETE after the failed one change nothing, and the connection is closed.
     */
    @Test
    void requestsReadBeforeAFailureDoNotRunAfterIt() {
        store.store(StoreRequest.of(StoreMode.SET, Key.of("kept"), ascii("v"), 0, 0));
        channel.writeInbound(Unpooled.wrappedBuffer(concat(store(SET, 1, 0, "boom", ascii("1"), 0, 0),
                store(SET, 2, 0, "second", ascii("2"), 0, 0), keyOnly(DELETE, 3, "kept"))));
        channel.runPendingTasks();
        assertThat(store.peek(Key.of("second"))).as("a request after the failure").isNull();
        assertThat(store.peek(Key.of("kept"))).as("a delete after the failure").isNotNull();
        assertThat((Object) channel.readOutbound()).as("nothing answered").isNull();
        assertThat(channel.isOpen()).isFalse();
    }

    /**
     * Shutdown while the socket is full: the requests the decoder holds back (complete, not yet decoded) are still
     * answered once the socket drains, before the connection closes.
     */
    @Test
    void aDrainWhileWritesAreBlockedAnswersTheRequestsAlreadyRead() {
        store.store(StoreRequest.of(StoreMode.SET, Key.of("k"), ascii("v"), 0, 0));
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // the socket is full
        channel.writeInbound(Unpooled.wrappedBuffer(concat(keyOnly(GET, 1, "k"), keyOnly(GET, 2, "k"),
                keyOnly(GET, 3, "k"))));
        channel.pipeline().fireUserEventTriggered(DrainConnection.INSTANCE);
        channel.runPendingTasks();
        if (channel.isOpen()) { // (closed at once, it has nothing left to drain)
            channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true); // it drains
            channel.runPendingTasks();
        }
        List<Integer> answered = new ArrayList<>();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            if (b.readableBytes() >= 24 && b.getByte(0) == (byte) 0x81) {
                answered.add(b.getInt(12));
            }
            b.release();
        }
        assertThat(answered).as("opaques answered").containsExactly(1, 2, 3);
        assertThat(channel.isOpen()).as("closed once answered").isFalse();
    }

    /**
     * Proves: stats detail counts each binary GET, GAT, SET and DELETE once (the command layer counts them, the
     * executor no longer does too), a quiet miss included, with the same STAT dispatch as the text protocol.
     */
    @Test
    void statsDetailCountsEachCommandOnce() throws IOException {
        byte[] hundred = {0, 0, 0, 100};
        channel.writeInbound(Unpooled.wrappedBuffer(concat(keyOnly(STAT, 1, "detail on"),
                store(SET, 2, 0, "p:k", ascii("x"), 0, 0), keyOnly(GET, 3, "p:k"), keyOnly(GETQ, 4, "p:none"),
                BinaryPackets.request(GAT, 5, 0, hundred, ascii("p:k"), new byte[0]), keyOnly(DELETE, 6, "p:k"),
                keyOnly(STAT, 7, "detail dump"), keyOnly(STAT, 8, "detail"))));
        List<BinaryPackets.Response> responses = responses();
        BinaryPackets.Response dump = responses.stream().filter(r -> r.opaque() == 7 && r.key().length > 0)
                .findFirst().orElseThrow();
        assertThat(dump.keyText()).isEqualTo("detailed");
        assertThat(dump.valueText()).isEqualTo("PREFIX p get 3 hit 2 set 1 del 1\r\nEND\r\n");
        assertThat(responses.get(responses.size() - 1).status()).as("detail without on|off|dump: not found")
                .isEqualTo(1);
    }

    /**
     * Proves: a binary STAT key names a group exactly, as memcached's binary protocol does: extra words after a
     * group or a key of only spaces answer "not found" (the text protocol's "ignore extra arguments" is not
     * applied), while detail takes its one word.
     */
    @Test
    void statGroupKeysAreExact() throws IOException {
        // no StatsReporter here: a key taken as a group would fail the connection instead of answering
        channel.writeInbound(Unpooled.wrappedBuffer(concat(keyOnly(STAT, 1, "items 1"), keyOnly(STAT, 2, " "),
                keyOnly(STAT, 3, "slabs x"), keyOnly(STAT, 4, "detail on"))));
        List<BinaryPackets.Response> responses = responses();
        assertThat(responses.stream().filter(r -> r.opaque() < 4).map(BinaryPackets.Response::status))
                .as("inexact group keys").containsExactly(1, 1, 1);
        assertThat(responses.stream().filter(r -> r.opaque() == 4).map(BinaryPackets.Response::status))
                .as("detail takes its one word").containsExactly(0);
    }

    private List<BinaryPackets.Response> responses() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            byte[] copy = new byte[b.readableBytes()];
            b.readBytes(copy);
            bytes.write(copy);
            b.release();
        }
        ByteArrayInputStream in = new ByteArrayInputStream(bytes.toByteArray());
        List<BinaryPackets.Response> out = new ArrayList<>();
        while (in.available() > 0) {
            out.add(BinaryPackets.read(in));
        }
        return out;
    }
}

package io.spoolkv.background;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A test framing for item streams: each item a line {@code key\n}, the end a line {@code END <how>}, no chunk
 * header. Items whose key is in {@code gone} are reported as vanished from the store (written as nothing).
 */
record LineFrames(Set<String> gone) implements ItemFrames {

    static Item item(String key) {
        return new Item(Key.wrap(key.getBytes(StandardCharsets.US_ASCII)), Unpooled.EMPTY_BUFFER, 0, 0, 1, 0, false);
    }

    /** A cursor over {@code items} whose items stay in the "store": a re-read finds each again. */
    static ItemCursor cursor(java.util.Iterator<Item> items) {
        return ItemCursor.of(items, key -> new Item(key, Unpooled.EMPTY_BUFFER, 0, 0, 1, 0, false));
    }

    @Override
    public int frameBytes(Item item) {
        return item.key().length() + 1;
    }

    @Override
    public boolean write(ByteBuf out, Item item) {
        String key = new String(item.key().bytes(), StandardCharsets.US_ASCII);
        if (gone.contains(key)) {
            return false;
        }
        out.writeCharSequence(key + "\n", StandardCharsets.US_ASCII);
        return true;
    }

    @Override
    public void writeEnd(ByteBuf out, int start, ItemStream.End end) {
        out.writeCharSequence("END " + end + "\n", StandardCharsets.US_ASCII);
    }

    @Override
    public ByteBuf failure() {
        return Unpooled.copiedBuffer("FAILED\n", StandardCharsets.US_ASCII);
    }
}

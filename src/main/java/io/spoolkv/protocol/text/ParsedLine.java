package io.spoolkv.protocol.text;

/**
 * What a command line decodes to before any data block is read: either a complete request, or
 * a request that needs the next {@code length} bytes (plus CRLF), or a reply after which the
 * next {@code length} bytes (plus CRLF) must be skipped to stay in step with the client.
 */
sealed interface ParsedLine {

    record Complete(TextRequest request) implements ParsedLine { }

    /** A storage command whose data block follows; {@link #complete} builds the request from it. */
    record AwaitData(int length, DataConsumer consumer) implements ParsedLine { }

    /** A refused storage command whose data block is discarded unread (memcached's swallow). */
    record Swallow(TextRequest.Refused request, int length) implements ParsedLine { }

    @FunctionalInterface
    interface DataConsumer {
        TextRequest complete(byte[] data);
    }
}

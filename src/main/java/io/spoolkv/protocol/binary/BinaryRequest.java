package io.spoolkv.protocol.binary;

/**
 * What {@link BinaryRequestDecoder} makes of the bytes of one binary request. Every variant is plain heap data:
 * no buffer ownership leaves the decoder.
 */
public sealed interface BinaryRequest {

    /** The request's opcode, echoed in its response. */
    byte opcode();

    /** The client's opaque, echoed in its response. */
    int opaque();

    /**
     * A well-formed request: its header fields and body, split into extras, key and value. The vbucket matters to
     * range scans only (spoolkv has one, vbucket 0); the classic opcodes ignore it, as memcached does.
     */
    record Command(byte opcode, int opaque, long cas, byte[] extras, byte[] key, byte[] value, int vbucket)
            implements BinaryRequest {
    }

    /** A storage request whose value is over the item limit: its value was skipped, never buffered. */
    record TooLarge(byte opcode, int opaque, byte[] key) implements BinaryRequest {
    }

    /** An opcode spoolkv does not know: its body was skipped. */
    record Unknown(byte opcode, int opaque) implements BinaryRequest {
    }

    /**
     * A header whose lengths do not fit its opcode (or a key over 250 bytes): memcached answers "invalid
     * arguments" and closes, since it cannot trust where the next request starts.
     */
    record Malformed(byte opcode, int opaque) implements BinaryRequest {
    }

    /** A request without the request magic (0x80): the stream is not binary protocol, the connection is closed. */
    record BadMagic() implements BinaryRequest {
        @Override
        public byte opcode() {
            return 0;
        }

        @Override
        public int opaque() {
            return 0;
        }
    }
}

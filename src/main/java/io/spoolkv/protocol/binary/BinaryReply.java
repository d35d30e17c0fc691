package io.spoolkv.protocol.binary;

/** What the binary executor hands the channel: one response, or a STAT answer's block of them. */
public sealed interface BinaryReply permits BinaryResponse, BinaryStatBlock {
}

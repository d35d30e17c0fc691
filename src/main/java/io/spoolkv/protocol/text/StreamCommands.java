package io.spoolkv.protocol.text;

import io.netty.channel.ChannelHandlerContext;

/**
 * Starts the commands whose output streams from a background thread (lru_crawler dumps, watch).
 * The text handler stops running further requests while one streams and resumes when told.
 */
public interface StreamCommands {

    /**
     * Starts {@code request} (a {@link TextRequest.LruCrawler} or {@link TextRequest.Watch}) on the
     * connection; called on its event loop.
     *
     * @param onFinished runs on the event loop once the last fragment was handed to the channel,
     *                   or the stream ended because the connection closed
     * @return how it started: whether output streams (and the connection waits for {@code onFinished}), and the
     *         reply to send at once, if any (an error, BUSY, OK)
     */
    Started start(ChannelHandlerContext ctx, int clientId, TextRequest request, Runnable onFinished);

    /**
     * How a start went.
     *
     * @param reply the reply to send now, before anything streams; may be null
     * @param streaming true when output follows from a background thread and the connection
     *                  must wait for {@code onFinished} before running the next request
     * @param endless a stream that never finishes (watch): the connection stops serving requests
     */
    record Started(TextResponse reply, boolean streaming, boolean endless) {

        public static Started reply(TextResponse reply) {
            return new Started(reply, false, false);
        }
    }
}

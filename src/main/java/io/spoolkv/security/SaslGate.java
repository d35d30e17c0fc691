package io.spoolkv.security;

import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SASL_AUTH;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SASL_LIST_MECHS;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SASL_STEP;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.VERSION;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheResponseStatus.AUTH_CONTINUE;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheResponseStatus.AUTH_ERROR;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheResponseStatus.EINVA;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheResponseStatus.SUCCESS;

import io.netty.channel.Channel;
import io.spoolkv.protocol.binary.BinaryReply;
import io.spoolkv.protocol.binary.BinaryRequest;
import io.spoolkv.protocol.binary.BinaryRequestRunner;
import io.spoolkv.protocol.binary.BinaryResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * memcached's SASL over the binary protocol, with the one mechanism memcached's PLAIN setups offer, in front of
 * the command executor of one connection: the only place a binary connection's access is checked. Runs on the
 * connection's event loop (the handler calls it in request order), so its state needs no locking.
 * <ul>
 *   <li>SASL_LIST_MECHS answers {@code PLAIN}.</li>
 *   <li>SASL_AUTH with mechanism {@code PLAIN} and data {@code [authzid]\0user\0password} answers
 *       {@code Authenticated} or "auth error" (0x20); without data it answers "auth continue" (0x21) and the
 *       next SASL_STEP carries the data. Any other SASL_STEP, any other mechanism and data without exactly two
 *       NULs are refused with "auth error". A mechanism name over 32 bytes is "invalid arguments".</li>
 *   <li>Before a login succeeds, every other request but VERSION (memcached lets it through too) answers
 *       "auth error" ({@code Auth failure.}) and runs nothing. Unlike memcached, which closes the connection
 *       after that answer, the connection stays open so the client can log in (as the text login does).</li>
 * </ul>
 * Every SASL_AUTH and SASL_STEP logs the connection out before it is decided, as memcached resets its SASL
 * state for each: a refused login after a successful one leaves the connection logged out.
 */
public final class SaslGate implements BinaryRequestRunner {

    /** memcached's MAX_SASL_MECH_LEN. */
    static final int MAX_MECHANISM = 32;

    private static final byte[] PLAIN = "PLAIN".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUTHENTICATED = "Authenticated".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONE = new byte[0];

    private final Authenticator authenticator;
    private final BinaryRequestRunner next;
    private final Channel channel;
    private boolean authenticated;
    /** A SASL_AUTH PLAIN without data was answered "continue": the next SASL_STEP carries the data. */
    private boolean awaitingStep;

    /**
     * @param next what runs the requests of an authenticated client
     * @param channel the connection: its address for the log, its {@link Authenticator#USER} once logged in
     */
    public SaslGate(Authenticator authenticator, BinaryRequestRunner next, Channel channel) {
        this.authenticator = authenticator;
        this.next = next;
        this.channel = channel;
    }

    @Override
    public boolean admits(BinaryRequest request) {
        return authenticated || request.opcode() == VERSION || request instanceof BinaryRequest.Malformed
                || request instanceof BinaryRequest.BadMagic;
    }

    @Override
    public void execute(int clientId, BinaryRequest request, Consumer<BinaryReply> out) {
        if (request instanceof BinaryRequest.Command c && isSasl(request.opcode())) {
            out.accept(sasl(c));
        } else if (admits(request)) {
            // a broken stream is answered and closed by the executor and handler, logged in or not
            next.execute(clientId, request, out);
        } else {
            // nothing runs, not even a too-large SET's removal of the old value
            out.accept(BinaryResponse.error(request, AUTH_ERROR));
        }
    }

    private static boolean isSasl(byte opcode) {
        return opcode == SASL_LIST_MECHS || opcode == SASL_AUTH || opcode == SASL_STEP;
    }

    private BinaryResponse sasl(BinaryRequest.Command c) {
        if (c.opcode() == SASL_LIST_MECHS) {
            return reply(c, SUCCESS, PLAIN);
        }
        if (c.key().length > MAX_MECHANISM) {
            return BinaryResponse.error(c, EINVA);
        }
        // memcached resets the connection's SASL state before it decides an AUTH or a STEP: a new login attempt
        // logs the previous user out, so a refused one cannot leave an earlier identity serving requests
        authenticated = false;
        channel.attr(Authenticator.USER).set(null);
        boolean step = c.opcode() == SASL_STEP;
        boolean continued = awaitingStep;
        awaitingStep = false;
        if (step && !continued) {
            return refuse(c, "SASL_STEP without a PLAIN exchange in progress");
        }
        if (!step && !Arrays.equals(c.key(), PLAIN)) {
            return refuse(c, "unsupported SASL mechanism");
        }
        if (!step && c.value().length == 0) {
            awaitingStep = true; // PLAIN is client-first: an empty challenge asks for the data
            return reply(c, AUTH_CONTINUE, NONE);
        }
        return plain(c, c.value());
    }

    /** PLAIN's data: {@code [authzid] NUL user NUL password}; an authzid other than the user is not allowed. */
    private BinaryResponse plain(BinaryRequest.Command c, byte[] data) {
        int first = indexOfNul(data, 0);
        int second = first < 0 ? -1 : indexOfNul(data, first + 1);
        if (second < 0 || indexOfNul(data, second + 1) >= 0) {
            return refuse(c, "malformed SASL PLAIN data");
        }
        byte[] authzid = Arrays.copyOfRange(data, 0, first);
        byte[] user = Arrays.copyOfRange(data, first + 1, second);
        byte[] password = Arrays.copyOfRange(data, second + 1, data.length);
        if (authzid.length > 0 && !Arrays.equals(authzid, user)) {
            return refuse(c, "SASL PLAIN authorization identity differs from the user");
        }
        if (!authenticator.authenticate(user, password, channel.remoteAddress())) {
            return BinaryResponse.error(c, AUTH_ERROR); // counted and logged by the authenticator
        }
        authenticated = true;
        channel.attr(Authenticator.USER).set(new String(user, StandardCharsets.UTF_8));
        return reply(c, SUCCESS, AUTHENTICATED);
    }

    private BinaryResponse refuse(BinaryRequest.Command c, String why) {
        authenticator.refused(why, channel.remoteAddress());
        return BinaryResponse.error(c, AUTH_ERROR);
    }

    private static BinaryResponse reply(BinaryRequest.Command c, short status, byte[] value) {
        return new BinaryResponse(c.opcode(), status, c.opaque(), 0, NONE, NONE, value);
    }

    private static int indexOfNul(byte[] data, int from) {
        for (int i = from; i < data.length; i++) {
            if (data[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}

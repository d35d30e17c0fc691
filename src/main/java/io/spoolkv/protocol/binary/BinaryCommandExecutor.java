package io.spoolkv.protocol.binary;

import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.*;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheResponseStatus.*;

import io.spoolkv.command.CacheCommands;
import io.spoolkv.command.Stat;
import io.spoolkv.command.StatsGroups;
import io.spoolkv.command.StatsReporter;
import io.spoolkv.store.Arithmetic;
import io.spoolkv.store.ArithmeticResult;
import io.spoolkv.store.DeleteOutcome;
import io.spoolkv.store.Item;
import io.spoolkv.store.Key;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.store.StoreResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs binary requests on the shared command layer (the same calls and counters as the text protocol) and says
 * what to answer, in memcached's binary semantics: quiet variants answer only failures (quiet gets only hits), a
 * non-zero CAS makes any mutation compare, and errors carry memcached's short message. Connection control (quit,
 * close after a malformed header) is the handler's. Thread-safe: it holds no connection state.
 */
public final class BinaryCommandExecutor implements BinaryRequestRunner {

    /** memcached's "fail if missing" expiry for increment and decrement: never create the item. */
    private static final long NO_AUTO_CREATE = 0xffffffffL;
    /**
     * A store's out-of-memory message: memcached's binary update answers "SERVER_ERROR Out of memory allocating
     * item" without its "SERVER_ERROR " prefix (not the text protocol's "out of memory storing object").
     */
    static final byte[] OUT_OF_MEMORY_STORING = "Out of memory allocating item".getBytes(StandardCharsets.US_ASCII);

    private final CacheCommands commands;
    private final StatsGroups groups;

    public BinaryCommandExecutor(CacheCommands commands, StatsReporter stats) {
        this.commands = commands;
        this.groups = new StatsGroups(commands, stats);
    }

    /** Runs {@code request} and hands its responses (none for a quiet success, several for STAT) to {@code out}. */
    @Override
    public void execute(int clientId, BinaryRequest request, Consumer<BinaryReply> out) {
        if (request instanceof BinaryRequest.Command c) {
            BinaryResponse response = command(clientId, c, out);
            // a quiet mutation's success goes unanswered; a quiet get answers its hit (its miss made no response)
            boolean silent = Opcodes.quiet(c.opcode()) && response != null && response.status() == SUCCESS
                    && !Opcodes.retrieval(c.opcode());
            if (response != null && !silent) {
                out.accept(response);
            } else if (response != null) {
                response.release();
            }
        } else if (request instanceof BinaryRequest.TooLarge t) {
            // memcached's binary protocol drops the old value for a SET (with or without CAS) only, and counts no
            // store_too_large
            boolean set = t.opcode() == SET || t.opcode() == SETQ;
            commands.refuseTooLarge(set ? Key.wrap(t.key()) : null, false);
            out.accept(BinaryResponse.error(t, E2BIG));
        } else if (request instanceof BinaryRequest.Unknown u) {
            out.accept(BinaryResponse.error(u, UNKNOWN_COMMAND));
        } else if (request instanceof BinaryRequest.Malformed m) {
            out.accept(BinaryResponse.error(m, m.status()));
        }
        // BadMagic: nothing to answer, the handler closes
    }

    /** The response of one command, or null when it has already written its own (STAT) or has none. */
    private BinaryResponse command(int clientId, BinaryRequest.Command c, Consumer<BinaryReply> out) {
        return switch (c.opcode()) {
            case GET, GETQ, GETK, GETKQ -> get(clientId, c, null);
            case GAT, GATQ, GATK, GATKQ -> get(clientId, c, exptime(c.extras(), 0));
            case TOUCH -> touch(c);
            case SET, SETQ, ADD, ADDQ, REPLACE, REPLACEQ, APPEND, APPENDQ, PREPEND, PREPENDQ -> store(clientId, c);
            case DELETE, DELETEQ -> delete(c);
            case INCREMENT, INCREMENTQ, DECREMENT, DECREMENTQ -> arithmetic(c);
            case FLUSH, FLUSHQ -> {
                commands.flushAll(c.extras().length == 4 ? exptime(c.extras(), 0) : 0);
                yield BinaryResponse.ok(c, 0);
            }
            case NOOP, QUIT -> BinaryResponse.ok(c, 0);
            case QUITQ -> null;
            case VERSION -> withValue(c, StatsReporter.VERSION.getBytes(StandardCharsets.US_ASCII));
            case STAT -> stat(c, out);
            default -> BinaryResponse.error(c, UNKNOWN_COMMAND); // the decoder only lets known opcodes through
        };
    }

    /** GET and GAT and their K and Q forms; {@code touch} is the new expiry of a GAT, null for a GET. */
    private BinaryResponse get(int clientId, BinaryRequest.Command c, Long touch) {
        Key key = Key.wrap(c.key());
        Item item = touch == null ? commands.get(clientId, key) : commands.touchAndGet(clientId, key, touch);
        boolean withKey = c.opcode() == GETK || c.opcode() == GETKQ || c.opcode() == GATK || c.opcode() == GATKQ;
        if (item == null) {
            if (Opcodes.quiet(c.opcode())) {
                return null; // quiet gets answer hits only
            }
            // a miss of a K form names the key instead of memcached's message
            return withKey ? new BinaryResponse(c.opcode(), KEY_ENOENT, c.opaque(), 0, BinaryResponse.NONE, c.key(),
                    BinaryResponse.NONE) : BinaryResponse.error(c, KEY_ENOENT);
        }
        try {
            // the stored value itself, with a reference of its own that the channel gives back after the write
            return new BinaryResponse(c.opcode(), SUCCESS, c.opaque(), item.cas(), flags(item),
                    withKey ? c.key() : BinaryResponse.NONE, item.retainedValue());
        } finally {
            item.release(); // the reference the read handed us
        }
    }

    /** TOUCH answers the item's flags, without its value. */
    private BinaryResponse touch(BinaryRequest.Command c) {
        Key key = Key.wrap(c.key());
        Item item = commands.touchItem(key, exptime(c.extras(), 0));
        if (item == null) {
            return BinaryResponse.error(c, KEY_ENOENT);
        }
        return new BinaryResponse(c.opcode(), SUCCESS, c.opaque(), item.cas(), flags(item), BinaryResponse.NONE,
                BinaryResponse.NONE);
    }

    private BinaryResponse store(int clientId, BinaryRequest.Command c) {
        StoreMode mode = switch (c.opcode()) {
            case SET, SETQ -> StoreMode.SET;
            case ADD, ADDQ -> StoreMode.ADD;
            case REPLACE, REPLACEQ -> StoreMode.REPLACE;
            case APPEND, APPENDQ -> StoreMode.APPEND;
            default -> StoreMode.PREPEND;
        };
        int flags = 0;
        long exptime = 0;
        if (c.extras().length == 8) {
            flags = ByteBuffer.wrap(c.extras()).getInt();
            exptime = exptime(c.extras(), 4);
        }
        Key key = Key.wrap(c.key());
        StoreResult result;
        if (c.cas() != 0 && mode != StoreMode.APPEND && mode != StoreMode.PREPEND) {
            // memcached turns a set, add or replace with a CAS into a compare-and-swap
            result = commands.compareAndStore(clientId,
                    new StoreRequest(StoreMode.SET, key, c.value(), flags, exptime, c.cas(), 0, false));
        } else {
            result = commands.store(clientId, new StoreRequest(mode, key, c.value(), flags, exptime, c.cas(), 0, false));
        }
        if (result.outcome() == StoreResult.Outcome.NO_MEMORY) {
            // memcached's binary protocol drops the old value of a failed SET, with or without a CAS, and
            // counts no store_no_memory (as it counts no store_too_large)
            boolean set = c.opcode() == SET || c.opcode() == SETQ;
            commands.refuseNoMemory(set ? key : null, false);
        }
        return switch (result.outcome()) {
            case STORED -> BinaryResponse.ok(c, result.cas());
            case EXISTS -> BinaryResponse.error(c, KEY_EEXISTS);
            case NOT_FOUND -> BinaryResponse.error(c, KEY_ENOENT);
            // memcached sends its text error without the "SERVER_ERROR " prefix
            case NO_MEMORY -> new BinaryResponse(c.opcode(), ENOMEM, c.opaque(), 0, BinaryResponse.NONE,
                    BinaryResponse.NONE, OUT_OF_MEMORY_STORING);
            // memcached names why an add or replace did not store; append and prepend just did not
            case NOT_STORED -> BinaryResponse.error(c, mode == StoreMode.ADD ? KEY_EEXISTS
                    : mode == StoreMode.REPLACE ? KEY_ENOENT : NOT_STORED);
        };
    }

    private BinaryResponse delete(BinaryRequest.Command c) {
        Key key = Key.wrap(c.key());
        DeleteOutcome outcome = commands.delete(key, c.cas(), false);
        return switch (outcome) {
            case DELETED -> BinaryResponse.ok(c, 0);
            case NOT_FOUND -> BinaryResponse.error(c, KEY_ENOENT);
            case EXISTS -> BinaryResponse.error(c, KEY_EEXISTS);
        };
    }

    /** INCREMENT and DECREMENT: a missing key is created with the initial value unless the expiry is 0xffffffff. */
    private BinaryResponse arithmetic(BinaryRequest.Command c) {
        ByteBuffer extras = ByteBuffer.wrap(c.extras());
        long delta = extras.getLong();
        long initial = extras.getLong();
        long exptime = exptime(c.extras(), 16);
        boolean increment = c.opcode() == INCREMENT || c.opcode() == INCREMENTQ;
        boolean create = exptime != NO_AUTO_CREATE;
        ArithmeticResult result = commands.arithmetic(new Arithmetic(Key.wrap(c.key()), increment, delta, c.cas(),
                create, initial, create ? exptime : 0));
        return switch (result.outcome()) {
            case OK -> new BinaryResponse(c.opcode(), SUCCESS, c.opaque(), result.item().cas(), BinaryResponse.NONE,
                    BinaryResponse.NONE, ByteBuffer.allocate(8).putLong(result.value()).array());
            case NOT_FOUND -> BinaryResponse.error(c, KEY_ENOENT);
            case EXISTS -> BinaryResponse.error(c, KEY_EEXISTS);
            case NON_NUMERIC -> BinaryResponse.error(c, DELTA_BADVAL);
            case NO_MEMORY -> BinaryResponse.error(c, ENOMEM);
        };
    }

    /**
     * STAT: one response per stat (key = name, value = value), then an empty one, as one block
     * ({@link BinaryStatBlock}: one buffer, not one per stat). The group key is decided as the
     * text protocol's {@code stats <group>} ({@link StatsGroups}); "detail dump" answers one stat, "detailed", as
     * memcached; memcached's binary STAT has no "conns" or "cachedump" (they fall to "not found").
     */
    private BinaryResponse stat(BinaryRequest.Command c, Consumer<BinaryReply> out) {
        StatsGroups.Answer answer = groups.answerExactly(new String(c.key(), StandardCharsets.ISO_8859_1));
        List<Stat> report;
        if (answer instanceof StatsGroups.Answer.Block block) {
            report = block.stats();
        } else if (answer instanceof StatsGroups.Answer.Dump dump) {
            StringBuilder text = new StringBuilder();
            dump.lines().forEach(line -> text.append(line).append("\r\n"));
            report = List.of(Stat.of("detailed", text.append("END\r\n")));
        } else if (answer instanceof StatsGroups.Answer.Reset || answer instanceof StatsGroups.Answer.Switched) {
            report = List.of();
        } else if (answer instanceof StatsGroups.Answer.Unknown || answer instanceof StatsGroups.Answer.DetailUsage) {
            return BinaryResponse.error(c, KEY_ENOENT); // unknown, or detail without on, off or dump
        } else {
            throw new IllegalStateException("unencoded stats answer " + answer);
        }
        out.accept(new BinaryStatBlock(c.opcode(), c.opaque(), report));
        return null;
    }

    private static BinaryResponse withValue(BinaryRequest.Command c, byte[] value) {
        return new BinaryResponse(c.opcode(), SUCCESS, c.opaque(), 0, BinaryResponse.NONE, BinaryResponse.NONE, value);
    }

    /** An expiry field of the extras at {@code offset}: memcached reads every binary expiry as unsigned 32 bits. */
    private static long exptime(byte[] extras, int offset) {
        return Integer.toUnsignedLong(ByteBuffer.wrap(extras).getInt(offset));
    }

    private static byte[] flags(Item item) {
        return ByteBuffer.allocate(4).putInt(item.flags()).array();
    }
}

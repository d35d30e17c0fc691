package io.spoolkv.protocol.text;

import io.spoolkv.command.CacheCommands;
import io.spoolkv.protocol.text.MetaCommand.MetaFlag;
import io.spoolkv.store.Arithmetic;
import io.spoolkv.store.ArithmeticResult;
import io.spoolkv.store.DeleteOutcome;
import io.spoolkv.store.DeleteRequest;
import io.spoolkv.store.Item;
import io.spoolkv.store.ReadRequest;
import io.spoolkv.store.ReadResult;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.store.StoreResult;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Runs the meta commands (mg, ms, md, ma, me, mn) on the shared command layer, each as one atomic
 * command-layer operation. Return flags come back in the order the client asked for them; O and k
 * are echoed on every reply so pipelining clients can match answers. q hides only the nominal
 * answer, as memcached 1.6.18 does: EN for mg, HD for ms and md, HD and VA for an ma that changed
 * an existing item (an ma that created one still answers).
 */
final class MetaCommandExecutor {

    static final String NON_NUMERIC = "CLIENT_ERROR cannot increment or decrement non-numeric value";

    private final CacheCommands commands;

    MetaCommandExecutor(CacheCommands commands) {
        this.commands = commands;
    }

    TextResponse execute(int clientId, MetaCommand m) {
        return switch (m.type()) {
            case 'g' -> get(clientId, m);
            case 's' -> set(clientId, m);
            case 'd' -> delete(m);
            case 'a' -> arithmetic(m);
            case 'e' -> debug(m);
            case 'n' -> {
                commands.metaNoop();
                yield new TextResponse.Meta("MN", null);
            }
            default -> TextResponse.Line.ERROR;
        };
    }

    private TextResponse get(int clientId, MetaCommand m) {
        // an item that N creates takes the TTL of whichever of N and T comes later on the line
        Long vivify = m.has('N') && later(m, 'T', 'N') ? m.signed('T') : m.signed('N');
        ReadResult read = commands.metaGet(clientId,
                new ReadRequest(m.key(), !m.has('u'), m.signed('T'), vivify, m.signed('R'), later(m, 'T', 'R')));
        Item item = read.item();
        if (item == null) {
            return m.has('q') ? null : reply("EN", m, null);
        }
        try {
            return hit(m, read, item);
        } finally {
            item.release(); // the reference the read handed us
        }
    }

    /** The reply to an mg hit; the caller holds a reference to {@code item}, so its value can be copied. */
    private TextResponse hit(MetaCommand m, ReadResult read, Item item) {
        long now = commands.nowSeconds();
        StringBuilder flags = new StringBuilder();
        // memcached applies T (and N to an item it created) where it meets them on the line, so a
        // t before them shows the expiry as it was
        long expiresAt = read.expiresAtBefore();
        for (MetaFlag f : m.flags()) {
            switch (f.name()) {
                case 'T', 'N' -> expiresAt = f.name() == 'T' || read.created() ? item.expiresAt() : expiresAt;
                case 'c' -> flags.append(" c").append(Long.toUnsignedString(item.cas()));
                case 'f' -> flags.append(" f").append(Integer.toUnsignedString(item.flags()));
                // h and l describe the item as it was before this read
                case 'h' -> flags.append(" h").append(read.fetchedBefore() ? '1' : '0');
                case 'l' -> flags.append(" l").append(Math.max(0, now - read.lastAccessBefore()));
                case 's' -> flags.append(" s").append(item.valueLength());
                case 't' -> flags.append(" t").append(expiresAt == 0 ? -1 : Math.max(0, expiresAt - now));
                default -> echo(flags, f, m);
            }
        }
        // memcached's order: Z (a token is out), X (stale), W (this reader won); never W with Z
        if (read.tokenSentBefore()) {
            flags.append(" Z");
        }
        if (item.stale()) {
            flags.append(" X");
        }
        if (read.won()) {
            flags.append(" W");
        }
        if (m.has('v')) {
            return new TextResponse.Meta("VA " + item.valueLength() + flags, item.valueBytes());
        }
        return new TextResponse.Meta("HD" + flags, null);
    }

    private TextResponse set(int clientId, MetaCommand m) {
        StoreMode mode = StoreMode.SET;
        MetaFlag modeFlag = m.flag('M');
        if (modeFlag != null) {
            mode = switch (modeFlag.token().charAt(0)) {
                case 'E' -> StoreMode.ADD;
                case 'A' -> StoreMode.APPEND;
                case 'P' -> StoreMode.PREPEND;
                case 'R' -> StoreMode.REPLACE;
                default -> StoreMode.SET; // the parser let only S through besides these
            };
        }
        int flags = m.has('F') ? (int) Numbers.parseUnsigned32(m.flag('F').token()) : 0;
        Long ttl = m.signed('T');
        long compareCas = m.unsigned('C', 0);
        StoreRequest request = new StoreRequest(mode, m.key(), m.value(), flags, ttl == null ? 0 : ttl,
                compareCas, m.unsigned('E', 0), m.has('I'));
        // C compares as memcached does on set and replace (C0 included); the store ignores C for add, and
        // append/prepend (which treat 0 as "no CAS") compare only once the key exists
        boolean compare = m.has('C') && (mode == StoreMode.SET || mode == StoreMode.REPLACE);
        StoreResult result = commands.metaSet(clientId, request, compare);
        if (result.outcome() == StoreResult.Outcome.NO_MEMORY) {
            commands.refuseNoMemory(m.key(), true); // memcached's ms drops the old value whatever its mode
        }
        return switch (result.outcome()) {
            case STORED -> m.has('q') ? null : reply("HD", m, result.cas());
            case NOT_STORED -> reply("NS", m, 0L);
            case EXISTS -> reply("EX", m, 0L);
            case NOT_FOUND -> reply("NF", m, 0L);
            case NO_MEMORY -> TextCommandExecutor.OUT_OF_MEMORY_STORING;
        };
    }

    private TextResponse delete(MetaCommand m) {
        DeleteOutcome outcome = commands.metaDelete(new DeleteRequest(m.key(), m.has('C'), m.unsigned('C', 0), m.has('I'),
                m.signed('T'), m.has('x'), m.has('F') ? (int) Numbers.parseUnsigned32(m.flag('F').token()) : 0));
        return switch (outcome) {
            case DELETED -> m.has('q') ? null : reply("HD", m, null);
            case NOT_FOUND -> reply("NF", m, null);
            case EXISTS -> reply("EX", m, null);
        };
    }

    private TextResponse arithmetic(MetaCommand m) {
        MetaFlag mode = m.flag('M');
        boolean increment = mode == null || mode.token().equals("I") || mode.token().equals("+");
        Long touch = m.signed('T');
        Long vivify = m.signed('N');
        // a created item takes the TTL of whichever of N and T comes later on the line
        long createTtl = vivify == null ? 0 : later(m, 'T', 'N') ? touch : vivify;
        ArithmeticResult result = commands.metaArithmetic(new Arithmetic(m.key(), increment, m.unsigned('D', 1),
                m.unsigned('C', 0), vivify != null, m.unsigned('J', 0), createTtl, touch));
        if (m.opaqueTooLong() && result.outcome() != ArithmeticResult.Outcome.NON_NUMERIC) {
            return TextResponse.Line.of(MetaCommandParser.OPAQUE_TOO_LONG); // memcached checks it after the change
        }
        return switch (result.outcome()) {
            case OK -> {
                if (m.has('q') && !result.created()) {
                    yield null;
                }
                Item item = result.item();
                long now = commands.nowSeconds();
                StringBuilder flags = new StringBuilder();
                for (MetaFlag f : m.flags()) {
                    switch (f.name()) {
                        case 'c' -> flags.append(" c").append(Long.toUnsignedString(item.cas()));
                        case 't' -> flags.append(" t").append(ttl(item, now));
                        default -> echo(flags, f, m);
                    }
                }
                if (m.has('v')) {
                    byte[] number = Long.toUnsignedString(result.value()).getBytes(StandardCharsets.US_ASCII);
                    yield new TextResponse.Meta("VA " + number.length + flags, number);
                }
                yield new TextResponse.Meta("HD" + flags, null);
            }
            case NOT_FOUND -> reply("NF", m, null);
            case EXISTS -> reply("EX", m, null);
            case NON_NUMERIC -> TextResponse.Line.of(NON_NUMERIC);
            case NO_MEMORY -> TextCommandExecutor.OUT_OF_MEMORY;
        };
    }

    private TextResponse debug(MetaCommand m) {
        Item item = commands.metaDebug(m.key());
        if (item == null) {
            return TextResponse.Line.of("EN");
        }
        long now = commands.nowSeconds();
        String key = m.base64Key() ? Base64.getEncoder().encodeToString(m.key().bytes()) : Tokens.text(m.key().bytes());
        return new TextResponse.Meta("ME " + key
                // memcached 1.6.18 prints now minus the expiry here, so a TTL of 100 shows as -100
                + " exp=" + (item.expiresAt() == 0 ? -1 : -item.ttlAt(now))
                + " la=" + Math.max(0, now - item.lastAccess())
                + " cas=" + Long.toUnsignedString(item.cas())
                + " fetch=" + (item.fetched() ? "yes" : "no")
                + " cls=" + item.slabClass()
                + " size=" + item.total(), null);
    }

    /** A reply with only the echoed flags (O, k) and, for ms with c, the CAS (0 when nothing was stored). */
    private static TextResponse reply(String code, MetaCommand m, Long cas) {
        StringBuilder sb = new StringBuilder(code);
        for (MetaFlag f : m.flags()) {
            if (f.name() == 'c' && cas != null) {
                sb.append(" c").append(Long.toUnsignedString(cas));
            } else {
                echo(sb, f, m);
            }
        }
        return new TextResponse.Meta(sb.toString(), null);
    }

    /** The flags every reply echoes: O as sent, k as the key (base64 and a " b" for binary keys). */
    private static void echo(StringBuilder sb, MetaFlag f, MetaCommand m) {
        if (f.name() == 'O') {
            sb.append(" O").append(f.token());
        } else if (f.name() == 'k') {
            if (m.base64Key()) {
                sb.append(" k").append(Base64.getEncoder().encodeToString(m.key().bytes())).append(" b");
            } else {
                sb.append(" k").append(Tokens.text(m.key().bytes()));
            }
        }
    }

    private static long ttl(Item item, long now) {
        return item.expiresAt() == 0 ? -1 : item.ttlAt(now);
    }

    /** True when flag {@code a} is present and comes after flag {@code b} on the line. */
    private static boolean later(MetaCommand m, char a, char b) {
        int ia = -1;
        int ib = -1;
        for (int i = 0; i < m.flags().size(); i++) {
            char name = m.flags().get(i).name();
            if (name == a) {
                ia = i;
            } else if (name == b) {
                ib = i;
            }
        }
        return ia > ib;
    }
}

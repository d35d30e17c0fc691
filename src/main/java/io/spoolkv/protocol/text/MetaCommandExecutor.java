package io.spoolkv.protocol.text;

import io.spoolkv.command.CacheCommands;
import io.spoolkv.command.StatsReporter;
import io.spoolkv.protocol.text.MetaCommand.MetaFlag;
import io.spoolkv.store.Arithmetic;
import io.spoolkv.store.ArithmeticResult;
import io.spoolkv.store.DeleteOutcome;
import io.spoolkv.store.Item;
import io.spoolkv.store.StoreMode;
import io.spoolkv.store.StoreRequest;
import io.spoolkv.store.StoreResult;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Runs the meta commands (mg, ms, md, ma, me, mn) on the shared command layer. Return flags come
 * back in the order the client asked for them; O (opaque), k (key) and b are echoed on every
 * reply so pipelining clients can match answers; q drops the expected answer (EN for mg, HD for
 * the others).
 */
final class MetaCommandExecutor {

    static final String BAD_TOKEN = "CLIENT_ERROR bad token in command line format";
    static final String BAD_MODE = "CLIENT_ERROR invalid mode for ms STORE";
    static final String NON_NUMERIC = "CLIENT_ERROR cannot increment or decrement non-numeric value";

    private final CacheCommands commands;

    MetaCommandExecutor(CacheCommands commands) {
        this.commands = commands;
    }

    TextResponse execute(int clientId, MetaCommand m) {
        commands.stats().meta();
        try {
            return switch (m.type()) {
                case 'g' -> get(clientId, m);
                case 's' -> set(clientId, m);
                case 'd' -> delete(m);
                case 'a' -> arithmetic(m);
                case 'e' -> debug(m);
                case 'n' -> new TextResponse.Meta("MN", null);
                default -> TextResponse.Line.ERROR;
            };
        } catch (NumberFormatException e) {
            return TextResponse.Line.of(BAD_TOKEN);
        }
    }

    private TextResponse get(int clientId, MetaCommand m) {
        // h and l describe the item as it was before this read, which the read itself updates.
        Item before = m.has('h') || m.has('l') ? commands.peek(m.key()) : null;
        Access access = before == null ? null : new Access(before.fetched(), before.lastAccess());
        MetaFlag ttl = m.flag('T');
        Item item = ttl != null
                ? commands.getAndTouch(clientId, m.key(), Long.parseLong(ttl.token()))
                : commands.get(clientId, m.key());
        boolean won = false;
        if (item == null && m.has('N')) {
            // Vivify on miss: the first client to miss gets an empty item and the W(in) flag,
            // telling it to recache; others see the empty item until then.
            long vivifyTtl = Long.parseLong(m.flag('N').token());
            StoreResult created = commands.store(clientId,
                    StoreRequest.of(StoreMode.ADD, m.key(), new byte[0], 0, vivifyTtl));
            if (created.outcome() == StoreResult.Outcome.STORED) {
                item = commands.peek(m.key());
                won = item != null;
            }
        }
        if (item == null) {
            return m.has('q') ? null : reply("EN", m, null);
        }
        StringBuilder flags = returnFlags(m, item, access);
        if (won) {
            flags.append(" W");
        }
        if (item.stale()) {
            flags.append(" X");
        }
        if (m.has('v')) {
            return new TextResponse.Meta("VA " + item.value().length + flags, item.value());
        }
        return new TextResponse.Meta("HD" + flags, null);
    }

    private TextResponse set(int clientId, MetaCommand m) {
        StoreMode mode = StoreMode.SET;
        MetaFlag modeFlag = m.flag('M');
        if (modeFlag != null) {
            if (modeFlag.token().length() != 1) {
                return TextResponse.Line.of(BAD_MODE);
            }
            mode = switch (Character.toUpperCase(modeFlag.token().charAt(0))) {
                case 'E' -> StoreMode.ADD;
                case 'A' -> StoreMode.APPEND;
                case 'P' -> StoreMode.PREPEND;
                case 'R' -> StoreMode.REPLACE;
                case 'S' -> StoreMode.SET;
                default -> null;
            };
            if (mode == null) {
                return TextResponse.Line.of(BAD_MODE);
            }
        }
        int flags = m.has('F') ? (int) Numbers.parseUnsigned32(m.flag('F').token()) : 0;
        long ttl = m.has('T') ? Long.parseLong(m.flag('T').token()) : 0;
        long compareCas = m.has('C') ? Numbers.parseUnsigned64(m.flag('C').token()) : 0;
        long newCas = m.has('E') ? Numbers.parseUnsigned64(m.flag('E').token()) : 0;
        StoreResult result = commands.store(clientId,
                new StoreRequest(mode, m.key(), m.value(), flags, ttl, compareCas, newCas, m.has('I')));
        return switch (result.outcome()) {
            case STORED -> m.has('q') ? null : reply("HD", m, result.cas());
            case NOT_STORED -> reply("NS", m, null);
            case EXISTS -> reply("EX", m, null);
            case NOT_FOUND -> reply("NF", m, null);
        };
    }

    private TextResponse delete(MetaCommand m) {
        long compareCas = m.has('C') ? Numbers.parseUnsigned64(m.flag('C').token()) : 0;
        DeleteOutcome outcome = commands.delete(m.key(), compareCas, m.has('I'));
        if (outcome == DeleteOutcome.DELETED && m.has('I') && m.has('T')) {
            commands.touch(m.key(), Long.parseLong(m.flag('T').token()));
        }
        return switch (outcome) {
            case DELETED -> m.has('q') ? null : reply("HD", m, null);
            // Quiet deletes hide misses too: the key is gone either way.
            case NOT_FOUND -> m.has('q') ? null : reply("NF", m, null);
            case EXISTS -> reply("EX", m, null);
        };
    }

    private TextResponse arithmetic(MetaCommand m) {
        boolean increment = true;
        MetaFlag mode = m.flag('M');
        if (mode != null) {
            String t = mode.token();
            if (t.equals("I") || t.equals("i") || t.equals("+")) {
                increment = true;
            } else if (t.equals("D") || t.equals("d") || t.equals("-")) {
                increment = false;
            } else {
                return TextResponse.Line.of("CLIENT_ERROR invalid mode for ma");
            }
        }
        long delta = m.has('D') ? Numbers.parseUnsigned64(m.flag('D').token()) : 1;
        long compareCas = m.has('C') ? Numbers.parseUnsigned64(m.flag('C').token()) : 0;
        boolean vivify = m.has('N');
        long vivifyTtl = vivify ? Long.parseLong(m.flag('N').token()) : 0;
        long initial = m.has('J') ? Numbers.parseUnsigned64(m.flag('J').token()) : 0;
        ArithmeticResult result = commands.arithmetic(
                new Arithmetic(m.key(), increment, delta, compareCas, vivify, initial, vivifyTtl));
        return switch (result.outcome()) {
            case OK -> {
                Item item = result.item();
                if (m.has('T')) {
                    commands.touch(m.key(), Long.parseLong(m.flag('T').token()));
                    // A TTL in the past (T-1) expires the item at once: the flags then describe the result.
                    Item touched = commands.peek(m.key());
                    item = touched != null ? touched : item;
                }
                if (m.has('v')) {
                    byte[] number = Long.toUnsignedString(result.value()).getBytes(StandardCharsets.US_ASCII);
                    yield new TextResponse.Meta("VA " + number.length + returnFlags(m, item, null), number);
                }
                yield m.has('q') ? null : new TextResponse.Meta("HD" + returnFlags(m, item, null), null);
            }
            case NOT_FOUND -> reply("NF", m, null);
            case EXISTS -> reply("EX", m, null);
            case NON_NUMERIC -> TextResponse.Line.of(NON_NUMERIC);
        };
    }

    private TextResponse debug(MetaCommand m) {
        Item item = commands.peek(m.key());
        if (item == null) {
            return reply("EN", m, null);
        }
        long now = commands.store().nowSeconds();
        String key = m.base64Key() ? Base64.getEncoder().encodeToString(m.key().bytes()) : Tokens.text(m.key().bytes());
        return new TextResponse.Meta("ME " + key
                + " exp=" + (item.expiresAt() == 0 ? -1 : item.ttlAt(now))
                + " la=" + Math.max(0, now - item.lastAccess())
                + " cas=" + Long.toUnsignedString(item.cas())
                + " fetch=" + (item.fetched() ? "yes" : "no")
                + " cls=" + StatsReporter.SLAB_CLASS
                + " size=" + item.footprint(), null);
    }

    /** A reply with only the echoed flags (O, k, b) and, when asked for with c, the CAS. */
    private TextResponse reply(String code, MetaCommand m, Long cas) {
        StringBuilder sb = new StringBuilder(code);
        for (MetaFlag f : m.flags()) {
            switch (f.name()) {
                case 'O' -> sb.append(" O").append(f.token());
                case 'k' -> sb.append(" k").append(keyText(m));
                case 'b' -> sb.append(" b");
                case 'c' -> {
                    if (cas != null) {
                        sb.append(" c").append(Long.toUnsignedString(cas));
                    }
                }
                default -> { }
            }
        }
        return new TextResponse.Meta(sb.toString(), null);
    }

    /** The return flags of a hit, in the client's order. */
    private StringBuilder returnFlags(MetaCommand m, Item item, Access before) {
        StringBuilder sb = new StringBuilder();
        long now = commands.store().nowSeconds();
        boolean fetched = before != null ? before.fetched() : item.fetched();
        long lastAccess = before != null ? before.lastAccess() : item.lastAccess();
        for (MetaFlag f : m.flags()) {
            switch (f.name()) {
                case 'b' -> sb.append(" b");
                case 'c' -> sb.append(" c").append(Long.toUnsignedString(item.cas()));
                case 'f' -> sb.append(" f").append(Integer.toUnsignedString(item.flags()));
                case 'h' -> sb.append(" h").append(fetched ? '1' : '0');
                case 'k' -> sb.append(" k").append(keyText(m));
                case 'l' -> sb.append(" l").append(Math.max(0, now - lastAccess));
                case 'O' -> sb.append(" O").append(f.token());
                case 's' -> sb.append(" s").append(item.value().length);
                case 't' -> sb.append(" t").append(item.expiresAt() == 0 ? -1 : item.ttlAt(now));
                default -> { }
            }
        }
        return sb;
    }

    /** An item's access record as it was before a read. */
    private record Access(boolean fetched, long lastAccess) { }

    private static String keyText(MetaCommand m) {
        return m.base64Key() ? Base64.getEncoder().encodeToString(m.key().bytes()) : Tokens.text(m.key().bytes());
    }

}

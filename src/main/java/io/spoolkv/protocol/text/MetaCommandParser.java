package io.spoolkv.protocol.text;

import io.spoolkv.protocol.text.MetaCommand.MetaFlag;
import io.spoolkv.protocol.text.TextCommandParser.BadCommandException;
import io.spoolkv.store.Key;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Parses the meta commands' lines, {@code m? <key> [<datalen>] <flags>*}, with memcached 1.6.18's
 * checks in its order and its error strings: key length, token count, then the flags (known
 * letters, no duplicates, numeric tokens), the opaque's length and the mode. mg and ms report the
 * flag error itself; md and ma report every flag error as "invalid or duplicate flag".
 */
final class MetaCommandParser {

    static final String INVALID_FLAG = "CLIENT_ERROR invalid flag";
    static final String DUPLICATE_FLAG = "CLIENT_ERROR duplicate flag";
    static final String INVALID_OR_DUPLICATE = "CLIENT_ERROR invalid or duplicate flag";
    static final String BAD_KEY_ENCODING = "CLIENT_ERROR error decoding key";
    static final String BAD_DATA_CHUNK = "CLIENT_ERROR bad data chunk";
    static final String BAD_TOKEN = "CLIENT_ERROR bad token in command line format";
    static final String BAD_MODE_LENGTH = "CLIENT_ERROR incorrect length for M token";
    static final String BAD_INITIAL = "CLIENT_ERROR invalid numeric initial value";
    static final String BAD_DELTA = "CLIENT_ERROR invalid numeric delta value";
    static final String OPAQUE_TOO_LONG = "CLIENT_ERROR opaque token too long";
    static final String BAD_MS_MODE = "CLIENT_ERROR invalid mode for ms M token";
    static final String BAD_MA_MODE = "CLIENT_ERROR invalid mode for ma M token";

    /** memcached's MFLAG_MAX_OPAQUE_LENGTH: an O token, its letter included. */
    static final int MAX_OPAQUE_LENGTH = 32;
    /** memcached's MFLAG_MAX_OPT_LENGTH, counted as its tokenizer does (words plus one). */
    private static final int MAX_TOKENS = 20;
    /**
     * The flags memcached 1.6.18 knows (one table for every meta command), plus E (ms: the CAS
     * to give the item) and x (md: drop only the value) from later memcached versions.
     */
    private static final String KNOWN_FLAGS = "bNTRlOPLkstcfvhuqFCMJDIEx";

    private final TextCommandParser text;

    MetaCommandParser(TextCommandParser text) {
        this.text = text;
    }

    ParsedLine parse(char type, List<String> tokens) {
        if (type == 'n') {
            return new ParsedLine.Complete(new TextRequest.Meta(new MetaCommand('n', null, false, List.of(), null)));
        }
        if (type == 'e') {
            return debug(tokens);
        }
        if (tokens.size() < 2) {
            return TextCommandParser.invalid(TextCommandParser.ERROR);
        }
        if (tokens.get(1).length() > Key.MAX_LENGTH) {
            return TextCommandParser.invalid(TextCommandParser.BAD_FORMAT);
        }
        if (type == 's') {
            return set(tokens);
        }
        if (tokens.size() + 1 > MAX_TOKENS) {
            return TextCommandParser.invalid(type == 'g'
                    ? "CLIENT_ERROR options flags are too long" : "CLIENT_ERROR options flags too long");
        }
        try {
            MetaCommand command = command(type, tokens, 2);
            if (type == 'g' || type == 'd') {
                // ma checks the opaque only after it has changed the item (MetaCommandExecutor)
                checkOpaque(command);
            }
            if (type == 'a') {
                checkMode(command, "I+D-", BAD_MA_MODE);
            }
            return new ParsedLine.Complete(new TextRequest.Meta(command));
        } catch (BadCommandException e) {
            return TextCommandParser.invalid(e.getMessage());
        }
    }

    private ParsedLine set(List<String> tokens) {
        if (tokens.size() == 2) {
            return TextCommandParser.invalid(TextCommandParser.BAD_FORMAT);
        }
        if (tokens.size() + 1 > MAX_TOKENS) {
            return TextCommandParser.invalid("CLIENT_ERROR options flags too long");
        }
        int length;
        try {
            length = TextCommandParser.length(tokens.get(2));
        } catch (BadCommandException e) {
            return TextCommandParser.invalid(TextCommandParser.BAD_FORMAT);
        }
        MetaCommand command;
        try {
            command = command('s', tokens, 3);
            checkOpaque(command);
            checkMode(command, "EAPRS", BAD_MS_MODE);
        } catch (BadCommandException e) {
            // The length is known, so the data block can be skipped and the client stays in step.
            return new ParsedLine.Swallow(new TextRequest.Refused(e.getMessage(), null, false), length);
        }
        if (length > text.maxItemSize()) {
            // memcached drops the key's current item whatever the mode, so no stale value outlives the write
            return new ParsedLine.Swallow(new TextRequest.Refused(TextCommandParser.TOO_LARGE, command.key(), false),
                    length);
        }
        return new ParsedLine.AwaitData(length, data -> new TextRequest.Meta(command.withValue(data)));
    }

    /** me: no flag checks, only "b" right after the key (memcached's debug command). */
    private ParsedLine debug(List<String> tokens) {
        if (tokens.size() < 2 || tokens.get(1).length() > Key.MAX_LENGTH) {
            return TextCommandParser.invalid(TextCommandParser.BAD_FORMAT);
        }
        boolean base64 = tokens.size() > 2 && tokens.get(2).equals("b");
        try {
            Key key = base64 ? decode(tokens.get(1), TextCommandParser.BAD_FORMAT) : text.key(tokens.get(1));
            return new ParsedLine.Complete(new TextRequest.Meta(new MetaCommand('e', key, base64, List.of(), null)));
        } catch (BadCommandException e) {
            return TextCommandParser.invalid(e.getMessage());
        }
    }

    private MetaCommand command(char type, List<String> tokens, int firstFlag) {
        boolean summary = type == 'd' || type == 'a';
        List<MetaFlag> flags;
        try {
            flags = flags(tokens, firstFlag);
        } catch (BadCommandException e) {
            throw summary ? new BadCommandException(INVALID_OR_DUPLICATE) : e;
        }
        boolean base64 = flags.stream().anyMatch(f -> f.name() == 'b');
        Key key;
        try {
            key = base64 ? decode(tokens.get(1), BAD_KEY_ENCODING) : text.key(tokens.get(1));
        } catch (BadCommandException e) {
            throw summary && base64 ? new BadCommandException(INVALID_OR_DUPLICATE) : e;
        }
        return new MetaCommand(type, key, base64, flags, null);
    }

    /**
     * The flags, checked as memcached's preparse does: an unknown or repeated letter stops at once;
     * a bad token is remembered (the last one wins) and reported after all flags were read.
     */
    private static List<MetaFlag> flags(List<String> tokens, int from) {
        List<MetaFlag> flags = new ArrayList<>(tokens.size() - from);
        boolean[] seen = new boolean[128];
        String error = null;
        for (int i = from; i < tokens.size(); i++) {
            String token = tokens.get(i);
            char name = token.charAt(0);
            if (name >= 127 || seen[name]) {
                throw new BadCommandException(DUPLICATE_FLAG);
            }
            seen[name] = true;
            if (KNOWN_FLAGS.indexOf(name) < 0) {
                throw new BadCommandException(INVALID_FLAG);
            }
            MetaFlag flag = new MetaFlag(name, token.substring(1));
            String bad = tokenError(flag);
            if (bad != null) {
                error = bad;
            }
            flags.add(flag);
        }
        if (error != null) {
            throw new BadCommandException(error);
        }
        return List.copyOf(flags);
    }

    /** memcached's complaint about a flag's token, or null when it is fine. */
    private static String tokenError(MetaFlag flag) {
        try {
            switch (flag.name()) {
                case 'N', 'T', 'R' -> Numbers.signed32(flag.token());
                case 'F' -> Numbers.parseUnsigned32(flag.token());
                case 'C', 'E' -> Numbers.parseUnsigned64(flag.token());
                case 'J' -> {
                    return parses64(flag) ? null : BAD_INITIAL;
                }
                case 'D' -> {
                    return parses64(flag) ? null : BAD_DELTA;
                }
                case 'M' -> {
                    return flag.token().length() == 1 ? null : BAD_MODE_LENGTH;
                }
                default -> {
                    return null;
                }
            }
            return null;
        } catch (NumberFormatException e) {
            // memcached sets no message of its own for a bad F, so the line's default stands
            return flag.name() == 'F' ? TextCommandParser.BAD_FORMAT : BAD_TOKEN;
        }
    }

    private static boolean parses64(MetaFlag flag) {
        try {
            Numbers.parseUnsigned64(flag.token());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void checkOpaque(MetaCommand command) {
        if (command.opaqueTooLong()) {
            throw new BadCommandException(OPAQUE_TOO_LONG);
        }
    }

    private static void checkMode(MetaCommand command, String modes, String error) {
        MetaFlag mode = command.flag('M');
        if (mode != null && modes.indexOf(mode.token().charAt(0)) < 0) {
            throw new BadCommandException(error);
        }
    }

    private static Key decode(String token, String error) {
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw new BadCommandException(error);
        }
        if (decoded.length == 0 || decoded.length > Key.MAX_LENGTH) {
            throw new BadCommandException(error);
        }
        return Key.wrap(decoded);
    }
}

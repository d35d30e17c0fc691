package io.spoolkv.protocol.text;

import io.spoolkv.protocol.text.MetaCommand.MetaFlag;
import io.spoolkv.protocol.text.TextCommandParser.BadCommandException;
import io.spoolkv.store.Key;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Parses the meta commands' lines: {@code m? <key> [<datalen>] <flags>*}. */
final class MetaCommandParser {

    static final String INVALID_FLAG = "CLIENT_ERROR invalid flag";
    static final String DUPLICATE_FLAG = "CLIENT_ERROR duplicate flag";
    static final String BAD_KEY_ENCODING = "CLIENT_ERROR error decoding key";
    static final String BAD_DATA_CHUNK = "CLIENT_ERROR bad data chunk";

    private final TextCommandParser text;

    MetaCommandParser(TextCommandParser text) {
        this.text = text;
    }

    ParsedLine parse(char type, List<String> tokens) {
        if (type == 'n') {
            return new ParsedLine.Complete(new TextRequest.Meta(new MetaCommand('n', null, false, List.of(), null)));
        }
        if (tokens.size() < 2) {
            return TextCommandParser.invalid(TextCommandParser.BAD_FORMAT);
        }
        if (tokens.size() > TextCommandParser.maxTokens()) {
            return TextCommandParser.invalid("CLIENT_ERROR options flags are too long");
        }
        int firstFlag = type == 's' ? 3 : 2;
        if (type == 's' && tokens.size() < 3) {
            return TextCommandParser.invalid(TextCommandParser.BAD_FORMAT);
        }
        if (type != 's') {
            return new ParsedLine.Complete(new TextRequest.Meta(command(type, tokens, firstFlag)));
        }
        int length;
        try {
            length = TextCommandParser.length(tokens.get(2));
        } catch (BadCommandException e) {
            return TextCommandParser.invalid(BAD_DATA_CHUNK);
        }
        MetaCommand command;
        try {
            command = command(type, tokens, firstFlag);
        } catch (BadCommandException e) {
            // The length is known, so the data block can be skipped and the client stays in step.
            return new ParsedLine.Swallow(new TextRequest.Refused(e.getMessage(), null, false), length);
        }
        if (length > text.maxItemSize()) {
            MetaFlag mode = command.flag('M');
            boolean set = mode == null || mode.token().equalsIgnoreCase("S");
            return new ParsedLine.Swallow(
                    new TextRequest.Refused(TextCommandParser.TOO_LARGE, set ? command.key() : null, false), length);
        }
        return new ParsedLine.AwaitData(length, data -> new TextRequest.Meta(command.withValue(data)));
    }

    private MetaCommand command(char type, List<String> tokens, int firstFlag) {
        List<MetaFlag> flags = flags(tokens, firstFlag);
        boolean base64 = flags.stream().anyMatch(f -> f.name() == 'b');
        return new MetaCommand(type, key(tokens.get(1), base64), base64, flags, null);
    }

    private static List<MetaFlag> flags(List<String> tokens, int from) {
        List<MetaFlag> flags = new ArrayList<>(tokens.size() - from);
        long seen = 0;
        for (int i = from; i < tokens.size(); i++) {
            String token = tokens.get(i);
            char name = token.charAt(0);
            if (!((name >= 'a' && name <= 'z') || (name >= 'A' && name <= 'Z'))) {
                throw new BadCommandException(INVALID_FLAG);
            }
            long bit = 1L << (name >= 'a' ? name - 'a' : 26 + name - 'A');
            if ((seen & bit) != 0) {
                throw new BadCommandException(DUPLICATE_FLAG);
            }
            seen |= bit;
            flags.add(new MetaFlag(name, token.substring(1)));
        }
        return List.copyOf(flags);
    }

    private Key key(String token, boolean base64) {
        if (!base64) {
            return text.key(token);
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw new BadCommandException(BAD_KEY_ENCODING);
        }
        if (decoded.length == 0 || decoded.length > Key.MAX_LENGTH) {
            throw new BadCommandException(TextCommandParser.BAD_FORMAT);
        }
        return Key.wrap(decoded);
    }
}

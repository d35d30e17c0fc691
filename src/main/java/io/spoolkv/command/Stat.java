package io.spoolkv.command;

/** One line of a stats reply: a name and its value as text. */
public record Stat(String name, String value) {

    public static Stat of(String name, Object value) {
        return new Stat(name, String.valueOf(value));
    }
}

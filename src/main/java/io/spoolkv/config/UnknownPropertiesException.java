package io.spoolkv.config;

import java.util.List;
import java.util.stream.Collectors;

/** Startup found {@code spoolkv.*} properties that no setting binds. */
public final class UnknownPropertiesException extends IllegalStateException {

    /**
     * One unknown property.
     *
     * @param name the name as written in its source
     * @param source the property source it came from (a file, the command line, the environment)
     * @param closest the known setting nearest to it, or null
     */
    public record Unknown(String name, String source, String closest) {

        String describe() {
            return name + " (from " + source + ")" + (closest == null ? "" : "; did you mean " + closest + "?");
        }
    }

    private final List<Unknown> unknown;

    UnknownPropertiesException(List<Unknown> unknown) {
        super("Unknown configuration propert" + (unknown.size() == 1 ? "y " : "ies ")
                + unknown.stream().map(Unknown::describe).collect(Collectors.joining(", ")));
        this.unknown = List.copyOf(unknown);
    }

    public List<Unknown> unknown() {
        return unknown;
    }
}

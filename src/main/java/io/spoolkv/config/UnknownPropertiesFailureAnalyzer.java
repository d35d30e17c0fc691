package io.spoolkv.config;

import java.util.stream.Collectors;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns {@link UnknownPropertiesException} into the "APPLICATION FAILED TO START" report operators read. */
public final class UnknownPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<UnknownPropertiesException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnknownPropertiesException cause) {
        String description = cause.unknown().stream()
                .map(u -> "    Property: " + u.name() + "\n    Origin: " + u.source()
                        + (u.closest() == null ? "" : "\n    Did you mean: " + u.closest()))
                .collect(Collectors.joining("\n\n", "No spoolkv setting has "
                        + (cause.unknown().size() == 1 ? "this name" : "these names") + ":\n\n", ""));
        return new FailureAnalysis(description,
                "Correct or remove the property. Every spoolkv.* setting is listed in the configuration reference,"
                        + " docs/configuration.md; an unknown spoolkv.* name stops startup so that a misspelt setting is never"
                        + " silently ignored.", cause);
    }
}

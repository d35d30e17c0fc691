package io.spoolkv.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the relative links of Markdown files that lead nowhere: to a file that does not exist, or to an anchor
 * that no heading of the target makes (anchors as GitHub renders them). Links with a scheme ({@code https:}) are
 * not followed; code spans and fenced code blocks are not read.
 */
final class MarkdownLinks {

    /** {@code [text](target)} and {@code ![alt](target)}, with an optional title. */
    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

    private final Map<Path, Set<String>> anchors = new HashMap<>();

    private MarkdownLinks() {
    }

    /** Every broken link of {@code files}, as "file: target (why)". */
    static List<String> broken(List<Path> files) {
        MarkdownLinks links = new MarkdownLinks();
        List<String> broken = new ArrayList<>();
        for (Path file : files) {
            for (String target : links.targets(file)) {
                String why = links.check(file, target);
                if (why != null) {
                    broken.add(file + ": " + target + " (" + why + ")");
                }
            }
        }
        return broken;
    }

    /** Why {@code target}, linked from {@code from}, leads nowhere; null when it resolves. */
    private String check(Path from, String target) {
        if (SCHEME.matcher(target).find()) {
            return null;
        }
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = path.isEmpty() ? from : from.toAbsolutePath().getParent().resolve(path).normalize();
        if (!Files.exists(resolved)) {
            return "no such file";
        }
        if (anchor == null) {
            return null;
        }
        if (!resolved.toString().endsWith(".md")) {
            return "an anchor into a file that is not Markdown";
        }
        return anchorsOf(resolved).contains(anchor) ? null : "no heading makes this anchor";
    }

    private Set<String> anchorsOf(Path file) {
        return anchors.computeIfAbsent(file.toAbsolutePath().normalize(), f -> {
            Set<String> made = new LinkedHashSet<>();
            Map<String, Integer> seen = new HashMap<>();
            for (String line : prose(f)) {
                Matcher m = HEADING.matcher(line);
                if (m.matches()) {
                    String slug = slug(m.group(1));
                    int n = seen.merge(slug, 1, Integer::sum) - 1;
                    made.add(n == 0 ? slug : slug + "-" + n);
                }
            }
            return made;
        });
    }

    /** The link targets of a file's prose, in order. */
    private List<String> targets(Path file) {
        List<String> targets = new ArrayList<>();
        for (String line : prose(file)) {
            Matcher m = LINK.matcher(CODE_SPAN.matcher(line).replaceAll(""));
            while (m.find()) {
                targets.add(m.group(1));
            }
        }
        return targets;
    }

    /** The file's lines outside fenced code blocks. */
    private static List<String> prose(Path file) {
        List<String> lines = new ArrayList<>();
        boolean fenced = false;
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.strip().startsWith("```")) {
                    fenced = !fenced;
                } else if (!fenced) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    /**
     * GitHub's anchor for a heading: link texts kept, code marks dropped, lower case, every character but letters,
     * digits, spaces, hyphens and underscores removed, spaces turned into hyphens.
     */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)]\\([^)]*\\)", "$1").replace("`", "");
        StringBuilder out = new StringBuilder();
        text.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                out.appendCodePoint(c);
            } else if (c == ' ') {
                out.append('-');
            }
        });
        return out.toString();
    }
}

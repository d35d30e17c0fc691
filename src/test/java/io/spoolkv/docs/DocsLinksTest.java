package io.spoolkv.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every relative link of README.md, docs/*.md and the chart's README leads to a file, and to a heading there. */
class DocsLinksTest {

    static List<Path> documentation() throws IOException {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md"), Path.of("helm/spoolkv/README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    /** Proves: no link of the documentation is broken (a moved section or renamed heading fails here). */
    @Test
    void everyRelativeLinkResolves() throws IOException {
        List<Path> files = documentation();
        assertThat(files).contains(Path.of("docs/index.md"), Path.of("docs/configuration.md"));
        assertThat(MarkdownLinks.broken(files)).isEmpty();
    }

    /** Proves: a missing file, a missing anchor and an anchor into a non-Markdown file are each reported. */
    @Test
    void reportsMissingFilesAndAnchors(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.md"), """
                # Title
                ## Its `code` section (v2)
                ## Its code section (v2)
                [ok](b.md#memcacheds-test-suite) [ok](#its-code-section-v2-1) [ok](#title) [web](https://example.org/x)
                [gone](c.md) [no anchor](b.md#nowhere) [png](img.png#x) `[in code](c.md)`
                ```
                [in a fence](c.md)
                ## not a heading
                ```
                [fenced heading](#not-a-heading)
                """);
        Files.writeString(dir.resolve("b.md"), "# memcached's test suite\n");
        Files.writeString(dir.resolve("img.png"), "");
        Path a = dir.resolve("a.md");
        assertThat(MarkdownLinks.broken(List.of(a))).containsExactly(
                a + ": c.md (no such file)",
                a + ": b.md#nowhere (no heading makes this anchor)",
                a + ": img.png#x (an anchor into a file that is not Markdown)",
                a + ": #not-a-heading (no heading makes this anchor)");
    }

    /** Proves: anchors are made as GitHub makes them. */
    @Test
    void slugsFollowGitHub() {
        assertThat(MarkdownLinks.slug("memcached's test suite")).isEqualTo("memcacheds-test-suite");
        assertThat(MarkdownLinks.slug("Deploying on Kubernetes (Helm)")).isEqualTo("deploying-on-kubernetes-helm");
        assertThat(MarkdownLinks.slug("`spoolkv.server.ssl.*`")).isEqualTo("spoolkvserverssl");
        assertThat(MarkdownLinks.slug("See [Security](security.md) now")).isEqualTo("see-security-now");
    }
}

package dev.sluice.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.controller.standalone.ManifestParser;
import dev.sluice.dataplane.snapshot.SnapshotJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files: each folder under {@code src/test/resources/translator/} holds {@code in.yaml}
 * (manifests a user could write) and {@code out.json} (parse errors, translation problems and the
 * snapshot exactly as {@link SnapshotJson} renders it). Run with {@code -Dsluice.golden.update=true}
 * to rewrite every {@code out.json} from the current translator, then review the diff.
 *
 * <p>Translated with standalone settings and ingress class {@code sluice}: cases without
 * IngressClass objects are served whatever class they name; cases with them follow cluster rules.
 */
class GoldenTranslatorTest {
  private static final Path CASES = Path.of("src", "test", "resources", "translator");
  private static final Instant BUILT_AT = Instant.parse("2026-01-01T00:00:00Z");
  private static final boolean UPDATE = Boolean.getBoolean("sluice.golden.update");

  static Stream<String> cases() throws IOException {
    try (Stream<Path> dirs = Files.list(CASES)) {
      List<String> names =
          dirs.filter(d -> Files.exists(d.resolve("in.yaml")))
              .map(d -> d.getFileName().toString())
              .sorted()
              .toList();
      assertThat(names).as("golden cases under " + CASES.toAbsolutePath()).isNotEmpty();
      return names.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void translatesAsTheGoldenFileSays(String name) throws IOException {
    Path dir = CASES.resolve(name);
    String actual = render(Files.readString(dir.resolve("in.yaml")));
    Path expectedFile = dir.resolve("out.json");
    if (UPDATE) {
      Files.writeString(expectedFile, actual);
    }
    assertThat(Files.exists(expectedFile))
        .as("%s is missing; run with -Dsluice.golden.update=true to create it", expectedFile)
        .isTrue();
    assertThat(actual)
        .as("%s differs; if the change is intended, rerun with -Dsluice.golden.update=true", expectedFile)
        .isEqualTo(Files.readString(expectedFile));
  }

  static String render(String yaml) {
    ManifestParser.Parsed parsed = new ManifestParser().parse("in.yaml", yaml, false);
    Translation t =
        new SnapshotTranslator(TranslatorSettings.standalone("sluice"))
            .translate(ClusterState.of(parsed.resources()), 1, BUILT_AT);
    StringBuilder sb = new StringBuilder("{\n");
    sb.append("  \"parseErrors\": ").append(strings(parsed.errors().stream().map(Object::toString).toList()));
    sb.append(",\n  \"problems\": ").append(strings(t.problems().stream().map(Object::toString).toList()));
    String snapshot = SnapshotJson.render(t.snapshot()).stripTrailing().replace("\n", "\n  ");
    sb.append(",\n  \"snapshot\": ").append(snapshot).append("\n}\n");
    return sb.toString();
  }

  private static String strings(List<String> values) {
    if (values.isEmpty()) {
      return "[]";
    }
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      sb.append(i == 0 ? "\n    " : ",\n    ").append(SnapshotJson.quote(values.get(i)));
    }
    return sb.append("\n  ]").toString();
  }
}

package dev.sluice.controller.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code kubectl apply} rejects before Sluice sees it: sample TLSPassthroughRoutes validated
 * against the committed CRD's {@code openAPIV3Schema} (the test API server does no validation).
 * Uses com.networknt:json-schema-validator with draft 4 semantics, which covers every keyword the CRD
 * uses (type, required, enum, pattern, min/maxItems, min/maxLength, minimum/maximum, properties,
 * items, anyOf); the {@code x-kubernetes-*} extensions are ignored, as a JSON-schema validator does.
 */
class CrdSchemaValidationTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static JsonSchema schema;

  @BeforeAll
  static void loadSchema() throws IOException {
    Path crd = Path.of(System.getProperty("user.dir"))
        .resolveSibling("crds").resolve("tlspassthroughroutes.sluice.dev-v1.yml");
    JsonNode root = YAML.readTree(Files.readString(crd));
    JsonNode openApi = root.at("/spec/versions/0/schema/openAPIV3Schema");
    assertThat(openApi.isMissingNode()).isFalse();
    schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(openApi);
  }

  private static final String GOOD = """
      apiVersion: sluice.dev/v1alpha1
      kind: TLSPassthroughRoute
      metadata: {name: db}
      spec:
        hostnames: [db.example.org, "*.example.net"]
        backends:
        - {service: db, port: 5432, weight: 3}
        - {service: db-b, port: tls}
        proxyProtocol: V2
        timeouts: {connect: 5s, idle: 1h30m}
      """;

  @Test
  void goodRoutePasses() throws IOException {
    assertThat(errors(GOOD)).isEmpty();
  }

  @Test
  void missingHostnamesIsRejected() throws IOException {
    assertThat(errors(GOOD.replace("  hostnames: [db.example.org, \"*.example.net\"]\n", "")))
        .anyMatch(m -> m.contains("hostnames") && m.contains("required"));
  }

  @Test
  void seventeenHostnamesAreRejected() throws IOException {
    String many = IntStream.range(0, 17).mapToObj(i -> "h" + i + ".example.org")
        .collect(Collectors.joining(", ", "[", "]"));
    assertThat(errors(GOOD.replace("[db.example.org, \"*.example.net\"]", many)))
        .anyMatch(m -> m.contains("hostnames") && m.contains("16"));
    String sixteen = IntStream.range(0, 16).mapToObj(i -> "h" + i + ".example.org")
        .collect(Collectors.joining(", ", "[", "]"));
    assertThat(errors(GOOD.replace("[db.example.org, \"*.example.net\"]", sixteen))).isEmpty();
  }

  @Test
  void badHostnamePatternsAreRejected() throws IOException {
    for (String bad : new String[] {"Upper.example.org", "a.*.example.org", "*.*.example.org",
        "-lead.example.org", "has space.org", "trail-.example.org"}) {
      assertThat(errors(GOOD.replace("db.example.org", "\"" + bad + "\"")))
          .as(bad).anyMatch(m -> m.contains("hostnames[0]") && m.contains("pattern"));
    }
  }

  @Test
  void weightOutOfRangeIsRejected() throws IOException {
    assertThat(errors(GOOD.replace("weight: 3", "weight: 1000001")))
        .anyMatch(m -> m.contains("weight") && m.contains("1000000"));
    assertThat(errors(GOOD.replace("weight: 3", "weight: -1"))).anyMatch(m -> m.contains("weight"));
    assertThat(errors(GOOD.replace("weight: 3", "weight: 0"))).isEmpty();
    assertThat(errors(GOOD.replace("weight: 3", "weight: 1000000"))).isEmpty();
  }

  @Test
  void badProxyProtocolIsRejected() throws IOException {
    assertThat(errors(GOOD.replace("proxyProtocol: V2", "proxyProtocol: v3")))
        .anyMatch(m -> m.contains("proxyProtocol") && m.contains("enum"));
  }

  @Test
  void otherSchemaRulesHold() throws IOException {
    assertThat(errors(GOOD.replace("backends:\n  - {service: db, port: 5432, weight: 3}\n  - {service: db-b, port: tls}\n", "backends: []\n")))
        .anyMatch(m -> m.contains("backends"));
    assertThat(errors(GOOD.replace("service: db-b, port: tls", "service: db-b"))).anyMatch(m -> m.contains("port"));
    assertThat(errors(GOOD.replace("port: tls", "port: 1.5"))).anyMatch(m -> m.contains("port"));
    assertThat(errors(GOOD.replace("connect: 5s", "connect: soon"))).anyMatch(m -> m.contains("connect"));
  }

  private static Set<String> errors(String yaml) throws IOException {
    return schema.validate(YAML.readTree(yaml)).stream()
        .map(ValidationMessage::getMessage).collect(Collectors.toSet());
  }
}

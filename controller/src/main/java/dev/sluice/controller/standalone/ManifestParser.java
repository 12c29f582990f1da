package dev.sluice.controller.standalone;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.controller.crd.TLSPassthroughRoute;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Multi-document YAML (or JSON) manifests to typed fabric8 objects, the way {@code kubectl apply -f}
 * reads them. Kinds are resolved by {@code apiVersion}/{@code kind}; TLSPassthroughRoute is
 * registered so it comes back typed. {@code kind: List} is flattened. Documents that are empty or
 * not Kubernetes objects (no {@code kind}) are skipped, so a stray values file does no harm.
 *
 * <p>Errors carry the line and column Jackson reports. A YAML syntax error ends the file (the rest
 * cannot be trusted); a document whose fields do not fit its kind is reported at the line where the
 * document starts, with the field path, and the other documents are still returned.
 *
 * <p>Thread-safe: the mappers are configured once and only read afterwards.
 */
public final class ManifestParser {

  /** Where and why a manifest could not be read. Lines and columns are 1-based. */
  public record ParseError(String source, int line, int column, String message) {
    @Override
    public String toString() {
      return source + ":" + line + ":" + column + ": " + message;
    }
  }

  /** What one file held. */
  public record Parsed(List<HasMetadata> resources, List<ParseError> errors) {
    public Parsed {
      resources = List.copyOf(resources);
      errors = List.copyOf(errors);
    }
  }

  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
  private final ObjectMapper json = new ObjectMapper(new JsonFactory());
  private final KubernetesSerialization kube = new KubernetesSerialization();

  public ManifestParser() {
    kube.registerKubernetesResource(TLSPassthroughRoute.class);
  }

  /**
   * @param source shown in errors (the file's path)
   * @param content the whole file
   * @param isJson parse as JSON rather than YAML
   */
  public Parsed parse(String source, String content, boolean isJson) {
    List<HasMetadata> resources = new ArrayList<>();
    List<ParseError> errors = new ArrayList<>();
    ObjectMapper mapper = isJson ? json : yaml;
    try (JsonParser parser = mapper.getFactory().createParser(content);
        MappingIterator<JsonNode> docs = mapper.readerFor(JsonNode.class).readValues(parser)) {
      while (docs.hasNextValue()) {
        JsonLocation start = parser.currentTokenLocation();
        JsonNode node = docs.nextValue();
        convert(source, start, node, resources, errors);
      }
    } catch (JsonProcessingException e) {
      errors.add(syntaxError(source, e));
    } catch (IOException | RuntimeException e) {
      errors.add(new ParseError(source, 0, 0, oneLine(String.valueOf(e.getMessage()))));
    }
    return new Parsed(resources, errors);
  }

  private void convert(
      String source,
      JsonLocation start,
      JsonNode node,
      List<HasMetadata> resources,
      List<ParseError> errors) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return; // empty document, e.g. a trailing "---"
    }
    int line = start == null ? 0 : start.getLineNr();
    int column = start == null ? 0 : start.getColumnNr();
    if (!node.isObject()) {
      errors.add(new ParseError(source, line, column, "document is not a mapping"));
      return;
    }
    if (!node.hasNonNull("kind") || !node.hasNonNull("apiVersion")) {
      return; // not a Kubernetes object
    }
    KubernetesResource r;
    try {
      r = kube.convertValue(node, KubernetesResource.class);
    } catch (IllegalArgumentException e) {
      String message = e.getCause() instanceof JsonProcessingException jpe
          ? jpe.getOriginalMessage() : String.valueOf(e.getMessage());
      errors.add(
          new ParseError(
              source, line, column,
              node.path("kind").asText() + " " + node.path("metadata").path("name").asText("")
                  + ": " + oneLine(message)));
      return;
    }
    if (r instanceof KubernetesList list) {
      for (HasMetadata item : list.getItems()) {
        resources.add(item);
      }
    } else if (r instanceof HasMetadata h) {
      resources.add(h);
    }
  }

  /**
   * Jackson places YAML errors at SnakeYAML's context mark ("while parsing a block mapping" at the
   * mapping's start); the problem mark is where the user has to look, so prefer it.
   */
  private static ParseError syntaxError(String source, JsonProcessingException e) {
    if (e.getCause() instanceof MarkedYAMLException y && y.getProblemMark() != null) {
      Mark m = y.getProblemMark();
      String context = y.getContext() == null ? "" : " (" + y.getContext() + ")";
      return new ParseError(
          source, m.getLine() + 1, m.getColumn() + 1, oneLine(y.getProblem()) + context);
    }
    JsonLocation at = e.getLocation();
    return new ParseError(
        source,
        at == null ? 0 : at.getLineNr(),
        at == null ? 0 : at.getColumnNr(),
        oneLine(e.getOriginalMessage()));
  }

  private static String oneLine(String s) {
    String t = s == null ? "" : s.strip();
    int nl = t.indexOf('\n');
    return (nl < 0 ? t : t.substring(0, nl)).strip();
  }
}

package dev.sluice.e2e;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the fields of a parsed fabric8 model object that fabric8 did not recognise. Its classes
 * keep unknown keys in {@code additionalProperties} instead of failing, so a misspelt key in a
 * template ({@code readinesProbe}, {@code spec.template.containers}) parses "fine"; this walk
 * reports it with its path.
 */
final class ModelFields {
  private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

  private ModelFields() {}

  /** Paths like {@code spec.template.spec.containers[0].readinesProbe}; empty when all is typed. */
  static List<String> unknown(Object root) {
    List<String> out = new ArrayList<>();
    walk(root, "", out);
    return out;
  }

  private static void walk(Object o, String path, List<String> out) {
    if (o == null) {
      return;
    }
    if (o instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(list.get(i), path + "[" + i + "]", out);
      }
      return;
    }
    if (o instanceof Map<?, ?> map) {
      map.forEach((k, v) -> walk(v, path + "[" + k + "]", out));
      return;
    }
    if (!o.getClass().getName().startsWith(MODEL_PACKAGE)) {
      return; // String, Integer, Boolean, ...
    }
    for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        Object value = read(f, o);
        if (f.getName().equals("additionalProperties")) {
          if (value instanceof Map<?, ?> extra) {
            extra.keySet().forEach(k -> out.add(path.isEmpty() ? "" + k : path + "." + k));
          }
        } else if (f.isAnnotationPresent(JsonProperty.class)) {
          String name = f.getAnnotation(JsonProperty.class).value();
          walk(value, path.isEmpty() ? name : path + "." + name, out);
        }
      }
    }
  }

  private static Object read(Field f, Object o) {
    try {
      f.setAccessible(true);
      return f.get(o);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read " + f, e);
    }
  }
}

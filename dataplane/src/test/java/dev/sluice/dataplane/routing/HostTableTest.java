package dev.sluice.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The name table that Host routing and SNI lookups (passthrough, certificates) share. */
class HostTableTest {
  private static final HostTable<String> TABLE = table();

  private static HostTable<String> table() {
    HostTable.Builder<String> b = HostTable.builder();
    b.put("a.example.org", "exact-a");
    b.put("*.example.org", "wild-example");
    b.put("*.b.example.org", "wild-b");
    b.put("Upper.Example.COM.", "upper");
    b.put("[::1]", "v6");
    b.put("10.1.2.3", "v4");
    return b.build();
  }

  @ParameterizedTest(name = "[{index}] {0} ⇒ {1}")
  @CsvSource(
      delimiterString = "|",
      nullValues = "NONE",
      textBlock =
          """
          a.example.org         | exact-a
          A.EXAMPLE.org         | exact-a
          a.example.org.        | exact-a
          c.example.org         | wild-example
          C.Example.Org.        | wild-example
          a.b.example.org       | wild-b
          x.a.b.example.org     | NONE
          b.example.org         | wild-example
          example.org           | NONE
          x.y.example.org       | NONE
          .example.org          | NONE
          example.org.evil.test | NONE
          aexample.org          | NONE
          upper.example.com     | upper
          UPPER.EXAMPLE.COM     | upper
          ::1                   | v6
          10.1.2.3              | v4
          10.1.2.4              | NONE
          .                     | NONE
          """)
  void lookupAppliesExactThenOneLabelWildcard(String name, String expected) {
    assertThat(TABLE.lookup(name)).isEqualTo(expected);
  }

  @Test
  void lookupOverARangeIgnoresTheSurroundings() {
    String buffer = "GET x.example.org:443 HTTP";
    assertThat(TABLE.lookup(buffer, 4, 17)).isEqualTo("wild-example");
    assertThat(TABLE.exact(buffer, 4, 17)).isNull();
    assertThat(TABLE.wildcard(buffer, 4, 17)).isEqualTo("wild-example");
    assertThat(TABLE.lookup(buffer, 4, 4)).isNull();
  }

  @Test
  void emptyAndNullFindNothing() {
    assertThat(TABLE.lookup(null)).isNull();
    assertThat(TABLE.lookup("")).isNull();
    assertThat(HostTable.<String>empty().lookup("a.example.org")).isNull();
    assertThat(HostTable.empty().isEmpty()).isTrue();
    assertThat(TABLE.size()).isEqualTo(6);
  }

  @Test
  void firstValuePutForAPatternWins() {
    HostTable.Builder<String> b = HostTable.builder();
    assertThat(b.put("a.example.org", "first")).isTrue();
    assertThat(b.put("A.example.org.", "second")).isFalse();
    assertThat(b.put("*.example.org", "wild")).isTrue();
    assertThat(b.put("*.EXAMPLE.org", "wild2")).isFalse();
    HostTable<String> t = b.build();
    assertThat(t.lookup("a.example.org")).isEqualTo("first");
    assertThat(t.lookup("z.example.org")).isEqualTo("wild");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "*", "*.", "**.example.org", "a.*.example.org", "*.*.org", "*..org"})
  void invalidPatternsAreRejectedClearly(String pattern) {
    assertThatThrownBy(() -> HostTable.<String>builder().put(pattern, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + pattern + "'");
  }

  @Test
  void manyNamesAllFoundAndNoFalseHits() {
    HostTable.Builder<Integer> b = HostTable.builder();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      names.add("host-" + i + ".ns" + (i % 17) + ".example.org");
      b.put(names.get(i), i);
    }
    HostTable<Integer> t = b.build();
    for (int i = 0; i < names.size(); i++) {
      assertThat(t.lookup(names.get(i).toUpperCase(java.util.Locale.ROOT))).isEqualTo(i);
    }
    assertThat(t.lookup("host-5000.ns0.example.org")).isNull();
  }
}

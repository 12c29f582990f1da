package dev.sluice.dataplane.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** use-regex paths: RE2 syntax, and no expression that would blow up when compiled. */
class RegexPathTest {

  @Test
  void nestedCountedRepetitionThatWouldExpandToABillionInstructionsIsRefused() {
    // without the check this is an OutOfMemoryError in RE2J's compiler
    assertThatThrownBy(() -> RegexPath.compile("/((a{1000}){1000}){1000}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("repeats too much")
        .hasMessageContaining("at most 1000");
    assertThatThrownBy(() -> RegexPath.compile("/(x{999999999}){999999999}(y{999999999})"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ordinaryExpressionsAndLiteralBracesStillCompile() {
    assertThat(RegexPath.compile("/api/v[0-9]{1,3}/(.*)").matcher("/API/v12/x").lookingAt())
        .isTrue();
    assertThat(RegexPath.compile("/id/[0-9]{8}-[a-f]{4}").matcher("/id/12345678-abcd").lookingAt())
        .isTrue();
    assertThat(RegexPathTest.count("/a\\{1000}")).isEqualTo(1); // escaped: a literal brace
    assertThat(RegexPathTest.count("/[{]1000}")).isEqualTo(1); // in a class
    assertThat(RegexPathTest.count("/x{2,}{3}")).isEqualTo(6);
    assertThat(RegexPathTest.count("/x{10,20}")).isEqualTo(20);
  }

  private static long count(String expr) {
    return RegexPath.countedRepetition(expr);
  }
}

package dev.sluice.dataplane.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-client rate-limit table: token buckets, in-flight counts and its size cap. */
class ClientTableTest {

  static InetAddress ip(int i) throws Exception {
    return InetAddress.getByAddress(
        new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
  }

  @Test
  void aFloodOfDistinctAddressesNeverGrowsThePastTheCapAndBusyClientsAreKept() throws Exception {
    ClientTable t = new ClientTable(1_000);
    long now = System.nanoTime();
    ClientTable.Client busy = t.get("r", ip(0), now);
    assertThat(busy.enter(1)).isTrue();
    for (int i = 1; i <= 100_000; i++) {
      t.get("r", ip(i), now);
      assertThat(t.size()).isLessThanOrEqualTo(1_000);
    }
    assertThat(t.get("r", ip(0), now)).isSameAs(busy);
  }

  @Test
  void routesAreCountedApart() throws Exception {
    ClientTable t = new ClientTable(10);
    long now = System.nanoTime();
    assertThat(t.get("a", ip(1), now)).isNotSameAs(t.get("b", ip(1), now));
    assertThat(t.get("a", ip(1), now)).isSameAs(t.get("a", ip(1), now));
  }

  @Test
  void aBucketAllowsTheBurstThenOneRequestPerInterval() {
    long second = TimeUnit.SECONDS.toNanos(1);
    long now = -5_000_000_000L; // nanoTime may be negative
    ClientTable.Client c = new ClientTable.Client(now);
    for (int i = 0; i < 3; i++) {
      assertThat(c.takePerSecond(now, second, 3)).isZero();
    }
    long wait = c.takePerSecond(now, second, 3);
    assertThat(wait).isEqualTo(second);
    assertThat(c.takePerSecond(now + second, second, 3)).isZero();
    assertThat(c.takePerSecond(now + second, second, 3)).isPositive();
    assertThat(c.idle(now + 10 * second)).isTrue();
  }

  @Test
  void inFlightSlotsAreCountedAndGivenBack() {
    ClientTable.Client c = new ClientTable.Client(0);
    assertThat(c.enter(2)).isTrue();
    assertThat(c.enter(2)).isTrue();
    assertThat(c.enter(2)).isFalse();
    c.run();
    assertThat(c.inFlight()).isEqualTo(1);
    assertThat(c.enter(2)).isTrue();
  }
}

package dev.sluice.dataplane.routing;

import static dev.sluice.dataplane.routing.BalancerTest.weighted;
import static dev.sluice.dataplane.routing.Routes.balancer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.BackendGroup.LoadBalancing;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Event loops pick from one balancer at once, without locks; no pick may be lost or doubled. */
class RoundRobinConcurrencyTest {

  @Test
  @Timeout(30)
  void threadsPickingTogetherGetExactTotals() throws Exception {
    Balancer rr = balancer(new EndpointRegistry(), weighted(LoadBalancing.ROUND_ROBIN, "1:2:3"));
    int threads = 4;
    int picksPerThread = 6_000;
    Map<String, AtomicInteger> totals = new ConcurrentHashMap<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker =
          Thread.ofPlatform()
              .name("picker-" + t)
              .start(
                  () -> {
                    int[] local = new int[3];
                    try {
                      start.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                      return;
                    }
                    for (int i = 0; i < picksPerThread; i++) {
                      String a = rr.pick(null).endpoint().address();
                      local[a.charAt(1) - '0']++;
                    }
                    for (int i = 0; i < 3; i++) {
                      totals.computeIfAbsent("e" + i, k -> new AtomicInteger()).addAndGet(local[i]);
                    }
                  });
      workers.add(worker);
    }
    start.countDown();
    for (Thread worker : workers) {
      assertThat(worker.join(java.time.Duration.ofSeconds(20))).isTrue();
    }
    assertThat(totals.get("e0").get()).isEqualTo(4_000);
    assertThat(totals.get("e1").get()).isEqualTo(8_000);
    assertThat(totals.get("e2").get()).isEqualTo(12_000);
  }
}

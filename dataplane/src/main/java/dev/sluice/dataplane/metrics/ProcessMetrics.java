package dev.sluice.dataplane.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * JVM and process meters (Micrometer's binders, standard names: {@code jvm_memory_used_bytes},
 * {@code jvm_gc_pause_seconds}, {@code jvm_threads_live_threads}, {@code process_cpu_usage},
 * {@code process_uptime_seconds}, {@code process_files_open_files}, ...). Closing stops the GC
 * notification listener.
 */
public final class ProcessMetrics implements AutoCloseable {
  private final JvmGcMetrics gc = new JvmGcMetrics();

  private ProcessMetrics() {}

  public static ProcessMetrics bind(MeterRegistry registry) {
    ProcessMetrics m = new ProcessMetrics();
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    m.gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    return m;
  }

  @Override
  public void close() {
    gc.close();
  }
}

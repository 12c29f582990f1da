package dev.sluice.testing;

import java.io.InputStream;

/** An InputStream of {@code length} bytes of {@link TestBackend#patternByte}, generated lazily. */
public final class PatternStream extends InputStream {
  private final long length;
  private long offset;

  public PatternStream(long length) {
    this.length = length;
  }

  @Override
  public int read() {
    return offset < length ? TestBackend.patternByte(offset++) & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (offset >= length) {
      return -1;
    }
    int n = (int) Math.min(len, length - offset);
    for (int i = 0; i < n; i++) {
      b[off + i] = TestBackend.patternByte(offset + i);
    }
    offset += n;
    return n;
  }
}

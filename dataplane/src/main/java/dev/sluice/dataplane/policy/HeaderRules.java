package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.snapshot.HeaderPolicy;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * One direction's header rules, compiled: names as lower-case {@link AsciiString}s, values as
 * {@link AsciiString}s, applied remove, then set, then add. Immutable, shared.
 */
final class HeaderRules {
  private final AsciiString[] remove;
  private final AsciiString[] setNames;
  private final AsciiString[] setValues;
  private final AsciiString[] addNames;
  private final AsciiString[] addValues;

  HeaderRules(List<String> remove, List<HeaderPolicy.Header> set, List<HeaderPolicy.Header> add) {
    this.remove = remove.stream().map(HeaderRules::name).toArray(AsciiString[]::new);
    this.setNames = set.stream().map(h -> name(h.name())).toArray(AsciiString[]::new);
    this.setValues =
        set.stream().map(h -> AsciiString.cached(h.value())).toArray(AsciiString[]::new);
    this.addNames = add.stream().map(h -> name(h.name())).toArray(AsciiString[]::new);
    this.addValues =
        add.stream().map(h -> AsciiString.cached(h.value())).toArray(AsciiString[]::new);
  }

  private static AsciiString name(String n) {
    return AsciiString.cached(n).toLowerCase();
  }

  void apply(HttpHeaders headers) {
    for (AsciiString n : remove) {
      headers.remove(n);
    }
    for (int i = 0; i < setNames.length; i++) {
      headers.set(setNames[i], setValues[i]);
    }
    for (int i = 0; i < addNames.length; i++) {
      headers.add(addNames[i], addValues[i]);
    }
  }

  /** {@code request-headers-*}: on the request as it goes upstream. */
  static RequestFilter request(HeaderPolicy p) {
    HeaderRules rules = new HeaderRules(p.requestRemove(), p.requestSet(), p.requestAdd());
    return x -> {
      rules.apply(x.request().headers());
      x.proceed();
    };
  }

  /** {@code response-headers-*}: on every response going downstream. */
  static ResponseFilter response(HeaderPolicy p) {
    HeaderRules rules = new HeaderRules(p.responseRemove(), p.responseSet(), p.responseAdd());
    return (FilterExchange x, HttpResponse r) -> rules.apply(r.headers());
  }
}

package dev.sluice.dataplane.hardening;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProbeTest {
  @Test
  void probe() throws Exception {
    Map<String, String> cases = new LinkedHashMap<>();
    String h = "Host: x.test\r\n";
    cases.put("cl+te", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    cases.put("te+cl", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n");
    cases.put("dup cl diff", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab");
    cases.put("dup cl same", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nab");
    cases.put("cl list", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 2, 2\r\n\r\nab");
    cases.put("cl nondigit", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 2a\r\n\r\nab");
    cases.put("cl plus", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: +2\r\n\r\nab");
    cases.put("cl neg", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: -2\r\n\r\nab");
    cases.put("cl overflow", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 99999999999999999999999\r\n\r\nab");
    cases.put("cl hex", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 0x2\r\n\r\nab");
    cases.put("cl space-in", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 1 2\r\n\r\nab");
    cases.put("te gzip", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip\r\n\r\n0\r\n\r\n");
    cases.put("te chunked,gzip", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n");
    cases.put("te gzip,chunked", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
    cases.put("te xchunked", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n");
    cases.put("te chunked trailing sp", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked \r\n\r\n0\r\n\r\n");
    cases.put("te CHUNKED", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n");
    cases.put("te tab chunked", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n");
    cases.put("te vtab chunked", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: \u000bchunked\r\n\r\n0\r\n\r\n");
    cases.put("te two lines", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    cases.put("te identity", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n");
    cases.put("te name space", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n");
    cases.put("http10 te", "POST /echo HTTP/1.0\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    cases.put("obs-fold", "GET /echo HTTP/1.1\r\n" + h + "X-A: a\r\n b\r\n\r\n");
    cases.put("obs-fold tab", "GET /echo HTTP/1.1\r\n" + h + "X-A: a\r\n\tb\r\n\r\n");
    cases.put("bare LF", "GET /echo HTTP/1.1\n" + h + "X-A: a\n\n");
    cases.put("bare LF header", "GET /echo HTTP/1.1\r\n" + h + "X-A: a\nX-B: b\r\n\r\n");
    cases.put("bare CR", "GET /echo HTTP/1.1\r\n" + h + "X-A: a\rX-B: b\r\n\r\n");
    cases.put("name ctl", "GET /echo HTTP/1.1\r\n" + h + "X\u0001A: a\r\n\r\n");
    cases.put("name space", "GET /echo HTTP/1.1\r\n" + h + "X A: a\r\n\r\n");
    cases.put("name nonascii", "GET /echo HTTP/1.1\r\n" + h + "X\u00e9A: a\r\n\r\n");
    cases.put("name empty", "GET /echo HTTP/1.1\r\n" + h + ": a\r\n\r\n");
    cases.put("no colon", "GET /echo HTTP/1.1\r\n" + h + "garbage\r\n\r\n");
    cases.put("value ctl", "GET /echo HTTP/1.1\r\n" + h + "X-A: a\u0001b\r\n\r\n");
    cases.put("value nul", "GET /echo HTTP/1.1\r\n" + h + "X-A: a\u0000b\r\n\r\n");
    cases.put("value del", "GET /echo HTTP/1.1\r\n" + h + "X-A: a\u007fb\r\n\r\n");
    cases.put("value tab ok", "GET /echo HTTP/1.1\r\n" + h + "X-A: a\tb\r\n\r\n");
    cases.put("value obs-text ok", "GET /echo HTTP/1.1\r\n" + h + "X-A: a\u00e9b\r\n\r\n");
    cases.put("no host", "GET /echo HTTP/1.1\r\n\r\n");
    cases.put("two hosts", "GET /echo HTTP/1.1\r\n" + h + "Host: y.test\r\n\r\n");
    cases.put("absolute", "GET http://other.test/echo HTTP/1.1\r\n" + h + "\r\n");
    cases.put("h2c upgrade", "GET /echo HTTP/1.1\r\n" + h + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
    cases.put("uri space", "GET /a b HTTP/1.1\r\n" + h + "\r\n");
    cases.put("method lower", "get /echo HTTP/1.1\r\n" + h + "\r\n");
    cases.put("version bad", "GET /echo HTTP/1.2\r\n" + h + "\r\n");
    cases.put("version junk", "GET /echo FOO/1.1\r\n" + h + "\r\n");
    cases.put("uri ctl", "GET /a\u0001b HTTP/1.1\r\n" + h + "\r\n");
    cases.put("chunk ext", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n2;x=y\r\nab\r\n0\r\n\r\n");
    cases.put("chunk bad size", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n2x\r\nab\r\n0\r\n\r\n");
    cases.put("chunk size overflow", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nab\r\n0\r\n\r\n");
    cases.put("chunk no crlf", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n2\r\nabXX0\r\n\r\n");
    cases.put("chunk lf only", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n2\nab\n0\n\n");
    cases.put("long line", "GET /" + "a".repeat(9000) + " HTTP/1.1\r\n" + h + "\r\n");
    cases.put("big header", "GET /echo HTTP/1.1\r\n" + h + "X-A: " + "a".repeat(17000) + "\r\n\r\n");
    StringBuilder many = new StringBuilder("GET /echo HTTP/1.1\r\n" + h);
    for (int i = 0; i < 150; i++) many.append("X-").append(i).append(": v\r\n");
    cases.put("150 headers", many + "\r\n");
    try (TestBackend backend = TestBackend.start("probe"); TestProxy proxy = TestProxy.start()) {
      proxy.publish(TestSnapshots.catchAll(backend.endpoint()));
      for (var e : cases.entrySet()) {
        int before = backend.requests();
        String out;
        try (RawHttp c = RawHttp.connect(proxy.port())) {
          c.socket().setSoTimeout(2000);
          RawHttp.Response r = c.send(e.getValue()).read();
          out = r.status() + " conn=" + r.header("connection") + " body=" + r.bodyText().replace("\n", " ");
          if (out.length() > 400) out = out.substring(0, 400);
        } catch (Exception ex) {
          out = "EXC " + ex;
        }
        System.out.println("PROBE " + e.getKey() + " => backend+" + (backend.requests() - before) + " " + out);
      }
    }
  }
}

package dev.sluice.controller.cluster;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * fabric8's API server double in CRUD mode (real HTTP, real watches), set up the way every
 * controller test and benchmark needs it: one place, so the gotchas of the mock are handled once.
 */
public final class MockApiServer {
  private static final String CRD = "/META-INF/fabric8/tlspassthroughroutes.sluice.dev-v1.yml";

  private MockApiServer() {}

  /**
   * A started mock. JOSDK's leader election first checks it may use Leases (a
   * SelfSubjectRulesReview), which the CRUD mock cannot answer, so it gets the answer a real API
   * server gives an allowed user.
   */
  public static KubernetesMockServer start() {
    return start(0);
  }

  /** As {@link #start()}, on {@code port} (0: any free port), e.g. one a client was told earlier. */
  public static KubernetesMockServer start(int port) {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            responses,
            new KubernetesMixedDispatcher(responses),
            false);
    server.start(port);
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(
            201,
            new SelfSubjectRulesReviewBuilder()
                .withNewStatus()
                .withIncomplete(false)
                .addNewResourceRule()
                .withApiGroups("coordination.k8s.io")
                .withResources("leases")
                .withVerbs("*")
                .endResourceRule()
                .endStatus()
                .build())
        .always();
    return server;
  }

  /**
   * Registers the generated TLSPassthroughRoute CRD: only then does the mock keep status apart from
   * spec, as a real API server does.
   */
  public static void registerCrd(KubernetesClient client) throws IOException {
    try (InputStream in = MockApiServer.class.getResourceAsStream(CRD)) {
      if (in == null) {
        throw new IOException(CRD + " is not on the classpath (build the controller module first)");
      }
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.resource(crd).create();
    }
  }
}

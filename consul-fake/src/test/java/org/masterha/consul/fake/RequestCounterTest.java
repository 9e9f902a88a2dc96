package org.masterha.consul.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.masterha.consul.fake.ConsulTestSupport.get;
import static org.masterha.consul.fake.ConsulTestSupport.put;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The request counter a benchmark reads: in Java and as Consul's /v1/agent/metrics JSON. */
class RequestCounterTest {

  @Test
  void countsEveryRequestButTheMetricsReads() throws Exception {
    try (FakeConsul fake = FakeConsul.builder().build().start()) {
      long before = fake.requestCount();
      put(fake, "/v1/kv/a", "1");
      get(fake, "/v1/kv/a");
      get(fake, "/v1/kv/missing"); // a 404 is a request too
      assertThat(fake.requestCount()).isEqualTo(before + 3);

      JsonNode metrics = new ObjectMapper().readTree(get(fake, "/v1/agent/metrics").body());
      assertThat(metrics.has("Gauges")).isTrue();
      assertThat(metrics.has("Samples")).isTrue();
      JsonNode counter = metrics.get("Counters").get(0);
      assertThat(counter.get("Name").asText()).isEqualTo("consul.fake.http.requests");
      assertThat(counter.get("Count").asLong()).isEqualTo(before + 3);
      get(fake, "/v1/agent/metrics");
      assertThat(fake.requestCount()).isEqualTo(before + 3);
    }
  }
}

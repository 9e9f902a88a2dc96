package org.masterha.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.masterha.consul.fake.FakeConsul;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.error.HaConfigException;

/**
 * The smallest session timeout is twice the agent's session_ttl_min; a smaller one is refused,
 * never changed.
 */
class SessionTimeoutMinimumTest {
  private final HaBackends backends = HaBackends.load();

  private HaConfig config(String hostAndPort, Duration timeout) {
    return HaConfig.builder()
        .url("consul://" + hostAndPort + "/mesos")
        .sessionTimeout(timeout)
        .build();
  }

  @Test
  void consulsDefaultMinimumAllowsTwentySecondsAndNoLess() {
    try (FakeConsul consul = FakeConsul.builder().build().start()) {
      assertThatThrownBy(() -> backends.open(config(consul.hostAndPort(), Duration.ofSeconds(19))))
          .isInstanceOf(HaConfigException.class)
          .hasMessageContaining(
              "session timeout 19s is below the minimum 2 x session_ttl_min = 20s")
          .hasMessageContaining("session_ttl_min = 10s")
          .hasMessageNotContaining("assumed");
      try (HaSession s = backends.open(config(consul.hostAndPort(), Duration.ofSeconds(20)))) {
        assertThat(ConsulTestSupport.liveSessionId(s)).isNotEmpty();
      }
    }
  }

  @Test
  void readsALoweredMinimumFromTheAgent() {
    try (FakeConsul consul =
        FakeConsul.builder().sessionTtlMin(Duration.ofMillis(1500)).build().start()) {
      assertThatThrownBy(() -> backends.open(config(consul.hostAndPort(), Duration.ofMillis(2900))))
          .isInstanceOf(HaConfigException.class)
          .hasMessageContaining("below the minimum 2 x session_ttl_min = 3s");
      try (HaSession s = backends.open(config(consul.hostAndPort(), Duration.ofSeconds(3)))) {
        assertThat(ConsulTestSupport.liveSessionId(s)).isNotEmpty();
      }
      // The agent is asked at each open, so a change shows at once.
      consul.setSessionTtlMin(Duration.ofSeconds(4));
      assertThatThrownBy(() -> backends.open(config(consul.hostAndPort(), Duration.ofSeconds(3))))
          .isInstanceOf(HaConfigException.class)
          .hasMessageContaining("below the minimum 2 x session_ttl_min = 8s");
    }
  }

  @Test
  void anAgentThatCannotBeAskedRefusesNothingAtOpen() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    // Unreachable (not started yet, or too busy to answer in time) says nothing about its
    // session_ttl_min: the
    // session opens, and the agent itself refuses a TTL it cannot grant once it is there.
    for (Duration timeout : List.of(Duration.ofSeconds(4), Duration.ofSeconds(20))) {
      try (HaSession s = backends.open(config("127.0.0.1:" + closedPort, timeout))) {
        assertThat(s.sessionId())
            .as("no Consul session while the agent is unreachable (timeout %s)", timeout)
            .isEmpty();
      }
    }
  }
}

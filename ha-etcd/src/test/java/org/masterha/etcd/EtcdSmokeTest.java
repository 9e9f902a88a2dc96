package org.masterha.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.masterha.ha.group.Group;
import org.masterha.ha.group.Membership;
import org.masterha.tck.TestClient;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdSmokeTest {
  private EtcdFixture fixture;

  @BeforeAll
  void start() throws Exception {
    fixture = EtcdFixture.single("smoke");
    fixture.start();
  }

  @AfterAll
  void stop() {
    fixture.close();
  }

  @Test
  void joinWatchCancel() throws Exception {
    try (TestClient a = fixture.connect("/smoke", Duration.ofSeconds(3)); TestClient b = fixture.connect("/smoke", Duration.ofSeconds(3))) {
      Group ga = a.session().group("");
      Group gb = b.session().group("");
      Set<Membership> before = gb.members().get(10, TimeUnit.SECONDS);
      assertThat(before).isEmpty();
      var changed = gb.watch(before);
      Membership m = ga.join("hello".getBytes(StandardCharsets.UTF_8), Optional.of("json.info")).get(10, TimeUnit.SECONDS);
      assertThat(changed.get(10, TimeUnit.SECONDS)).containsExactly(m);
      assertThat(new String(gb.data(m).get(10, TimeUnit.SECONDS).orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("hello");
      assertThat(ga.cancel(m).get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(m.cancelled().get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(gb.watch(Set.of(m)).get(10, TimeUnit.SECONDS)).isEmpty();
    }
  }
}

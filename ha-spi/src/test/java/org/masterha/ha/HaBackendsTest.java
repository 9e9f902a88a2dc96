package org.masterha.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.masterha.ha.error.BackendNotFoundException;
import org.masterha.ha.error.HaConfigException;
import org.masterha.ha.standalone.StandaloneBackend;

class HaBackendsTest {
  /** Registration only: these backends are never opened. */
  record NamedBackend(String name, Set<String> schemes) implements HaBackend {
    @Override
    public HaSession open(HaConfig config) {
      throw new UnsupportedOperationException("registration test backend " + name);
    }
  }

  static final class OtherNamedBackend implements HaBackend {
    private final String name;

    OtherNamedBackend(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Set<String> schemes() {
      return Set.of("other");
    }

    @Override
    public HaSession open(HaConfig config) {
      throw new UnsupportedOperationException();
    }
  }

  static HaBackends backends() {
    return HaBackends.of(new StandaloneBackend(), new NamedBackend("fake", Set.of("fk", "fake")));
  }

  @Test
  void loadFindsTheStandaloneBackendThroughServiceLoader() {
    HaBackends backends = HaBackends.load();

    assertThat(backends.names()).contains("standalone");
    assertThat(backends.schemes()).contains("standalone");
    assertThat(backends.byName("standalone")).isInstanceOf(StandaloneBackend.class);
  }

  @Test
  void looksUpByNameAndSchemeIgnoringCase() {
    HaBackends backends = backends();

    assertThat(backends.names()).containsExactly("fake", "standalone");
    assertThat(backends.schemes()).containsExactly("fake", "fk", "standalone");
    assertThat(backends.byName("FAKE").name()).isEqualTo("fake");
    assertThat(backends.byScheme("Fk").name()).isEqualTo("fake");
  }

  @Test
  void anUnknownNameListsTheAvailableBackends() {
    assertThatThrownBy(() -> backends().byName("etcd"))
        .isInstanceOfSatisfying(
            BackendNotFoundException.class,
            e -> assertThat(e.available()).containsExactly("fake", "standalone"))
        .hasMessage(
            "no HA backend named 'etcd' is on the classpath; available: fake (fake://, fk://), standalone (standalone://)");
  }

  @Test
  void zkAsANamePointsAtTheZooKeeperBackendsName() {
    assertThatThrownBy(() -> backends().byName("zk"))
        .isInstanceOf(BackendNotFoundException.class)
        .hasMessageEndingWith("(the ZooKeeper backend is named 'zookeeper')");
  }

  @Test
  void anUnknownSchemeListsTheAvailableBackends() {
    assertThatThrownBy(() -> backends().byScheme("consul"))
        .isInstanceOf(BackendNotFoundException.class)
        .hasMessage(
            "no HA backend for URL scheme 'consul://' is on the classpath; available: fake (fake://, fk://), standalone (standalone://)");
  }

  @Test
  void withNoBackendsTheErrorSaysWhatToAdd() {
    assertThatThrownBy(() -> HaBackends.of().byScheme("zk"))
        .isInstanceOfSatisfying(
            BackendNotFoundException.class, e -> assertThat(e.available()).isEmpty())
        .hasMessageContaining(
            "available: none (put a backend jar such as ha-zookeeper on the classpath)");
  }

  @Test
  void twoBackendsWithTheSameNameAreAClearError() {
    assertThatThrownBy(
            () -> HaBackends.of(new NamedBackend("dup", Set.of("a")), new OtherNamedBackend("DUP")))
        .isInstanceOf(HaConfigException.class)
        .hasMessage(
            "two backends on the classpath are named 'dup': "
                + NamedBackend.class.getName()
                + " and "
                + OtherNamedBackend.class.getName()
                + "; remove one of the jars");
  }

  @Test
  void twoBackendsClaimingTheSameSchemeAreAClearError() {
    assertThatThrownBy(
            () ->
                HaBackends.of(
                    new NamedBackend("one", Set.of("zk")), new NamedBackend("two", Set.of("ZK"))))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining(
            "URL scheme 'ZK' is claimed by both the 'one' and the 'two' backend; remove one of the jars");
  }

  @Test
  void resolveUsesTheSchemeWhenNoBackendIsNamed() {
    assertThat(backends().resolve(HaConfig.of("fk://h/m")).name()).isEqualTo("fake");
  }

  @Test
  void resolveUsesTheNamedBackendWhenItServesTheScheme() {
    assertThat(
            backends().resolve(HaConfig.builder().url("fake://h/m").backend("Fake").build()).name())
        .isEqualTo("fake");
  }

  @Test
  void resolveRefusesANamedBackendThatContradictsTheScheme() {
    HaConfig config = HaConfig.builder().url("fk://h/m").backend("standalone").build();

    assertThatThrownBy(() -> backends().resolve(config))
        .isInstanceOf(HaConfigException.class)
        .hasMessage(
            "backend 'standalone' was asked for, but the HA URL's scheme 'fk://' is not one of its schemes [standalone]; make them agree");
  }

  @Test
  void resolveRefusesAnUnknownNamedBackend() {
    HaConfig config = HaConfig.builder().url("fk://h/m").backend("etcd").build();

    assertThatThrownBy(() -> backends().resolve(config))
        .isInstanceOf(BackendNotFoundException.class)
        .hasMessageContaining("no HA backend named 'etcd'");
  }

  @Test
  void openResolvesAndOpensASession() {
    HaBackends backends = backends();
    HaSession session = backends.open(HaConfig.of("standalone:///mesos"));
    try {
      assertThat(session.backend()).isEqualTo("standalone");
      assertThat(session.config().basePath()).isEqualTo("/mesos");
    } finally {
      session.close();
    }
    assertThatThrownBy(() -> backends.open(HaConfig.of("fake://h/m")))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void eachInstanceHoldsItsOwnBackends() {
    assertThat(HaBackends.load().byName("standalone"))
        .isNotSameAs(HaBackends.load().byName("standalone"));
    assertThat(List.copyOf(backends().names())).isEqualTo(backends().names());
  }

  @Test
  void resolveMatchesTheSchemeOfANamedBackendIgnoringCaseAsTheRegistryDoes() {
    HaBackends backends = HaBackends.of(new NamedBackend("upper", Set.of("UP")));

    assertThat(backends.resolve(HaConfig.of("up://h/m")).name()).isEqualTo("upper");
    assertThat(backends.resolve(HaConfig.builder().url("up://h/m").backend("upper").build()).name())
        .isEqualTo("upper");
  }
}

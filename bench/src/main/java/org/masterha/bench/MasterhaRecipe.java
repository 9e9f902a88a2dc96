package org.masterha.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.leader.Candidacy;
import org.masterha.ha.leader.Contender;
import org.masterha.ha.leader.Detector;
import org.masterha.masterinfo.MasterInfos;

/** masterha's own API: a contender per session, detectors followed with {@code follow}. */
final class MasterhaRecipe implements Recipe {
  private static final HaBackends BACKENDS = HaBackends.load();

  private final String scheme;
  private final String hostPort;

  /**
   * {@code scheme} is {@code zk}, {@code etcd}, {@code consul} or {@code raft}; {@code hostPort} is
   * what goes between {@code ://} and the path: one {@code host:port} or a comma-separated list
   * (the raft peers').
   */
  MasterhaRecipe(String scheme, String hostPort) {
    this.scheme = scheme;
    this.hostPort = hostPort;
  }

  @Override
  public String name() {
    return "masterha";
  }

  @Override
  public String description() {
    return "masterha Contender + Detector.follow";
  }

  private HaSession open(String path, Duration sessionTimeout) {
    return BACKENDS.open(
        HaConfig.builder()
            .url(scheme + "://" + hostPort + path)
            .sessionTimeout(sessionTimeout)
            .build());
  }

  @Override
  public Candidate candidate(String path, String id, Duration sessionTimeout) {
    HaSession session = open(path, sessionTimeout);
    return new Candidate() {
      private Contender contender;

      @Override
      public String id() {
        return id;
      }

      @Override
      public CompletableFuture<Long> contend() throws Exception {
        contender = session.contender(MasterInfos.of(id, "127.0.0.1", 5050, "bench", "bench"));
        Candidacy candidacy = contender.contend().get(60, TimeUnit.SECONDS);
        return candidacy.elected().thenApply(leader -> System.nanoTime());
      }

      @Override
      public void withdraw() throws Exception {
        contender.withdraw().get(60, TimeUnit.SECONDS);
      }

      @Override
      public void close() {
        session.close();
      }
    };
  }

  @Override
  public Observers observers(String path, Duration sessionTimeout) {
    HaSession session = open(path, sessionTimeout);
    return new Observers() {
      @Override
      public AutoCloseable observe(Consumer<String> listener) {
        Detector detector = session.detector();
        Detector.Following following =
            detector.follow(
                leader -> listener.accept(leader.map(l -> l.info().getId()).orElse(null)));
        return () -> {
          following.close();
          detector.close();
        };
      }

      @Override
      public void close() {
        session.close();
      }
    };
  }
}

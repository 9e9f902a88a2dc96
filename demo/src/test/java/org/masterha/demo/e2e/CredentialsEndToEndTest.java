package org.masterha.demo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.masterha.demo.agent.AgentOptions;
import org.masterha.demo.launcher.EmbeddedZooKeeper;
import org.masterha.demo.launcher.EventLog;
import org.masterha.demo.launcher.JvmProcess;
import org.masterha.demo.master.MasterOptions;
import org.masterha.ha.Credentials;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;

/**
 * Every way the docs give credentials (docs/operations.md, docs/backends/zookeeper.md and etcd.md):
 * user:password in a zk:// or etcd:// URL, a credentials file, an environment variable; each with
 * and without --ha-backend, through the flag parsing of master, agent and resolve. Then for real: a
 * master, an agent and resolve on a ZooKeeper server, the master's member created with its digest
 * credentials. No secret is ever printed.
 */
class CredentialsEndToEndTest {
  /** Set for this test JVM by the surefire configuration (demo/pom.xml). */
  static final String ENV = "MASTERHA_TEST_CREDENTIALS";

  static final String ENV_SECRET = "env-secret-not-to-print";
  static final String URL_SECRET = "url-secret-not-to-print";
  static final String FILE_SECRET = "file-secret-not-to-print";

  @TempDir static Path dir;
  private static EmbeddedZooKeeper zookeeper;

  @BeforeAll
  static void startZooKeeper() throws Exception {
    zookeeper = EmbeddedZooKeeper.start(dir.resolve("zk"));
  }

  @AfterAll
  static void stopZooKeeper() {
    if (zookeeper != null) {
      zookeeper.close();
    }
  }

  private record Way(
      String name, String url, List<String> flags, String user, String secret, String backend) {}

  static Stream<Arguments> documentedWays() throws Exception {
    Path file =
        Files.writeString(
            Files.createDirectories(dir.resolve("flags")).resolve("zk-credentials"),
            "alice:" + FILE_SECRET + "\n");
    List<Way> ways =
        List.of(
            new Way(
                "zk URL",
                "zk://mesos:" + URL_SECRET + "@127.0.0.1:2181/mesos",
                List.of(),
                "mesos",
                URL_SECRET,
                "zookeeper"),
            new Way(
                "etcd URL",
                "etcd://mesos:" + URL_SECRET + "@127.0.0.1:2379/mesos",
                List.of(),
                "mesos",
                URL_SECRET,
                "etcd"),
            new Way(
                "file",
                "zk://127.0.0.1:2181/mesos",
                List.of("--ha-credentials-file=" + file),
                "alice",
                FILE_SECRET,
                "zookeeper"),
            new Way(
                "env",
                "etcd://127.0.0.1:2379/mesos",
                List.of("--ha-credentials-env=" + ENV),
                "carol",
                ENV_SECRET,
                "etcd"));
    List<Arguments> all = new ArrayList<>();
    for (Way w : ways) {
      all.add(Arguments.of(w.name(), w, false));
      all.add(Arguments.of(w.name() + " --ha-backend", w, true));
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("documentedWays")
  void masterAndAgentFlagsAcceptEveryDocumentedWay(String name, Way way, boolean withBackend) {
    List<String> args = new ArrayList<>(List.of("--ha-url=" + way.url()));
    args.addAll(way.flags());
    if (withBackend) {
      args.add("--ha-backend=" + way.backend());
    }
    HaBackends backends = HaBackends.load();
    Function<String[], HaConfig> master =
        a -> MasterOptions.parse(MasterOptions.FLAGS.parse(a), backends).ha();
    Function<String[], HaConfig> agent =
        a -> AgentOptions.parse(AgentOptions.FLAGS.parse(a), backends).ha().orElseThrow();
    for (Function<String[], HaConfig> parse : List.of(master, agent)) {
      HaConfig config = parse.apply(args.toArray(String[]::new));
      assertThat(config.backend()).contains(way.backend());
      assertThat(config.credentials().flatMap(Credentials::username)).contains(way.user());
      assertThat(config.credentials().map(c -> c.secret().reveal())).contains(way.secret());
      assertThat(config.toString()).doesNotContain(way.secret());
    }
  }

  @Test
  void masterAgentAndResolveUseUrlFileAndEnvironmentCredentialsOnARealZooKeeper() throws Exception {
    Path run = dir.resolve("run");
    Path file =
        Files.writeString(
            Files.createDirectories(run).resolve("zk-credentials"), "mesos:" + URL_SECRET + "\n");
    String base = "/creds";
    String withCredentials = "zk://mesos:" + URL_SECRET + "@" + zookeeper.connectString() + base;
    String plain = zookeeper.url(base);
    EventLog events = new EventLog();
    List<JvmProcess> started = new ArrayList<>();
    try {
      // As docs/getting-started.md and docs/backends/zookeeper.md show it: the credentials in the
      // URL, no --ha-backend.
      started.add(
          JvmProcess.start(
              "m1",
              "org.masterha.demo.master.MasterMain",
              List.of(
                  "--ha-url=" + withCredentials, "--port=0", "--name=m1", "--session-timeout=4s"),
              run,
              events));
      started.add(
          JvmProcess.start(
              "a1",
              "org.masterha.demo.agent.AgentMain",
              List.of(
                  "--ha-url=" + withCredentials,
                  "--name=a1",
                  "--id=a1",
                  "--session-timeout=4s",
                  "--heartbeat-interval=250ms"),
              run,
              events));
      Supplier<Optional<String>> died =
          () ->
              started.stream()
                  .filter(j -> !j.isAlive())
                  .findFirst()
                  .map(
                      j ->
                          j.name()
                              + " exited with code "
                              + j.exitCode().orElse(-1)
                              + ": "
                              + String.join("\n", j.tail(5)));
      events.await(
          "m1 to be elected",
          Duration.ofSeconds(60),
          es ->
              es.stream()
                  .filter(e -> e.process().equals("m1") && e.kind().equals("elected"))
                  .findFirst(),
          died);
      events.await(
          "a1 to register",
          Duration.ofSeconds(60),
          es ->
              es.stream()
                  .filter(e -> e.process().equals("a1") && e.kind().equals("registered"))
                  .findFirst(),
          died);

      Map<String, String> env = Map.of(ENV, "mesos:" + URL_SECRET);
      List<CommandLine> found =
          List.of(
              CommandLine.resolve(run, "resolve-url", Map.of(), withCredentials),
              CommandLine.resolve(
                  run, "resolve-url-backend", Map.of(), withCredentials, "--ha-backend=zookeeper"),
              CommandLine.resolve(
                  run, "resolve-file", Map.of(), plain, "--ha-credentials-file=" + file),
              CommandLine.resolve(
                  run,
                  "resolve-env",
                  env,
                  plain,
                  "--ha-credentials-env=" + ENV,
                  "--ha-backend=zookeeper"));
      for (CommandLine r : found) {
        assertThat(r.exitCode())
            .as("resolve's exit code; its standard error: %s", r.err())
            .isZero();
        assertThat(r.out()).contains("\"pid\":\"master@127.0.0.1:");
      }
      // The master authenticated with the URL's credentials: its member carries Mesos' creator-all
      // ACL for that user.
      assertThat(memberAcls(base))
          .anySatisfy(
              acl ->
                  assertThat(acl.getId().getScheme() + ":" + acl.getId().getId())
                      .startsWith("digest:mesos:"));
    } finally {
      for (JvmProcess p : started) {
        p.stop(Duration.ofSeconds(10));
      }
    }
    try (Stream<Path> files = Files.list(run)) {
      for (Path f : files.filter(f -> !f.equals(file)).toList()) {
        assertThat(Files.readString(f, StandardCharsets.UTF_8))
            .as("%s", f)
            .doesNotContain(URL_SECRET);
      }
    }
  }

  private static List<ACL> memberAcls(String base) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    ZooKeeper zk =
        new ZooKeeper(
            zookeeper.connectString(),
            10_000,
            e -> {
              if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
              }
            });
    try {
      assertThat(connected.await(30, TimeUnit.SECONDS)).as("connected to ZooKeeper").isTrue();
      String member =
          zk.getChildren(base, false).stream()
              .filter(c -> c.startsWith("json.info_"))
              .findFirst()
              .orElseThrow();
      return zk.getACL(base + "/" + member, new Stat());
    } finally {
      zk.close();
    }
  }

  @Test
  void anEtcdUrlWithCredentialsGetsAsFarAsTheStore() throws Exception {
    // Nothing listens on the port: resolve must get past the flags (exit 1, the store is
    // unreachable), not exit 2.
    int closed = org.masterha.demo.launcher.Ports.free();
    CommandLine r =
        CommandLine.resolve(
            dir.resolve("etcd"),
            "resolve-etcd",
            Map.of(),
            "etcd://mesos:" + URL_SECRET + "@127.0.0.1:" + closed + "/mesos",
            "--timeout=1s");
    assertThat(r.exitCode()).as("standard error: %s", r.err()).isEqualTo(1);
    assertThat(r.err())
        .startsWith(
            "masterha resolve: the store at 127.0.0.1:"
                + closed
                + " could not be reached within 1s")
        .doesNotContain(URL_SECRET);
  }
}

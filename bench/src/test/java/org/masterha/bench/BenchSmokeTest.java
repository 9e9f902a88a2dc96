package org.masterha.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CI's proof that the harness works: every scenario at a tiny size, each store started once per
 * run; every scenario on every store but crash failover, whose contender JVMs (masterha's and the
 * raw recipe's) take seconds each to start, on ZooKeeper only. It checks that the JSON and Markdown
 * come out with a figure for every scenario, store and recipe (masterha's alone on raft, which has
 * no raw recipe) and with the store servers' memory and data on disk, never how fast anything was:
 * timing bounds live in the harness and the docs.
 */
class BenchSmokeTest {

  @Test
  void everyScenarioWritesItsFigures(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream crashErr = new ByteArrayOutputStream();
    int crashCode =
        BenchMain.run(
            new String[] {
              "--backend=zookeeper",
              "--scenario=crash-failover",
              "--crash-rounds=1",
              "--session-timeout=2s",
              "--out=" + dir.resolve("crash")
            },
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(crashErr, true, StandardCharsets.UTF_8));
    assertThat(crashCode).as("crash-failover exit code; standard error:\n%s", crashErr).isZero();
    JsonNode crash =
        new ObjectMapper().readTree(dir.resolve("crash").resolve("bench.json").toFile());
    assertThat(crash.get("figures").findValuesAsText("scenario")).contains("crash-failover");

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        BenchMain.run(
            new String[] {
              "--backend=all",
              "--scenario=graceful-handover,idle-cost,detector-fanout",
              "--rounds=2",
              "--contenders=2",
              "--detectors=3",
              "--detector-sessions=1",
              "--fanout=50",
              "--fanout-rounds=1",
              "--session-timeout=2s",
              "--idle=500ms",
              "--out=" + dir
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String errText = err.toString(StandardCharsets.UTF_8);
    System.err.print(errText); // the progress lines, with each scenario's time, in the test's log
    assertThat(code).as("exit code; standard error:\n%s", errText).isZero();
    assertThat(errText).contains("[zookeeper graceful-handover] round 2/2");

    JsonNode json = new ObjectMapper().readTree(dir.resolve("bench.json").toFile());
    Set<String> seen = new HashSet<>();
    Set<String> masterhaOnly = new HashSet<>();
    Map<String, JsonNode> footprint = new HashMap<>();
    for (JsonNode f : json.get("figures")) {
      String store = f.get("store").asText();
      String scenario = f.get("scenario").asText();
      if (scenario.equals("footprint")) {
        footprint.put(store + " " + f.get("figure").asText(), f);
      } else if (!f.get("masterha").isNull() && !f.get("raw").isNull()) {
        seen.add(store + " " + scenario);
      } else if (!f.get("masterha").isNull() && f.get("rawRecipe").isNull()) {
        masterhaOnly.add(store + " " + scenario);
      }
    }
    for (String scenario : List.of("graceful-handover", "idle-cost", "detector-fanout")) {
      for (String store : List.of("zookeeper", "etcd", "consul")) {
        assertThat(seen).as("masterha and raw figures").contains(store + " " + scenario);
      }
      assertThat(masterhaOnly).as("masterha's figures alone").contains("raft " + scenario);
    }
    assertThat(seen).as("no raw figure on raft").noneMatch(s -> s.startsWith("raft "));
    for (String store : List.of("zookeeper", "etcd", "consul", "raft")) {
      assertThat(footprint)
          .as("footprint figures")
          .containsKey(store + " store server RSS per server");
      assertThat(footprint.get(store + " store server RSS per server").get("masterha").asDouble())
          .as("%s server RSS", store)
          .isPositive();
    }
    for (String store : List.of("zookeeper", "etcd", "raft")) {
      assertThat(footprint.get(store + " store data on disk per server").get("masterha").asDouble())
          .as("%s data on disk", store)
          .isPositive();
    }
    assertThat(footprint.get("consul store data on disk per server").get("masterha").isNull())
        .as("the Consul fake has no data directory")
        .isTrue();
    assertThat(footprint.get("raft store server RSS, all servers").get("note").asText())
        .contains("3 servers");
    String md = Files.readString(dir.resolve("bench.md"));
    assertThat(md).contains("| store | scenario | figure | masterha | raw recipe | ratio |");
    assertThat(md).contains("Curator LeaderLatch", "jetcd Election", "consul-client session");
    assertThat(md).contains("raft: none, masterha's only");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("bench.json");
  }

  @Test
  void aBadFlagIsNamedWithWhatIsAccepted() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        BenchMain.run(
            new String[] {"--backend=mysql"},
            new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--backend", "mysql", "zookeeper, etcd, consul, raft");
  }
}

package org.masterha.chaos.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.masterha.chaos.history.History;

class SummaryTest {
  private static Summary summaryOf(String store, HistoryBuilder h) {
    History history = h.build();
    CheckResult result = new HistoryChecker(HistoryCheckerTest.OPTIONS).check(history);
    return Summary.of(store, "seed-42", history, result);
  }

  @Test
  void theFiguresOfTheCleanHistory() {
    Summary s = summaryOf("zookeeper", HistoryCheckerTest.cleanHistory());

    assertThat(s.passed()).isTrue();
    assertThat(s.faultsByKind())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("kill-node", 1, "pause-node", 1, "wipe-store", 1));
    assertThat(s.leaderships()).isEqualTo(4);
    assertThat(s.writesOk()).isEqualTo(5);
    assertThat(s.writesRefused()).isEqualTo(1);
    assertThat(s.writesUnknown()).isEqualTo(2);
    assertThat(s.reads()).isEqualTo(1);
    assertThat(s.detectorReports()).isEqualTo(12);
    assertThat(s.violationsByRule()).hasSize(7).allSatisfy((rule, n) -> assertThat(n).isZero());
    assertThat(s.failovers()).isEqualTo(3);
    assertThat(s.worstFailoverMs()).isEqualTo(90.0);
    assertThat(s.p50FailoverMs()).isEqualTo(60.0);
    assertThat(s.worstLivenessGapMs()).isEqualTo(10.0);
  }

  @Test
  void violationsAreCountedByRule() {
    HistoryBuilder h = HistoryCheckerTest.cleanHistory().line("L1").act(335, "n2", 2);
    Summary s = summaryOf("etcd", h);

    assertThat(s.passed()).isFalse();
    assertThat(s.violationsByRule()).containsEntry("a", 1).containsEntry("b", 0);
    assertThat(s.toText()).contains("FAIL");
  }

  @Test
  void severalSummariesRenderAsOneTableAndOneJsonArray() throws Exception {
    Summary zk = summaryOf("zookeeper", HistoryCheckerTest.cleanHistory());
    HistoryBuilder quiet = new HistoryBuilder();
    quiet.elected(0, "n1", 1).acts(1, 51, 10, "n1", 1);
    quiet.faultStart(20, 1, "freeze-store-connection", "n2");
    quiet.faultHeal(30, 1, "freeze-store-connection", "n2").end(60);
    Summary consul = summaryOf("consul", quiet);

    String text = Summary.toText(List.of(zk, consul));
    List<String> lines = text.lines().toList();
    assertThat(lines.get(0)).contains("zookeeper", "consul");
    assertThat(lines)
        .contains("result                          PASS     PASS")
        .anySatisfy(l -> assertThat(l).matches("  kill-node +1 +0"))
        .anySatisfy(l -> assertThat(l).matches("  freeze-store-connection +0 +1"))
        .anySatisfy(l -> assertThat(l).matches("failover worst ms +90\\.0 +-"))
        .anySatisfy(l -> assertThat(l).matches("violations \\(g\\) +0 +0"));

    JsonNode json = JsonMapper.builder().build().readTree(Summary.toJson(List.of(zk, consul)));
    assertThat(json.isArray()).isTrue();
    assertThat(json).hasSize(2);
    assertThat(json.get(0).get("store").asText()).isEqualTo("zookeeper");
    assertThat(json.get(0).get("faultsByKind").get("pause-node").asInt()).isEqualTo(1);
    assertThat(json.get(0).get("worstFailoverMs").asDouble()).isEqualTo(90.0);
    assertThat(json.get(1).get("worstFailoverMs").isNull()).isTrue();
    assertThat(json.get(1).get("violationsByRule").get("f").asInt()).isZero();
    assertThat(JsonMapper.builder().build().readTree(consul.toJson()).get("leaderships").asInt())
        .isEqualTo(1);
  }
}

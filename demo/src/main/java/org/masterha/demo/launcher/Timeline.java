package org.masterha.demo.launcher;

import java.io.PrintStream;
import java.util.Locale;

/** Prints the demo's story as it happens: milliseconds since the start, who, what. */
final class Timeline {
  private final PrintStream out;
  private final long start;
  private final Cluster cluster;
  private final java.util.Set<String> following =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  Timeline(PrintStream out, long startMillis, Cluster cluster) {
    this.out = out;
    this.start = startMillis;
    this.cluster = cluster;
  }

  String at(long millis) {
    return String.format(Locale.ROOT, "%+9.3fs", (millis - start) / 1000.0);
  }

  synchronized void line(long millis, String who, String what) {
    out.printf(Locale.ROOT, "%s  %-6s %s%n", at(millis), who, what);
    out.flush();
  }

  void note(String who, String what) {
    line(System.currentTimeMillis(), who, what);
  }

  /** The events worth a line; the rest stay in the processes' .out files. */
  void onEvent(EventLog.Entry e) {
    String who = e.process();
    String text =
        switch (e.kind()) {
          case "started" ->
              e.get("pid") != null
                  ? "started, pid "
                      + e.get("os_pid")
                      + ", gRPC on "
                      + e.get("pid").replaceFirst("^master@", "")
                  : "started, pid "
                      + e.get("os_pid")
                      + ", following the leader through "
                      + e.get("source");
          case "candidacy" -> "registered its candidacy (epoch if elected: " + e.get("epoch") + ")";
          case "elected" -> "ELECTED leader, epoch " + e.get("epoch");
          case "following" ->
              (following.add(who) ? "following " : "now following ")
                  + cluster.nameOf(e.get("leader"))
                  + " (epoch "
                  + e.get("epoch")
                  + ")";
          case "leader" ->
              e.get("via") != null
                  ? "detected leader "
                      + cluster.nameOf(e.get("leader"))
                      + " (epoch "
                      + e.get("epoch")
                      + ") via "
                      + e.get("via").replaceFirst("@.*", "")
                  : null;
          case "no-leader" ->
              e.get("previous") != null || following.contains(who) ? "sees no leader" : null;
          case "registered" ->
              "registered with "
                  + cluster.nameOf(e.get("master"))
                  + " (epoch "
                  + e.get("epoch")
                  + ")";
          case "reregistered" ->
              "RE-REGISTERED with "
                  + cluster.nameOf(e.get("master"))
                  + " (epoch "
                  + e.get("epoch")
                  + "), previously with "
                  + cluster.nameOf(e.get("previous"));
          case "master-unreachable" ->
              "lost contact with "
                  + cluster.nameOf(e.get("master"))
                  + " ("
                  + e.get("call")
                  + ": "
                  + e.get("status")
                  + ")";
          case "refused" ->
              "REFUSED "
                  + cluster.nameOf(e.get("master"))
                  + " (epoch "
                  + e.get("epoch")
                  + "): "
                  + e.get("reason");
          case "lost-leadership", "other-leader", "no-leader-while-leading", "lost-candidacy" ->
              e.kind() + ": " + e.get("reason");
          case "recovered-registry" ->
              "0".equals(e.get("agents"))
                  ? "recovered the registry: no agents, " + e.get("gone") + " gone"
                  : "recovered the registry: "
                      + e.get("agents")
                      + " agent(s) ["
                      + e.get("ids")
                      + "], "
                      + e.get("gone")
                      + " gone; they have "
                      + e.get("window")
                      + " to re-register";
          case "agent-registered" ->
              "true".equals(e.get("within_window"))
                  ? "agent " + e.get("agent") + " re-registered within the window"
                  : null;
          case "agent-gone" -> "agent " + e.get("agent") + " marked GONE: " + e.get("reason");
          case "exiting" -> "exiting with code " + e.get("code") + ": " + e.get("reason");
          case "stopping" ->
              "stopping cleanly"
                  + ("true".equals(e.get("was_leading"))
                      ? " (was leading epoch " + e.get("epoch") + ")"
                      : "");
          default -> null;
        };
    if (text != null) {
      line(e.millis(), who, text);
    }
  }
}

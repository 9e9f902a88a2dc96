package org.masterha.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * What a store's servers occupy: per server process, its resident memory ({@code VmRSS} in {@code
 * /proc/PID/status}) once the store started and again after every scenario, its peak ({@code
 * VmHWM}), and its data directory's size on disk, as an operator sizing a machine would read them.
 * The figures are the store's, after all its scenarios (both recipes' where there are two), not a
 * recipe's.
 */
final class Footprint {
  private static final String SCENARIO = "footprint";
  private static final double MIB = 1024 * 1024;

  private final BenchStore store;
  private final Map<Long, Long> rssAtStart = new LinkedHashMap<>();

  private Footprint(BenchStore store) {
    this.store = store;
  }

  /** Reads the servers' memory now, right after the store started. */
  static Footprint atStart(BenchStore store) {
    Footprint f = new Footprint(store);
    for (BenchStore.Server s : store.servers()) {
      status(s.pid(), "VmRSS").ifPresent(kib -> f.rssAtStart.put(s.pid(), kib));
    }
    return f;
  }

  /** One server's readings after the scenarios. */
  private record Reading(BenchStore.Server server, Double rssAtStart, Double rss, Double hwm) {
    String label() {
      return server.name() + (server.role().isEmpty() ? "" : " (" + server.role() + ")");
    }
  }

  /** Reads the servers again and adds the footprint figures; none when no server runs here. */
  void addFigures(List<Figure> figures) {
    List<BenchStore.Server> servers = store.servers();
    if (servers.isEmpty()) {
      return;
    }
    List<Reading> readings = new ArrayList<>();
    for (BenchStore.Server s : servers) {
      Long start = rssAtStart.get(s.pid());
      readings.add(
          new Reading(
              s,
              start == null ? null : start / 1024.0,
              mib(status(s.pid(), "VmRSS")),
              mib(status(s.pid(), "VmHWM"))));
    }
    String count = servers.size() + (servers.size() == 1 ? " server" : " servers");
    add(
        figures,
        "store server RSS at start, per server",
        readings,
        Reading::rssAtStart,
        "VmRSS once the store served");
    add(
        figures,
        "store server RSS per server",
        readings,
        Reading::rss,
        "VmRSS after every scenario");
    add(figures, "store server peak RSS per server", readings, Reading::hwm, "VmHWM");
    Double total = sum(readings.stream().map(Reading::rss).toList());
    figures.add(
        new Figure(
            store.name(),
            SCENARIO,
            "store server RSS, all servers",
            "MiB",
            total,
            null,
            null,
            null,
            "VmRSS after every scenario, " + count));
    if (servers.stream().allMatch(s -> s.dataDir().isEmpty())) {
      figures.add(
          new Figure(
              store.name(),
              SCENARIO,
              "store data on disk per server",
              "MiB",
              null,
              null,
              null,
              null,
              store.dataDescription()));
      return;
    }
    List<String> each = new ArrayList<>();
    List<Double> onDisk = new ArrayList<>();
    for (Reading r : readings) {
      Double used = r.server().dataDir().map(Footprint::diskUsage).orElse(null);
      Double apparent = r.server().dataDir().map(Footprint::apparentSize).orElse(null);
      onDisk.add(used);
      each.add(
          r.label()
              + " "
              + Report.number(used)
              + (apparent == null ? "" : " (" + Report.number(apparent) + " apparent)"));
    }
    figures.add(
        new Figure(
            store.name(),
            SCENARIO,
            "store data on disk per server",
            "MiB",
            max(onDisk),
            null,
            null,
            null,
            store.dataDescription()
                + ", blocks in use after every scenario; "
                + (servers.size() == 1 ? "" : "the largest of " + count + ": ")
                + String.join(", ", each)));
  }

  /** The largest server's value as the figure, every server's in the note. */
  private void add(
      List<Figure> figures,
      String figure,
      List<Reading> readings,
      Function<Reading, Double> value,
      String what) {
    List<Double> values = readings.stream().map(value).toList();
    String note = what;
    if (readings.size() > 1) {
      List<String> each = new ArrayList<>();
      for (Reading r : readings) {
        each.add(r.label() + " " + Report.number(value.apply(r)));
      }
      note += "; the largest of " + readings.size() + " servers: " + String.join(", ", each);
    }
    figures.add(
        new Figure(store.name(), SCENARIO, figure, "MiB", max(values), null, null, null, note));
  }

  private static Double max(List<Double> values) {
    return values.stream().anyMatch(v -> v == null)
        ? null
        : values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }

  private static Double sum(List<Double> values) {
    return values.stream().anyMatch(v -> v == null)
        ? null
        : values.stream().mapToDouble(Double::doubleValue).sum();
  }

  private static Double mib(OptionalLong kib) {
    return kib.isPresent() ? kib.getAsLong() / 1024.0 : null;
  }

  /** A {@code kB} line of {@code /proc/PID/status}, e.g. {@code VmRSS}; empty if not readable. */
  static OptionalLong status(long pid, String field) {
    try {
      for (String line :
          Files.readAllLines(
              Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
        if (line.startsWith(field + ":")) {
          String v = line.substring(field.length() + 1).trim();
          return OptionalLong.of(Long.parseLong(v.split("\\s+")[0]));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or the process is gone
    }
    return OptionalLong.empty();
  }

  /**
   * The blocks a directory's files occupy ({@code du}), in MiB: a preallocated, sparse log file
   * (ZooKeeper pads its transaction log to 64 MiB with one byte at the end) counts what it holds,
   * not its length. Null if {@code du} cannot tell.
   */
  static Double diskUsage(Path dir) {
    try {
      Process du =
          new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
      String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!du.waitFor(30, TimeUnit.SECONDS) || du.exitValue() != 0) {
        du.destroyForcibly();
        return null;
      }
      return Long.parseLong(out.trim().split("\\s+")[0]) / MIB;
    } catch (IOException | RuntimeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** The sum of the lengths of a directory's files, in MiB; null if it cannot be read. */
  static Double apparentSize(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      long bytes = 0;
      for (Path p : (Iterable<Path>) paths::iterator) {
        if (Files.isRegularFile(p)) {
          bytes += Files.size(p);
        }
      }
      return bytes / MIB;
    } catch (IOException | RuntimeException e) {
      return null; // a file went while we walked: no figure rather than a wrong one
    }
  }
}

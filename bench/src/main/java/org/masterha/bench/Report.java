package org.masterha.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The figures as a table (standard output, Markdown) and as JSON. */
final class Report {
  private Report() {}

  static String number(Double v) {
    if (v == null) {
      return "n/a";
    }
    double a = Math.abs(v);
    if (a >= 100 || v == Math.rint(v)) {
      return String.format("%.0f", v);
    }
    if (a >= 10) {
      return String.format("%.1f", v);
    }
    if (a >= 0.01) {
      return String.format("%.2f", v);
    }
    return String.format("%.3f", v);
  }

  /**
   * The raw recipe's value; a dash where there is no raw recipe to measure (the raft store, the
   * store's own footprint), as against n/a where one was not run or could not be counted.
   */
  static String raw(Figure f) {
    return f.rawRecipe() == null ? "—" : number(f.raw());
  }

  static String markdown(List<Figure> figures, Map<String, String> context) {
    StringBuilder b = new StringBuilder();
    b.append("# masterha bench\n\n");
    context.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
    b.append('\n');
    b.append("| store | scenario | figure | masterha | raw recipe | ratio | target | result |\n");
    b.append("|---|---|---|---:|---:|---:|---|---|\n");
    for (Figure f : figures) {
      b.append("| ")
          .append(f.store())
          .append(" | ")
          .append(f.scenario())
          .append(" | ")
          .append(f.figure())
          .append(" (")
          .append(f.unit())
          .append(")")
          .append(f.note() == null ? "" : "; " + f.note())
          .append(" | ")
          .append(number(f.masterha()))
          .append(" | ")
          .append(raw(f))
          .append(" | ")
          .append(f.ratio() == null ? "" : String.format("%.2fx", f.ratio()))
          .append(" | ")
          .append(f.target() == null ? "" : "≤ " + number(f.target()))
          .append(" | ")
          .append(f.verdict())
          .append(" |\n");
    }
    b.append("\nRaw recipes: ");
    figures.stream()
        .filter(f -> f.rawRecipe() != null)
        .map(f -> f.store() + ": " + f.rawRecipe())
        .distinct()
        .forEach(s -> b.append(s).append("; "));
    figures.stream()
        .map(Figure::store)
        .filter(s -> !Recipes.hasRaw(s))
        .distinct()
        .forEach(s -> b.append(s).append(": none, masterha's only; "));
    b.append(
        "ratio = masterha / raw (lower is better); every masterha figure is held to "
            + Figure.RATIO_TARGET
            + "x the raw recipe's.\n");
    if (figures.stream().anyMatch(f -> f.scenario().equals("footprint"))) {
      b.append(
          "footprint: the store's server processes, read after all its scenarios (both recipes'"
              + " where there are two): the store's figures, not a recipe's, in the masterha"
              + " column.\n");
    }
    return b.toString();
  }

  /** A plain table for the terminal. */
  static String table(List<Figure> figures) {
    String fmt = "%-9s %-17s %-38s %10s %10s %7s %8s  %s%n";
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            fmt, "store", "scenario", "figure", "masterha", "raw", "ratio", "target", ""));
    for (Figure f : figures) {
      b.append(
          String.format(
              fmt,
              f.store(),
              f.scenario(),
              f.figure() + " (" + f.unit() + ")",
              number(f.masterha()),
              raw(f),
              f.ratio() == null ? "" : String.format("%.2fx", f.ratio()),
              f.target() == null ? "" : "≤" + number(f.target()),
              f.verdict()));
    }
    return b.toString();
  }

  static String json(List<Figure> figures, Map<String, String> context) throws IOException {
    ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = m.createObjectNode();
    root.put("generated", Instant.now().toString());
    ObjectNode ctx = root.putObject("context");
    context.forEach(ctx::put);
    ArrayNode arr = root.putArray("figures");
    for (Figure f : figures) {
      ObjectNode n = arr.addObject();
      n.put("store", f.store());
      n.put("scenario", f.scenario());
      n.put("figure", f.figure());
      n.put("unit", f.unit());
      putNumber(n, "masterha", f.masterha());
      putNumber(n, "raw", f.raw());
      n.put("rawRecipe", f.rawRecipe());
      putNumber(n, "ratio", f.ratio());
      putNumber(n, "target", f.target());
      n.put("ratioTarget", Figure.RATIO_TARGET);
      n.put("result", f.verdict());
      if (f.note() != null) {
        n.put("note", f.note());
      }
    }
    return m.writeValueAsString(root);
  }

  private static void putNumber(ObjectNode n, String name, Double v) {
    if (v == null) {
      n.putNull(name);
    } else {
      n.put(name, v);
    }
  }

  static void write(Path dir, List<Figure> figures, Map<String, String> context)
      throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("bench.json"), json(figures, context));
    Files.writeString(dir.resolve("bench.md"), markdown(figures, context));
  }
}

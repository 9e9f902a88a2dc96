package org.masterha.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tarball holds: no backend in lib/, each backend's folder with its jar and only the jars
 * lib/ lacks, no class twice on the class path bin/masterha makes of lib/, demo/ and every backend
 * folder, and masterha's jars in the BOM at the project's version.
 */
class DistributionLayoutIT {
  private static final Path TARBALL = Path.of(System.getProperty("masterha.tarball"));
  private static final String VERSION = System.getProperty("masterha.version");
  private static final String HOME = "masterha-" + VERSION;
  private static final String SERVICES = "META-INF/services/org.masterha.ha.HaBackend";
  private static final List<String> BACKENDS = List.of("consul", "etcd", "raft", "zookeeper");

  @TempDir static Path tmp;
  private static Path home;

  @BeforeAll
  static void unpack() throws Exception {
    home = Distribution.unpack(TARBALL, tmp).resolve(HOME);
  }

  @Test
  void theLauncherAndTheLicenseAreThere() {
    assertThat(home.resolve("bin/masterha")).isExecutable();
    assertThat(home.resolve("LICENSE")).content().contains("Apache License");
    assertThat(home.resolve("NOTICE")).isRegularFile();
  }

  @Test
  void libHasNoBackendAndEachBackendFolderOnlyWhatLibLacks() throws IOException {
    assertThat(providers(home.resolve("lib")))
        .as("HaBackend providers in lib/")
        .containsExactly("org.masterha.ha.standalone.StandaloneBackend");
    assertThat(providers(home.resolve("demo"))).as("HaBackend providers in demo/").isEmpty();
    assertThat(subfolders(home.resolve("backends"))).containsExactlyElementsOf(BACKENDS);
    List<String> lib = jarNames(home.resolve("lib"));
    for (String b : BACKENDS) {
      Path folder = home.resolve("backends").resolve(b);
      assertThat(jarNames(folder))
          .as("backends/%s/", b)
          .contains("ha-" + b + "-" + VERSION + ".jar")
          .doesNotContainAnyElementsOf(lib);
      assertThat(providers(folder)).as("HaBackend providers in backends/%s/", b).hasSize(1);
    }
  }

  @Test
  void noClassIsInTwoJarsOnTheClassPath() throws IOException {
    // As bin/masterha builds it: lib/, demo/, then each backend folder; a jar name seen before is
    // skipped (backends needing the same jar each carry a copy), so such copies must be identical.
    List<Path> dirs = new ArrayList<>(List.of(home.resolve("lib"), home.resolve("demo")));
    for (String b : BACKENDS) {
      dirs.add(home.resolve("backends").resolve(b));
    }
    Map<String, Path> byName = new LinkedHashMap<>();
    List<String> differing = new ArrayList<>();
    for (Path dir : dirs) {
      for (Path jar : jars(dir)) {
        Path first = byName.putIfAbsent(jar.getFileName().toString(), jar);
        if (first != null && Files.mismatch(first, jar) != -1) {
          differing.add(home.relativize(first) + " and " + home.relativize(jar));
        }
      }
    }
    assertThat(differing).as("jars of one name that differ").isEmpty();

    Map<String, List<String>> jarsOfClass = new TreeMap<>();
    for (Path jar : byName.values()) {
      for (String c : classes(jar)) {
        jarsOfClass.computeIfAbsent(c, k -> new ArrayList<>()).add(home.relativize(jar).toString());
      }
    }
    assertThat(jarsOfClass).as("classes").hasSizeGreaterThan(1000);
    List<String> twice =
        jarsOfClass.entrySet().stream()
            .filter(e -> e.getValue().size() > 1)
            .map(e -> e.getKey() + " in " + e.getValue())
            .toList();
    assertThat(twice).as("classes in two jars").isEmpty();
  }

  @Test
  void theBomHasTheProjectVersionAndEveryMasterhaJarOfTheDistribution() throws IOException {
    String bom = Files.readString(Path.of("..", "bom", "pom.xml"), StandardCharsets.UTF_8);
    Matcher own =
        Pattern.compile("<artifactId>masterha-bom</artifactId>\\s*<version>([^<]+)<").matcher(bom);
    assertThat(own.find()).as("the BOM's own version").isTrue();
    assertThat(own.group(1)).isEqualTo(VERSION);
    List<String> managed =
        Pattern.compile(
                "<artifactId>([^<]+)</artifactId>\\s*<version>\\$\\{project.version}</version>")
            .matcher(bom)
            .results()
            .map(m -> m.group(1))
            .toList();
    List<Path> dirs = new ArrayList<>(List.of(home.resolve("lib")));
    BACKENDS.forEach(b -> dirs.add(home.resolve("backends").resolve(b)));
    List<String> ours = new ArrayList<>();
    for (Path dir : dirs) {
      for (String name : jarNames(dir)) {
        if (name.endsWith("-" + VERSION + ".jar")) {
          ours.add(name.substring(0, name.length() - VERSION.length() - 5));
        }
      }
    }
    assertThat(ours).as("masterha's jars in lib/ and backends/").hasSizeGreaterThan(5);
    assertThat(managed).containsAll(ours);
  }

  private static List<String> classes(Path jar) throws IOException {
    List<String> out = new ArrayList<>();
    try (JarFile f = new JarFile(jar.toFile())) {
      for (JarEntry e : f.stream().toList()) {
        String n = e.getName();
        // Java 9+ multi-release jars carry variants of their own classes, and module descriptors.
        // Android's lint annotations: gRPC's com.google.android:annotations and the raft backend's
        // ratis-thirdparty-misc both carry them (class retention, never loaded on a JVM).
        if (n.endsWith(".class")
            && !n.startsWith("META-INF/versions/")
            && !n.startsWith("android/annotation/")
            && !n.endsWith("module-info.class")) {
          out.add(n);
        }
      }
    }
    return out;
  }

  private static TreeSet<String> providers(Path dir) throws IOException {
    TreeSet<String> out = new TreeSet<>();
    for (Path jar : jars(dir)) {
      try (JarFile f = new JarFile(jar.toFile())) {
        JarEntry e = f.getJarEntry(SERVICES);
        if (e != null) {
          String text = new String(f.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
          text.lines()
              .map(l -> l.replaceAll("#.*", "").strip())
              .filter(l -> !l.isEmpty())
              .forEach(out::add);
        }
      }
    }
    return out;
  }

  private static List<Path> jars(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
    }
  }

  private static List<String> jarNames(Path dir) throws IOException {
    return jars(dir).stream().map(p -> p.getFileName().toString()).toList();
  }

  private static List<String> subfolders(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}

package org.masterha.demo.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.masterha.demo.launcher.EmbeddedZooKeeper;
import org.masterha.demo.launcher.EtcdServer;

/**
 * Every {@code ```java} block of README.md and docs/**.md, compiled with javax.tools against the
 * test class path and run against real stores, so that the examples compile, run, and do what the
 * text says. The convention (also in docs/README.md):
 *
 * <ul>
 *   <li>A block is the body of a method that may throw; the packages of ha-spi, proto, the client
 *       library, java.util(.concurrent), java.time and java.nio.file are imported.
 *   <li>An HA URL in a block ({@code zk://HOSTS/path}, {@code etcd://HOSTS/path}) is pointed at
 *       this test's own server of that kind (an embedded ZooKeeper, an etcd process), under a base
 *       path of the block's own; a path under {@code /etc/masterha/} is a file in a temporary
 *       directory.
 *   <li>An HTML comment right before the block, {@code <!-- snippet-test ... -->}, may hold lines
 *       after {@code before:} (declarations the block uses but the reader does not need) and after
 *       {@code after:} (checks that it did what the text says, with {@code check(condition,
 *       what)}).
 *   <li>A block that is not a method body says what it is in that comment, and is compiled but not
 *       run: {@code as: class} (top-level declarations; {@code before:} may add stubs beside them)
 *       or {@code as: members of HEADER} (members of a class declared by {@code HEADER}, e.g.
 *       {@code abstract class Fixture implements BackendFixture}). The kit's packages are imported
 *       too.
 * </ul>
 *
 * A block that calls {@code System.exit} on success ends this JVM, and with it the build.
 */
class DocsSnippetsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern BLOCK =
      Pattern.compile(
          "(?:<!--\\s*snippet-test\\s*\\n(.*?)-->\\s*\\n)?```java\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern URL = Pattern.compile("\"(zk|etcd)://[^\"/]*(/[^\"]*)\"");
  private static final List<String> IMPORTS =
      List.of(
          "org.masterha.ha.*",
          "org.masterha.ha.leader.*",
          "org.masterha.ha.group.*",
          "org.masterha.ha.state.*",
          "org.masterha.proto.*",
          "org.masterha.masterinfo.*",
          "org.masterha.client.*",
          "java.util.*",
          "java.util.concurrent.*",
          "java.time.*",
          "java.nio.file.*",
          "java.nio.charset.*");
  private static final List<String> KIT_IMPORTS =
      List.of("org.masterha.tck.*", "org.masterha.tck.net.*", "java.util.function.*");

  @TempDir static Path dir;
  private static EmbeddedZooKeeper zookeeper;
  private static EtcdServer etcd;

  record Snippet(Path file, int line, String before, String code, String after, String as) {
    String name() {
      return ROOT.relativize(file) + ":" + line;
    }

    boolean uses(String scheme) {
      return (before + code + after).contains("\"" + scheme + "://");
    }
  }

  @BeforeAll
  static void startStores() throws Exception {
    zookeeper = EmbeddedZooKeeper.start(dir.resolve("zk"));
    if (EtcdServer.available(EtcdServer.DEFAULT_BINARY)) {
      etcd = EtcdServer.start(EtcdServer.DEFAULT_BINARY, dir.resolve("etcd"));
    }
  }

  @AfterAll
  static void stopStores() {
    if (zookeeper != null) {
      zookeeper.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  static List<Snippet> snippets() throws IOException {
    List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    List<Snippet> all = new ArrayList<>();
    for (Path page : pages) {
      String text = Files.readString(page, StandardCharsets.UTF_8);
      Matcher m = BLOCK.matcher(text);
      while (m.find()) {
        String directives = m.group(1) == null ? "" : m.group(1);
        int line = (int) text.substring(0, m.start(2)).lines().count();
        all.add(
            new Snippet(
                page,
                line,
                section(directives, "before:"),
                m.group(2),
                section(directives, "after:"),
                directives
                    .lines()
                    .map(String::strip)
                    .filter(l -> l.startsWith("as:"))
                    .map(l -> l.substring(3).strip())
                    .findFirst()
                    .orElse("")));
      }
    }
    return all;
  }

  /** The lines after {@code name} up to the next section (or the end). */
  private static String section(String directives, String name) {
    StringBuilder out = new StringBuilder();
    boolean in = false;
    for (String l : directives.lines().toList()) {
      String t = l.strip();
      if (t.startsWith("as:")) {
        in = false;
      } else if (t.equals("before:") || t.equals("after:")) {
        in = t.equals(name);
      } else if (in) {
        out.append(l).append('\n');
      }
    }
    return out.toString();
  }

  @TestFactory
  Stream<DynamicTest> everyJavaExampleCompilesAndRuns() throws IOException {
    List<Snippet> all = snippets();
    assertThat(all).as("java blocks in README.md and docs/").isNotEmpty();
    assertThat(all)
        .as("the README's example")
        .anySatisfy(s -> assertThat(s.file().getFileName()).hasToString("README.md"));
    List<DynamicTest> tests = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      Snippet s = all.get(i);
      int n = i;
      tests.add(DynamicTest.dynamicTest(s.name(), () -> run(s, n)));
    }
    return tests.stream();
  }

  private void run(Snippet s, int n) throws Exception {
    if (s.uses("etcd")) {
      Assumptions.assumeTrue(
          etcd != null,
          "etcd is not installed at " + EtcdServer.DEFAULT_BINARY + " (bin/test installs it)");
    }
    String className = "Snippet" + n;
    if (!s.as().isEmpty()) {
      compileDeclarations(s, n);
      return;
    }
    String source =
        IMPORTS.stream().map(i -> "import " + i + ";\n").reduce("", String::concat)
            + "public class "
            + className
            + " implements java.util.concurrent.Callable<Void> {\n"
            + "  static void check(boolean ok, String what) {\n"
            + "    if (!ok) {\n"
            + "      throw new AssertionError(\""
            + s.name()
            + " does not do what the text says: \" + what);\n"
            + "    }\n"
            + "  }\n\n"
            + "  @Override\n"
            + "  public Void call() throws Exception {\n"
            + rewrite(s.before(), n)
            + "// ---- "
            + s.name()
            + "\n"
            + rewrite(s.code(), n)
            + "// ----\n"
            + rewrite(s.after(), n)
            + "    return null;\n"
            + "  }\n"
            + "}\n";
    Path classes = compile(s, n, className, source);
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      @SuppressWarnings("unchecked")
      Callable<Void> body =
          (Callable<Void>) loader.loadClass(className).getDeclaredConstructor().newInstance();
      body.call();
    }
  }

  /**
   * A block of declarations ({@code as: class} or {@code as: members of HEADER}): compiled only.
   */
  private void compileDeclarations(Snippet s, int n) throws Exception {
    String imports =
        Stream.concat(IMPORTS.stream(), KIT_IMPORTS.stream())
            .map(i -> "import " + i + ";\n")
            .reduce("", String::concat);
    String source;
    String className;
    if (s.as().equals("class")) {
      className = "SnippetDeclarations" + n;
      source =
          imports
              + s.before()
              + "\n// ---- "
              + s.name()
              + "\n"
              + s.code()
              + "\nclass "
              + className
              + " {}\n";
    } else if (s.as().startsWith("members of ")) {
      String header = s.as().substring("members of ".length());
      Matcher name = Pattern.compile("class\\s+(\\w+)").matcher(header);
      assertThat(name.find())
          .as("%s: 'as: members of' names a class: %s", s.name(), header)
          .isTrue();
      className = name.group(1);
      source =
          imports + header + " {\n" + s.before() + "// ---- " + s.name() + "\n" + s.code() + "}\n";
    } else {
      throw new AssertionError(
          s.name()
              + ": unknown 'as: "
              + s.as()
              + "'; accepted: 'as: class', 'as: members of HEADER'");
    }
    compile(s, n, className, source);
  }

  private static Path compile(Snippet s, int n, String className, String source)
      throws IOException {
    Path src = Files.createDirectories(dir.resolve("src" + n)).resolve(className + ".java");
    Files.writeString(src, source, StandardCharsets.UTF_8);
    Path classes = Files.createDirectories(dir.resolve("classes" + n));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    boolean compiled =
        javac
            .getTask(
                diagnostics,
                null,
                null,
                List.of(
                    "-classpath",
                    System.getProperty("java.class.path"),
                    "-d",
                    classes.toString(),
                    "-proc:none",
                    "-Xlint:none"),
                null,
                javac
                    .getStandardFileManager(null, null, StandardCharsets.UTF_8)
                    .getJavaFileObjects(src))
            .call();
    assertThat(compiled)
        .as("%s compiles; javac says:%n%s%nthe source:%n%s", s.name(), diagnostics, source)
        .isTrue();
    return classes;
  }

  /**
   * HA URLs to this test's servers, under a base path of the block's own; /etc/masterha/ into the
   * temporary directory.
   */
  private static String rewrite(String code, int n) throws IOException {
    Matcher m = URL.matcher(code);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String base = "/snippet" + n + m.group(2);
      String url = m.group(1).equals("zk") ? zookeeper.url(base) : etcd.url(base);
      m.appendReplacement(out, Matcher.quoteReplacement("\"" + url + "\""));
    }
    m.appendTail(out);
    Path etc = Files.createDirectories(dir.resolve("etc-masterha"));
    return out.toString().replace("\"/etc/masterha/", "\"" + etc + "/");
  }
}

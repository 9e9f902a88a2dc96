package org.masterha.demo.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.masterha.demo.launcher.JvmProcess;

/**
 * One short-lived command (resolve, a master with bad flags) run as a real process with the test's
 * class path and the environment given, to its end: its exit code and what it printed.
 */
record CommandLine(int exitCode, String out, String err) {
  static CommandLine run(
      Path dir,
      String name,
      String mainClass,
      Map<String, String> env,
      List<String> args,
      Duration timeout)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JvmProcess.JVM_FLAGS);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    Files.createDirectories(dir);
    Path out = dir.resolve(name + ".out");
    Path err = dir.resolve(name + ".err");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(
          name + " did not end within " + timeout + "; its output is in " + dir);
    }
    return new CommandLine(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** {@code masterha resolve} with these arguments. */
  static CommandLine resolve(Path dir, String name, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    return run(
        dir,
        name,
        "org.masterha.tools.resolve.ResolveMain",
        env,
        List.of(args),
        Duration.ofSeconds(90));
  }
}

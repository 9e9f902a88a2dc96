package org.masterha.demo.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * What a process prints when it fails: one line with a message, never a Java class name (unless it
 * is a bug).
 */
class CliTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String err() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aFailureIsItsMessageWithoutTheClassName() {
    int code =
        Cli.run(
            "masterha x",
            "Usage: x\n",
            err,
            () -> {
              throw new ExecutionException(
                  new CompletionException(new IOException("the disk is full")));
            });
    assertThat(code).isEqualTo(Cli.EXIT_FAILURE);
    assertThat(err()).isEqualTo("masterha x: the disk is full" + System.lineSeparator());
  }

  @Test
  void anExitExceptionChoosesTheCodeAndPrintsNoUsage() {
    int code =
        Cli.run(
            "masterha x",
            "Usage: x\n",
            err,
            () -> {
              throw new ExitException(
                  Cli.EXIT_USAGE, "the agent at 127.0.0.1:1 could not be reached");
            });
    assertThat(code).isEqualTo(Cli.EXIT_USAGE);
    assertThat(err())
        .isEqualTo(
            "masterha x: the agent at 127.0.0.1:1 could not be reached" + System.lineSeparator());
  }

  @Test
  void aUsageErrorIsFollowedByTheUsage() {
    int code =
        Cli.run(
            "masterha x",
            "Usage: x\n",
            err,
            () -> {
              throw new UsageException("flag --y is not accepted");
            });
    assertThat(code).isEqualTo(Cli.EXIT_USAGE);
    assertThat(err()).startsWith("masterha x: flag --y is not accepted").contains("Usage: x");
  }

  @Test
  void onlyAMessagelessExceptionNamesItsClass() {
    assertThat(Cli.message(new RuntimeException(new IllegalStateException("stopped"))))
        .isEqualTo("stopped");
    assertThat(Cli.message(new NullPointerException()))
        .contains("NullPointerException")
        .contains("bug");
  }
}

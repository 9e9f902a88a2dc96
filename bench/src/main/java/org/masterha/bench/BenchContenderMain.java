package org.masterha.bench;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The crash-failover scenario's leader, a JVM of its own: contends with one recipe and waits to be
 * killed. Arguments: store, endpoint, recipe ({@code masterha} or {@code raw}), path, id, session
 * timeout in milliseconds.
 */
public final class BenchContenderMain {
  private BenchContenderMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println(
          "usage: BenchContenderMain STORE ENDPOINT masterha|raw PATH ID SESSION_TIMEOUT_MS");
      System.exit(2);
    }
    BenchMain.quietLogging();
    Recipe recipe = Recipes.of(args[0], args[1], args[2]);
    Recipe.Candidate c =
        recipe.candidate(args[3], args[4], Duration.ofMillis(Long.parseLong(args[5])));
    c.contend().thenRun(() -> System.out.println("ELECTED " + args[4]));
    System.out.println("CONTENDING " + args[4]);
    new CountDownLatch(1).await(); // until killed
  }
}

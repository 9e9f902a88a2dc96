package org.masterha.tck;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle under every contract test class: one fixture (server or cluster) serves all tests
 * of the class, started before the first and closed after the last; each test gets a base path of
 * its own, and the clients and detectors it opened are closed after it, so tests do not see each
 * other.
 *
 * <p>{@link ConformanceSuite} runs every contract. A class that runs only some of them extends this
 * one and implements those, e.g. a cluster fixture that only needs the fault tests:
 *
 * <pre>{@code
 * class ZooKeeperClusterFaultTest extends FixtureLifecycle implements SessionFaultContract {
 *   @Override
 *   protected BackendFixture createFixture() {
 *     return ZooKeeperFixture.ensemble();
 *   }
 * }
 * }</pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public abstract class FixtureLifecycle implements FixtureAccess {
  private static final Logger log = LoggerFactory.getLogger(FixtureLifecycle.class);

  private final AtomicInteger testNumber = new AtomicInteger();
  private final Deque<AutoCloseable> resources = new ConcurrentLinkedDeque<>();
  private BackendFixture fixture;
  private ScheduledExecutorService executor;
  private volatile String basePath;

  /** The fixture for this class's tests; the suite starts it and closes it. */
  protected abstract BackendFixture createFixture() throws Exception;

  /**
   * The session timeout of the tests' clients: short, so that fault tests are quick. A backend
   * whose store cannot honour it (Consul's {@code session_ttl_min}) overrides this.
   */
  protected Duration sessionTimeout() {
    return Duration.ofSeconds(3);
  }

  @BeforeAll
  final void startFixture() throws Exception {
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(
            4,
            r -> {
              Thread t = new Thread(r, "tck-" + getClass().getSimpleName());
              t.setDaemon(true);
              return t;
            });
    pool.setRemoveOnCancelPolicy(true);
    executor = pool;
    fixture = Objects.requireNonNull(createFixture(), "createFixture() returned null");
    log.info(
        "Starting {} fixture for {} (session timeout {})",
        fixture.backend(),
        getClass().getSimpleName(),
        sessionTimeout());
    fixture.start();
  }

  @AfterAll
  final void stopFixture() throws Exception {
    try {
      if (fixture != null) {
        fixture.close();
      }
    } finally {
      if (executor != null) {
        executor.shutdownNow();
      }
    }
  }

  @BeforeEach
  final void nameTest(TestInfo info) {
    String name = info.getTestMethod().map(java.lang.reflect.Method::getName).orElse("test");
    basePath = "/tck/" + name + "-" + testNumber.incrementAndGet();
    log.info("{}: base path {}", name, basePath);
  }

  @AfterEach
  final void closeTestResources() throws Exception {
    List<Exception> failures = new ArrayList<>();
    AutoCloseable r;
    while ((r = resources.pollFirst()) != null) {
      try {
        r.close();
      } catch (Exception e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      Exception first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }

  @Override
  public final BackendFixture fixture() {
    return fixture;
  }

  @Override
  public final Duration testSessionTimeout() {
    return sessionTimeout();
  }

  @Override
  public final String basePath() {
    return basePath;
  }

  @Override
  public final <T extends AutoCloseable> T closeAfterTest(T resource) {
    resources.addFirst(Objects.requireNonNull(resource, "resource"));
    return resource;
  }

  @Override
  public final ScheduledExecutorService executor() {
    return executor;
  }
}

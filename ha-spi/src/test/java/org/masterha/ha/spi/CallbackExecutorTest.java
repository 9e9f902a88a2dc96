package org.masterha.ha.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CallbackExecutorTest {
  @Test
  void callbacksThatBlockHoldUpNoOtherCallback() throws Exception {
    Executor executor = CallbackExecutor.newDefaultExecutor("test-callbacks");
    CountDownLatch release = new CountDownLatch(1);
    int blocking = 3 * CallbackExecutor.BASE_THREADS;
    CountDownLatch blocked = new CountDownLatch(blocking);
    try {
      for (int i = 0; i < blocking; i++) {
        executor.execute(
            () -> {
              blocked.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
      }
      CountDownLatch ran = new CountDownLatch(100);
      for (int i = 0; i < 100; i++) {
        executor.execute(ran::countDown);
      }
      assertThat(blocked.await(30, TimeUnit.SECONDS))
          .as("every blocking callback runs, each on a thread of its own")
          .isTrue();
      assertThat(ran.await(30, TimeUnit.SECONDS))
          .as("callbacks queued behind blocking ones still run")
          .isTrue();
    } finally {
      release.countDown();
    }
  }

  @Test
  void manyQuickCallbacksRunOnAFewThreads() throws Exception {
    Executor executor = CallbackExecutor.newDefaultExecutor("test-callbacks");
    int n = 10_000;
    CountDownLatch ran = new CountDownLatch(n);
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < n; i++) {
      executor.execute(
          () -> {
            threads.add(Thread.currentThread());
            ran.countDown();
          });
    }
    assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(threads).allSatisfy(t -> assertThat(t.isDaemon()).isTrue());
    assertThat(threads.size())
        .as("threads for %d quick callbacks (one more only when none starts for a while)", n)
        .isLessThan(n / 10);
  }
}

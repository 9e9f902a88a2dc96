package org.masterha.consul.fake;

/**
 * The monotonic clock behind the fake's session TTLs and lock-delays.
 *
 * <p>Real time ({@link #system()}, backed by {@link System#nanoTime()}) by default. Tests that must
 * not wait for a TTL can pass a {@link ManualClock} and advance it instead. Blocking-query waits
 * ({@code ?wait=}) always use real time: they are about HTTP timing, not about Consul state.
 */
public interface FakeClock {

  /** Monotonic nanoseconds; only differences are meaningful. */
  long nanoTime();

  /**
   * Registers a callback run after the clock jumps forward, so that expiries due at the new time
   * happen at once rather than on the fake's next poll. A real-time clock never jumps: no-op.
   */
  default void onAdvance(Runnable listener) {}

  /** Removes a callback registered with {@link #onAdvance(Runnable)}. */
  default void removeOnAdvance(Runnable listener) {}

  static FakeClock system() {
    return System::nanoTime;
  }
}

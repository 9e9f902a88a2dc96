package org.masterha.tck;

import java.util.Objects;

/**
 * One fault a fixture can inject: {@link #inject} starts it, {@link #heal} ends it. A fault on one
 * client ({@link Fault#CUT_CONNECTION}, {@link Fault#LOSE_ANSWER}, {@link Fault#EXPIRE_SESSION})
 * acts on the client given; a fault on the servers ({@link Fault#RESTART_SERVERS}, {@link
 * Fault#STOP_LEADER_SERVER}) ignores it, so tests call {@link #inject()} and {@link #heal()}.
 * Healing a fault that cannot be undone (an expired session, a restart that is over when {@code
 * inject} returns) does nothing.
 *
 * <p>Build one with {@link #onClient} or {@link #onServers}, e.g. a fixture whose clients are
 * {@link ProxiedClient}s offers {@link ProxiedClient#CUT} and {@link ProxiedClient#LOSE_ANSWER}.
 */
public interface FaultInjector {
  /** Starts the fault on {@code client}, or on the servers for a fault on the servers. */
  void inject(TestClient client) throws Exception;

  /** Ends what {@link #inject} started. */
  void heal(TestClient client) throws Exception;

  /** Starts a fault on the servers. */
  default void inject() throws Exception {
    inject(null);
  }

  /** Ends a fault on the servers. */
  default void heal() throws Exception {
    heal(null);
  }

  /** Something done to one client, or to the servers. */
  @FunctionalInterface
  interface Action<T> {
    void run(T target) throws Exception;
  }

  /** A fault on the client given, with nothing to undo when {@code heal} is null. */
  static FaultInjector onClient(Action<TestClient> inject, Action<TestClient> heal) {
    Objects.requireNonNull(inject, "inject");
    return new FaultInjector() {
      @Override
      public void inject(TestClient client) throws Exception {
        inject.run(Objects.requireNonNull(client, "this fault acts on one client: give it"));
      }

      @Override
      public void heal(TestClient client) throws Exception {
        if (heal != null) {
          heal.run(Objects.requireNonNull(client, "this fault acts on one client: give it"));
        }
      }
    };
  }

  /** A fault on the servers, with nothing to undo when {@code heal} is null. */
  static FaultInjector onServers(Action<Void> inject, Action<Void> heal) {
    Objects.requireNonNull(inject, "inject");
    return new FaultInjector() {
      @Override
      public void inject(TestClient ignored) throws Exception {
        inject.run(null);
      }

      @Override
      public void heal(TestClient ignored) throws Exception {
        if (heal != null) {
          heal.run(null);
        }
      }
    };
  }
}

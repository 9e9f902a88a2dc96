package org.masterha.ha.spi;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.masterha.ha.state.State;
import org.masterha.ha.state.Variable;

/** A backend's state store as callers get it: every answer on the {@link CallbackExecutor}. */
public final class CallbackState implements State {
  private final State state;
  private final CallbackExecutor callbacks;

  public CallbackState(State state, CallbackExecutor callbacks) {
    this.state = state;
    this.callbacks = callbacks;
  }

  @Override
  public CompletableFuture<Variable> fetch(String name) {
    return callbacks.relay(state.fetch(name));
  }

  @Override
  public CompletableFuture<Optional<Variable>> store(Variable current, byte[] value) {
    return callbacks.relay(state.store(current, value));
  }

  @Override
  public CompletableFuture<Boolean> expunge(Variable current) {
    return callbacks.relay(state.expunge(current));
  }

  @Override
  public CompletableFuture<Set<String>> names() {
    return callbacks.relay(state.names());
  }

  @Override
  public int maxValueBytes() {
    return state.maxValueBytes();
  }

  @Override
  public String toString() {
    return state.toString();
  }
}

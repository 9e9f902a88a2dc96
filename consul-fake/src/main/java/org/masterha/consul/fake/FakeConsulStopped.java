package org.masterha.consul.fake;

/**
 * Thrown into a request that was waiting (blocking query or paused) when the fake was stopped: the
 * request is dropped without a response, as a crashed server's connections are.
 */
final class FakeConsulStopped extends RuntimeException {

  FakeConsulStopped() {
    super("FakeConsul was stopped while this request was waiting", null, false, false);
  }
}

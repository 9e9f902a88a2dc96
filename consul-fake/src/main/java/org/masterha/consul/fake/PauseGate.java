package org.masterha.consul.fake;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The "frozen server" fault: while paused, requests are held before they are handled and again
 * before their response is written, so a client sees a server that accepts connections but never
 * answers. Resuming lets them all through; stopping the fake drops them.
 */
final class PauseGate {

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition opened = lock.newCondition();
  private boolean paused;
  private long epoch;
  private int parked;

  void pause() {
    lock.lock();
    try {
      paused = true;
    } finally {
      lock.unlock();
    }
  }

  void resume() {
    lock.lock();
    try {
      paused = false;
      opened.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Drops every parked request (the fake is stopping); the pause itself stays as set. */
  void dropParked() {
    lock.lock();
    try {
      epoch++;
      opened.signalAll();
    } finally {
      lock.unlock();
    }
  }

  boolean isPaused() {
    lock.lock();
    try {
      return paused;
    } finally {
      lock.unlock();
    }
  }

  /** How many requests are currently held by the pause: lets tests wait for "it is hanging". */
  int parked() {
    lock.lock();
    try {
      return parked;
    } finally {
      lock.unlock();
    }
  }

  void awaitOpen() {
    lock.lock();
    try {
      long myEpoch = epoch;
      while (paused && epoch == myEpoch) {
        parked++;
        try {
          opened.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new FakeConsulStopped();
        } finally {
          parked--;
        }
      }
      if (epoch != myEpoch) {
        throw new FakeConsulStopped();
      }
    } finally {
      lock.unlock();
    }
  }
}

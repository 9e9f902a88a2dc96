package org.masterha.demo.master;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import org.masterha.proto.v1.LeaderEvent;

/**
 * The open WatchLeader streams. Each gets the current leader at once, then every change.
 * Synchronised so a new stream's first event and a concurrent change are never interleaved out of
 * order on one stream.
 */
final class LeaderWatchers {
  private final List<StreamObserver<LeaderEvent>> streams = new ArrayList<>();
  private LeaderEvent last;
  private boolean closed;

  synchronized void add(StreamObserver<LeaderEvent> stream) {
    if (closed) {
      stream.onError(
          io.grpc.Status.UNAVAILABLE.withDescription("master is stopping").asRuntimeException());
      return;
    }
    if (stream instanceof ServerCallStreamObserver<LeaderEvent> s) {
      s.setOnCancelHandler(() -> remove(stream));
    }
    streams.add(stream);
    if (last != null) {
      send(stream, last);
    }
  }

  synchronized void publish(LeaderEvent event) {
    last = event;
    for (StreamObserver<LeaderEvent> s : List.copyOf(streams)) {
      send(s, event);
    }
  }

  synchronized void close() {
    closed = true;
    for (StreamObserver<LeaderEvent> s : streams) {
      try {
        s.onCompleted();
      } catch (RuntimeException e) {
        // Already cancelled by the client.
      }
    }
    streams.clear();
  }

  private synchronized void remove(StreamObserver<LeaderEvent> stream) {
    streams.remove(stream);
  }

  private void send(StreamObserver<LeaderEvent> s, LeaderEvent event) {
    try {
      s.onNext(event);
    } catch (RuntimeException e) {
      // The client went away; its cancel handler may not have run yet.
      streams.remove(s);
    }
  }
}

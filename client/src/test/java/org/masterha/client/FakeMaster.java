package org.masterha.client;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.masterha.masterinfo.MasterInfos;
import org.masterha.proto.v1.Leader;
import org.masterha.proto.v1.LeaderEvent;
import org.masterha.proto.v1.MasterServiceGrpc;
import org.masterha.proto.v1.WatchLeaderRequest;

/**
 * A fake of a master's MasterService over real gRPC on loopback: each WatchLeader stream gets the
 * event the test set last (or nothing while {@code silent}), then what the test sends; for protocol
 * cases a real master does not produce on demand (a stale master's older epoch, a frozen master's
 * silence).
 */
final class FakeMaster implements AutoCloseable {
  private final List<ServerCallStreamObserver<LeaderEvent>> streams = new CopyOnWriteArrayList<>();
  private final AtomicInteger opened = new AtomicInteger();
  private final AtomicInteger cancelled = new AtomicInteger();
  private final Server server;
  private volatile LeaderEvent last;
  private volatile boolean silent;

  FakeMaster(Optional<SslContext> tls) throws IOException {
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    tls.ifPresent(b::sslContext);
    server =
        b.addService(
                new MasterServiceGrpc.MasterServiceImplBase() {
                  @Override
                  public void watchLeader(
                      WatchLeaderRequest request, StreamObserver<LeaderEvent> response) {
                    ServerCallStreamObserver<LeaderEvent> s =
                        (ServerCallStreamObserver<LeaderEvent>) response;
                    s.setOnCancelHandler(
                        () -> {
                          cancelled.incrementAndGet();
                          streams.remove(s);
                        });
                    synchronized (FakeMaster.this) {
                      streams.add(s);
                      opened.incrementAndGet();
                      if (!silent && last != null) {
                        s.onNext(last);
                      }
                    }
                  }
                })
            .build()
            .start();
  }

  FakeMaster() throws IOException {
    this(Optional.empty());
  }

  static LeaderEvent leader(String id, int port, long epoch) {
    return LeaderEvent.newBuilder()
        .setLeader(
            Leader.newBuilder()
                .setInfo(MasterInfos.of(id, "127.0.0.1", port, "localhost", "1.0.0"))
                .setEpoch(epoch))
        .build();
  }

  static LeadingMaster leading(String id, int port, long epoch) {
    Leader l = leader(id, port, epoch).getLeader();
    return new LeadingMaster(l.getInfo(), l.getEpoch());
  }

  String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  /** Streams opened so far. */
  int opened() {
    return opened.get();
  }

  /** Streams the client cancelled. */
  int cancelled() {
    return cancelled.get();
  }

  /** New streams get nothing, like a frozen master's. */
  FakeMaster silent() {
    silent = true;
    return this;
  }

  /** Sends {@code event} on every open stream and to every stream opened later. */
  synchronized void send(LeaderEvent event) {
    last = event;
    for (ServerCallStreamObserver<LeaderEvent> s : streams) {
      s.onNext(event);
    }
  }

  /** Ends every open stream as a master going away does. */
  synchronized void endStreams() {
    for (ServerCallStreamObserver<LeaderEvent> s : streams) {
      s.onError(Status.UNAVAILABLE.withDescription("master is stopping").asRuntimeException());
    }
    streams.clear();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}

package org.masterha.etcd;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gRPC relay in front of one etcd member that can lose one answer: the next {@code KV/Txn} is passed on and
 * applied by etcd, and then the call fails with {@code UNAVAILABLE} instead of carrying etcd's answer back, as when
 * a connection dies after etcd applied a write and before its answer arrived. Every other call, unary or
 * streaming, is relayed as is, message for message.
 */
final class AnswerLosingRelay implements AutoCloseable {
  private static final String TXN = "etcdserverpb.KV/Txn";
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private final ManagedChannel upstream;
  private final Server server;
  private final AtomicBoolean loseNextTxnAnswer = new AtomicBoolean();
  private final AtomicInteger txns = new AtomicInteger();

  private AnswerLosingRelay(int etcdPort) throws IOException {
    upstream = NettyChannelBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), etcdPort)).usePlaintext().build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .fallbackHandlerRegistry(new HandlerRegistry() {
          @Override
          public ServerMethodDefinition<?, ?> lookupMethod(String method, String authority) {
            MethodDescriptor<byte[], byte[]> descriptor = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNKNOWN)
                .setFullMethodName(method)
                .setRequestMarshaller(BYTES)
                .setResponseMarshaller(BYTES)
                .build();
            return ServerMethodDefinition.create(descriptor, relay(descriptor));
          }
        })
        .build()
        .start();
  }

  /** A relay to the plaintext etcd member on {@code etcdPort}. */
  static AnswerLosingRelay start(int etcdPort) throws IOException {
    return new AnswerLosingRelay(etcdPort);
  }

  /** The endpoint, {@code 127.0.0.1:port}. */
  String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  /** The next transaction is applied and its answer lost. */
  void loseNextTxnAnswer() {
    loseNextTxnAnswer.set(true);
  }

  /** How many transactions went through to etcd. */
  int txns() {
    return txns.get();
  }

  private ServerCallHandler<byte[], byte[]> relay(MethodDescriptor<byte[], byte[]> method) {
    return (serverCall, headers) -> {
      boolean loseAnswer = method.getFullMethodName().equals(TXN) && loseNextTxnAnswer.getAndSet(false);
      if (method.getFullMethodName().equals(TXN)) {
        txns.incrementAndGet();
      }
      ClientCall<byte[], byte[]> call = upstream.newCall(method, CallOptions.DEFAULT);
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onHeaders(Metadata h) {
          synchronized (serverCall) {
            serverCall.sendHeaders(h);
          }
        }

        @Override
        public void onMessage(byte[] message) {
          if (!loseAnswer) {
            synchronized (serverCall) {
              serverCall.sendMessage(message);
            }
          }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          synchronized (serverCall) {
            if (loseAnswer) {
              serverCall.close(Status.UNAVAILABLE.withDescription("connection lost after the request was sent (test relay)"), new Metadata());
            } else {
              serverCall.close(status, trailers);
            }
          }
        }
      }, headers);
      call.request(Integer.MAX_VALUE);
      synchronized (serverCall) {
        serverCall.request(Integer.MAX_VALUE);
      }
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(byte[] message) {
          call.sendMessage(message);
        }

        @Override
        public void onHalfClose() {
          call.halfClose();
        }

        @Override
        public void onCancel() {
          call.cancel("the client cancelled", null);
        }
      };
    };
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    upstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}

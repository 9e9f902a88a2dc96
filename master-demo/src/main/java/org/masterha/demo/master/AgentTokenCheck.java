package org.masterha.demo.master;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.masterha.demo.common.AgentTokens;
import org.masterha.demo.common.Events;
import org.masterha.ha.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a call through only if it carries the agents' token ({@code authorization: Bearer <token>},
 * compared in constant time); every other call is answered {@code UNAUTHENTICATED} before the
 * service sees it. Put in front of {@code AgentRegistry} (Register, Heartbeat) only: the read-only
 * calls stay open. Neither the answer, nor the log line, nor the event says anything of the token
 * expected or the one presented.
 */
final class AgentTokenCheck implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(AgentTokenCheck.class);

  /**
   * At most one warning (and event) a second, so that a client hammering the master cannot flood
   * its log; the next one counts the calls refused in between.
   */
  private static final long WARN_EVERY_NANOS = 1_000_000_000L;

  private final Secret token;
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
  private final AtomicLong unreported = new AtomicLong();
  private volatile Events events;

  AgentTokenCheck(Secret token) {
    this.token = token;
  }

  void events(Events events) {
    this.events = events;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String presented = headers.get(AgentTokens.AUTHORIZATION);
    if (AgentTokens.matches(presented, token)) {
      return next.startCall(call, headers);
    }
    String why =
        presented == null
            ? "no agent token was presented"
            : "the agent token presented was not accepted";
    String method = call.getMethodDescriptor().getBareMethodName();
    String peer = peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    report(method, peer, why);
    call.close(
        Status.UNAUTHENTICATED.withDescription(
            why
                + "; this master requires the agents' token on "
                + method
                + " (give the agent --token-file=PATH or --token-env=VAR)"),
        new Metadata());
    return new ServerCall.Listener<>() {};
  }

  private void report(String method, String peer, String why) {
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (now - last < WARN_EVERY_NANOS || !lastWarning.compareAndSet(last, now)) {
      unreported.incrementAndGet();
      return;
    }
    long more = unreported.getAndSet(0);
    Events e = events;
    if (e != null) {
      e.emit(
          "agent-refused",
          "call",
          method,
          "peer",
          peer,
          "status",
          "UNAUTHENTICATED",
          "reason",
          why,
          "more_refused",
          more);
    }
    log.warn(
        "Refusing {} from {} with UNAUTHENTICATED: {}{}",
        method,
        peer,
        why,
        more > 0 ? " (and " + more + " more calls refused since the last warning)" : "");
  }

  private static String peer(Object address) {
    return address instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress() + ":" + a.getPort()
        : String.valueOf(address);
  }
}

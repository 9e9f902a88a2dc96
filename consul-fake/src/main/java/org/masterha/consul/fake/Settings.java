package org.masterha.consul.fake;

import java.time.Duration;

/**
 * The agent configuration the handlers consult. Only the session TTL minimum can change at run time
 * ({@link FakeConsul#setSessionTtlMin(Duration)}), hence the volatile fields.
 */
final class Settings {

  /** Consul's default session_ttl_min. */
  static final long DEFAULT_TTL_MIN_NANOS = Duration.ofSeconds(10).toNanos();

  /** structs.SessionTTLMax: 24h, printed by Go as "24h0m0s". */
  static final long TTL_MAX_NANOS = Duration.ofHours(24).toNanos();

  /** Consul's kv_max_value_size default (raft's suggested max size). */
  static final int DEFAULT_MAX_VALUE_SIZE = 512 * 1024;

  /** Consul's txn_max_req_len default (raft's suggested max size): the whole /v1/txn body. */
  static final int DEFAULT_TXN_MAX_REQ_LEN = 512 * 1024;

  /** Consul's maxTxnOps. */
  static final int MAX_TXN_OPS = 128;

  /** Consul's default LockDelay for a session created without one. */
  static final long DEFAULT_LOCK_DELAY_NANOS = Duration.ofSeconds(15).toNanos();

  /** Consul's structs.SerfCheckID, the node check every default session is bound to. */
  static final String SERF_CHECK = "serfHealth";

  final String nodeName;
  final String datacenter;
  final int maxValueSize;
  final int txnMaxReqLen;
  final boolean jitter;
  private volatile long sessionTtlMinNanos;

  /**
   * Whether session_ttl_min was configured; DebugConfig reports "0s" when it was not, like Consul.
   */
  private volatile boolean sessionTtlMinConfigured;

  Settings(
      String nodeName,
      String datacenter,
      int maxValueSize,
      int txnMaxReqLen,
      boolean jitter,
      Duration sessionTtlMin) {
    this.nodeName = nodeName;
    this.datacenter = datacenter;
    this.maxValueSize = maxValueSize;
    this.txnMaxReqLen = txnMaxReqLen;
    this.jitter = jitter;
    setSessionTtlMin(sessionTtlMin);
  }

  /**
   * The largest /v1/txn body Consul accepts (agent/txn_endpoint.go): txn_max_req_len, or
   * kv_max_value_size when that is larger ("for backward compatibility").
   */
  int txnBodyLimit() {
    return Math.max(txnMaxReqLen, maxValueSize);
  }

  long sessionTtlMinNanos() {
    return sessionTtlMinNanos;
  }

  /** null means "not configured": Consul's default of 10s applies. */
  void setSessionTtlMin(Duration min) {
    if (min != null && (min.isNegative() || min.isZero())) {
      throw new IllegalArgumentException("session TTL minimum must be positive: " + min);
    }
    sessionTtlMinConfigured = min != null;
    sessionTtlMinNanos = min == null ? DEFAULT_TTL_MIN_NANOS : min.toNanos();
  }

  /** What Consul's agent/self DebugConfig shows: the configured value, "0s" when unset. */
  String debugConfigSessionTtlMin() {
    return sessionTtlMinConfigured ? GoDuration.format(sessionTtlMinNanos) : "0s";
  }
}

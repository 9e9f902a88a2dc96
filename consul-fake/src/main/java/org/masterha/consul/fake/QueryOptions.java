package org.masterha.consul.fake;

/**
 * The query options Consul's {@code parse} reads for reads: consistency mode, blocking index and
 * wait, and the datacenter. Errors use Consul's texts and status codes.
 */
record QueryOptions(long minIndex, long waitNanos, String consistency) {

  static QueryOptions parse(ApiRequest r, String datacenter, boolean jitter) {
    checkDatacenter(r, datacenter);
    boolean stale = r.has("stale");
    boolean consistent = r.has("consistent");
    if (stale && consistent) {
      throw ConsulHttpException.badRequest(
          "Cannot specify ?stale with ?consistent, conflicting semantics.");
    }
    long wait = 0;
    if (!r.param("wait").isEmpty()) {
      try {
        wait = GoDuration.parseNanos(r.param("wait"));
      } catch (IllegalArgumentException e) {
        throw ConsulHttpException.badRequest("Invalid wait time");
      }
    }
    long index = 0;
    if (!r.param("index").isEmpty()) {
      try {
        index = Long.parseUnsignedLong(r.param("index"));
      } catch (NumberFormatException e) {
        throw ConsulHttpException.badRequest("Invalid index");
      }
    }
    String mode = stale ? "stale" : consistent ? "consistent" : "leader";
    return new QueryOptions(index, BlockingQuery.effectiveWait(wait, jitter), mode);
  }

  /** The fake has one datacenter; Consul answers any other with this RPC error. */
  static void checkDatacenter(ApiRequest r, String datacenter) {
    String dc = r.param("dc");
    if (!dc.isEmpty() && !dc.equals(datacenter)) {
      throw ConsulHttpException.internal("No path to datacenter");
    }
  }
}

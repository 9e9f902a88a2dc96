package org.masterha.chaos.history;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one JSON configuration of history lines, shared by the writer and the reader. */
final class HistoryJson {
  private HistoryJson() {}

  /**
   * A new mapper for history lines. Unknown fields are ignored so that a producer may add fields
   * without breaking older checkers; a missing field is an error, because a default 0 for an epoch
   * or a time would silently change what the checker concludes.
   */
  static JsonMapper newMapper() {
    return JsonMapper.builder()
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .build();
  }
}

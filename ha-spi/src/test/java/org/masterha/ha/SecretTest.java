package org.masterha.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.masterha.ha.error.HaConfigException;

class SecretTest {
  @Test
  void toStringIsAMaskAndRevealGivesTheValue() {
    Secret secret = Secret.of("s3cr3t");

    assertThat(secret.toString()).isEqualTo("****");
    assertThat(String.valueOf(secret)).doesNotContain("s3cr3t");
    assertThat("password " + secret).isEqualTo("password ****");
    assertThat(secret.reveal()).isEqualTo("s3cr3t");
  }

  @Test
  void emptyOrNullIsRefused() {
    assertThatThrownBy(() -> Secret.of(""))
        .isInstanceOf(HaConfigException.class)
        .hasMessageContaining("must not be empty");
    assertThatThrownBy(() -> Secret.of(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void equalityIsByValue() {
    assertThat(Secret.of("a"))
        .isEqualTo(Secret.of("a"))
        .hasSameHashCodeAs(Secret.of("a"))
        .isNotEqualTo(Secret.of("b"));
  }
}

package org.masterha.demo.architecture.cycle.b;

import org.masterha.demo.architecture.cycle.a.A;

/** The other half of the deliberate package cycle. */
public class B {
  A a;
}

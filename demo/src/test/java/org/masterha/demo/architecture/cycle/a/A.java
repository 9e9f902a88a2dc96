package org.masterha.demo.architecture.cycle.a;

import org.masterha.demo.architecture.cycle.b.B;

/** Half of a deliberate package cycle: proves ArchitectureTest's rule catches one. */
public class A {
  B b;
}

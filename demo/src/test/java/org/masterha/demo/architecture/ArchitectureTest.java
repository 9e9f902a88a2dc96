package org.masterha.demo.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture as a build check, over the main code of every module (this module's test class
 * path holds them all): no package cycles anywhere, the library never depends on a backend or on
 * the demo, and no backend imports another, so a backend stays a folder of jars that can be added
 * or removed on its own.
 */
class ArchitectureTest {
  private static final List<String> BACKENDS = List.of("zookeeper", "etcd", "consul", "raft");
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.masterha");
    assertThat(main.containPackage("org.masterha.ha.spi"))
        .as("the kit is on the class path")
        .isTrue();
    for (String b : BACKENDS) {
      assertThat(main.containPackage("org.masterha." + b))
          .as("backend %s is on the class path", b)
          .isTrue();
    }
  }

  private static ArchRule noPackageCycles() {
    return slices().matching("org.masterha.(**)").should().beFreeOfCycles();
  }

  @Test
  void noPackageFormsACycle() {
    noPackageCycles().check(main);
  }

  @Test
  void theCycleRuleCatchesACycle() {
    JavaClasses withCycle =
        new ClassFileImporter().importPackages("org.masterha.demo.architecture.cycle");
    assertThat(noPackageCycles().evaluate(withCycle).hasViolation())
        .as("a deliberate cycle a -> b -> a is reported")
        .isTrue();
  }

  @Test
  void noBackendImportsAnotherBackend() {
    for (String b : BACKENDS) {
      String[] others =
          BACKENDS.stream()
              .filter(o -> !o.equals(b))
              .map(o -> "org.masterha." + o + "..")
              .toArray(String[]::new);
      noClasses()
          .that()
          .resideInAPackage("org.masterha." + b + "..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(others)
          .because("a backend is installed or removed on its own")
          .check(main);
    }
  }

  @Test
  void theLibraryDependsOnNoBackendAndNoApplication() {
    noClasses()
        .that()
        .resideInAPackage("org.masterha.ha..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.masterha.zookeeper..",
            "org.masterha.etcd..",
            "org.masterha.consul..",
            "org.masterha.demo..")
        .because("backends are found through ServiceLoader, never named by the library")
        .check(main);
  }

  @Test
  void theUserApiDoesNotDependOnTheBackendKit() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "org.masterha.ha.group..",
            "org.masterha.ha.leader..",
            "org.masterha.ha.pid..",
            "org.masterha.ha.state..",
            "org.masterha.ha.error..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.masterha.ha.spi..")
        .because("applications use the roles; only backends use the kit")
        .check(main);
  }
}

package org.masterha.demo.common;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.masterha.ha.Durations;
import org.masterha.ha.error.HaConfigException;

/**
 * Command-line flags in the Mesos style: {@code --name=value}, also {@code --name value}; boolean
 * flags as {@code --name}, {@code --name=true|false} or {@code --no-name}. Every mistake is a
 * {@link UsageException} whose message names the flag and what it accepts. Immutable once built.
 */
public final class Flags {
  /** One flag's definition. A null {@code valueName} makes it a boolean flag. */
  public record Spec(String name, String valueName, String help, String defaultValue) {
    boolean isBoolean() {
      return valueName == null;
    }
  }

  private final Map<String, Spec> specs;
  private final Map<String, String> refused;
  private final String positionalName;
  private final int maxPositionals;

  private Flags(Builder b) {
    this.specs = Collections.unmodifiableMap(new LinkedHashMap<>(b.specs));
    this.refused = Map.copyOf(b.refused);
    this.positionalName = b.positionalName;
    this.maxPositionals = b.maxPositionals;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Parsed parse(String... args) {
    Map<String, String> values = new LinkedHashMap<>();
    List<String> positionals = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h") || arg.equals("--help")) {
        values.put("help", "true");
        continue;
      }
      if (!arg.startsWith("--") || arg.equals("--")) {
        if (positionals.size() >= maxPositionals) {
          throw new UsageException(
              maxPositionals == 0
                  ? "unexpected argument '" + arg + "'; flags look like --name=value"
                  : "unexpected extra argument '"
                      + arg
                      + "'; only one "
                      + positionalName
                      + " is accepted");
        }
        positionals.add(arg);
        continue;
      }
      String body = arg.substring(2);
      int eq = body.indexOf('=');
      String name = eq < 0 ? body : body.substring(0, eq);
      String value = eq < 0 ? null : body.substring(eq + 1);
      if (refused.containsKey(name)) {
        // Before anything else, and without looking at the value (or the next argument): it may
        // be a secret that must not be echoed.
        throw new UsageException("flag --" + name + " is not accepted: " + refused.get(name));
      }
      Spec spec = specs.get(name);
      if (spec == null
          && value == null
          && name.startsWith("no-")
          && specs.containsKey(name.substring(3))
          && specs.get(name.substring(3)).isBoolean()) {
        spec = specs.get(name.substring(3));
        value = "false";
      }
      if (spec == null) {
        throw new UsageException(
            "unknown flag --"
                + name
                + "; accepted: "
                + String.join(", ", specs.keySet().stream().map(n -> "--" + n).toList()));
      }
      if (spec.isBoolean()) {
        if (value == null) {
          value = "true";
        }
        String v = value.toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
          throw new UsageException(
              "flag --"
                  + spec.name()
                  + " is a switch; accepted: --"
                  + spec.name()
                  + ", --"
                  + spec.name()
                  + "=true, --"
                  + spec.name()
                  + "=false or --no-"
                  + spec.name()
                  + " (got '"
                  + value
                  + "')");
        }
        value = v;
      } else if (value == null) {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
          throw new UsageException(
              "flag --"
                  + spec.name()
                  + " needs a value: --"
                  + spec.name()
                  + "="
                  + spec.valueName());
        }
        value = args[++i];
      }
      if (values.containsKey(spec.name())) {
        throw new UsageException("flag --" + spec.name() + " is given twice; give it once");
      }
      values.put(spec.name(), value);
    }
    return new Parsed(values, positionals);
  }

  /** The flags' help, one per line, aligned. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    int width = 0;
    List<String> left = new ArrayList<>();
    for (Spec s : specs.values()) {
      String l = "--" + s.name() + (s.isBoolean() ? "" : "=" + s.valueName());
      left.add(l);
      width = Math.max(width, l.length());
    }
    int i = 0;
    for (Spec s : specs.values()) {
      String l = left.get(i++);
      sb.append("  ").append(l).append(" ".repeat(width - l.length() + 2)).append(s.help());
      if (s.defaultValue() != null) {
        sb.append(" (default: ").append(s.defaultValue()).append(')');
      }
      sb.append('\n');
    }
    sb.append("  --help")
        .append(" ".repeat(Math.max(2, width - 6 + 2)))
        .append("print this help and exit\n");
    return sb.toString();
  }

  /** The values given on one command line; getters apply defaults and validate. */
  public final class Parsed {
    private final Map<String, String> values;
    private final List<String> positionals;

    private Parsed(Map<String, String> values, List<String> positionals) {
      this.values = values;
      this.positionals = List.copyOf(positionals);
    }

    public boolean help() {
      return values.containsKey("help");
    }

    public List<String> positionals() {
      return positionals;
    }

    public boolean given(String name) {
      return values.containsKey(spec(name).name());
    }

    /** The value given, else the default, else empty. */
    public Optional<String> get(String name) {
      Spec s = spec(name);
      return Optional.ofNullable(values.getOrDefault(name, s.defaultValue()));
    }

    public String required(String name, String example) {
      return get(name)
          .filter(v -> !v.isBlank())
          .orElseThrow(
              () ->
                  new UsageException(
                      "flag --" + name + " is required, e.g. --" + name + "=" + example));
    }

    public boolean bool(String name) {
      return get(name).map(Boolean::parseBoolean).orElse(false);
    }

    public int integer(String name, int min, int max) {
      String v = get(name).orElseThrow(() -> new UsageException("flag --" + name + " is required"));
      try {
        int n = Integer.parseInt(v.strip());
        if (n < min || n > max) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException e) {
        throw new UsageException(
            "flag --"
                + name
                + "='"
                + v
                + "' is not accepted; expected a whole number from "
                + min
                + " to "
                + max);
      }
    }

    public long longValue(String name, long min) {
      String v = get(name).orElseThrow(() -> new UsageException("flag --" + name + " is required"));
      try {
        long n = Long.parseLong(v.strip());
        if (n < min) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException e) {
        throw new UsageException(
            "flag --"
                + name
                + "='"
                + v
                + "' is not accepted; expected a whole number of at least "
                + min);
      }
    }

    public Duration duration(String name, Duration min, Duration max) {
      String v = get(name).orElseThrow(() -> new UsageException("flag --" + name + " is required"));
      Duration d;
      try {
        d = Durations.parse(v, "flag --" + name);
      } catch (HaConfigException e) {
        throw new UsageException(e.getMessage());
      }
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new UsageException(
            "flag --"
                + name
                + "="
                + v
                + " is out of range; accepted: "
                + Durations.format(min)
                + " to "
                + Durations.format(max));
      }
      return d;
    }

    private Spec spec(String name) {
      Spec s = specs.get(name);
      if (s == null) {
        throw new IllegalArgumentException("no flag --" + name + " is defined");
      }
      return s;
    }
  }

  public static final class Builder {
    private final Map<String, Spec> specs = new LinkedHashMap<>();
    private final Map<String, String> refused = new LinkedHashMap<>();
    private String positionalName = "argument";
    private int maxPositionals;

    private Builder() {}

    /** A flag that takes a value; {@code defaultValue} may be null. */
    public Builder value(String name, String valueName, String help, String defaultValue) {
      return add(new Spec(name, valueName, help, defaultValue));
    }

    /** A switch, off unless given. */
    public Builder bool(String name, String help) {
      return add(new Spec(name, null, help, null));
    }

    /**
     * A flag that is refused with {@code reason} whenever it is given, e.g. one that would put a
     * secret on the command line; its value is never read or printed. It is not in the help.
     */
    public Builder refuse(String name, String reason) {
      if (specs.containsKey(name) || refused.putIfAbsent(name, reason) != null) {
        throw new IllegalArgumentException("flag --" + name + " defined twice");
      }
      return this;
    }

    /** Accept up to {@code max} arguments that are not flags. */
    public Builder positionals(String name, int max) {
      this.positionalName = name;
      this.maxPositionals = max;
      return this;
    }

    public Builder addAll(Builder other) {
      other.specs.values().forEach(this::add);
      other.refused.forEach(this::refuse);
      return this;
    }

    private Builder add(Spec spec) {
      if (refused.containsKey(spec.name()) || specs.putIfAbsent(spec.name(), spec) != null) {
        throw new IllegalArgumentException("flag --" + spec.name() + " defined twice");
      }
      return this;
    }

    public Flags build() {
      return new Flags(this);
    }
  }
}

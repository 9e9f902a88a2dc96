package org.masterha.raft;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.masterha.ha.Durations;
import org.masterha.ha.HaConfig;
import org.masterha.ha.error.HaConfigException;

/**
 * {@code masterha raft-admin}: {@link RaftAdmin} as a command, what {@code etcdctl member} offers
 * for etcd. It lives in ha-raft rather than beside the other mains because master-demo and tools
 * must not depend on a backend, and it parses its few flags itself so that the backend's jar does
 * not depend on the processes' module (demo-common brings gRPC's Netty and logback).
 */
public final class RaftAdminMain {
  static final int EXIT_OK = 0;
  static final int EXIT_FAILURE = 1;
  static final int EXIT_USAGE = 2;

  private static final String PROGRAM = "masterha raft-admin";
  private static final List<String> ACTIONS =
      List.of("peers", "leader", "wait-serving", "add", "remove", "wipe");
  private static final List<String> FLAGS =
      List.of("--url", "--timeout", "--yes", "--verbose", "--help");

  static final String USAGE =
      "Usage: masterha raft-admin --url=raft://HOST:PORT,.../BASE [--timeout=D] [--yes] <ACTION>\n\n"
          + "Operator actions on a raft group (peers run by raft-node, or masters with --raft-peers).\n"
          + "It opens no session. Actions:\n"
          + "  peers             the group's peers now, one id=HOST:PORT a line, the Raft leader's marked (leader)\n"
          + "  leader            the id=HOST:PORT of the peer that leads the group; exit 1 while none does\n"
          + "  wait-serving      wait until the group commits through a majority (--timeout, default 30s)\n"
          + "  add ID=HOST:PORT  add a peer started with raft-node --join; returns once it votes (--timeout,\n"
          + "                    default 60s)\n"
          + "  remove ID         remove a peer, the Raft leader too (it hands over first); stop it afterwards\n"
          + "                    and empty its data directory (--timeout, default 60s)\n"
          + "  wipe --yes        delete every member and state variable under BASE (--timeout, default 30s)\n"
          + "Exit codes: 0 done (or --help), 1 the operation failed, was refused or timed out, 2 bad flags or\n"
          + "action, 130/143 stopped by SIGINT/SIGTERM.\n\n"
          + "Flags:\n"
          + "  --url=URL      the group: raft://HOST:PORT,HOST:PORT,.../BASE (any of its peers will do)\n"
          + "  --timeout=D    how long wait-serving, add, remove and wipe wait, e.g. 30s, 2m\n"
          + "  --yes          confirm wipe\n"
          + "  --verbose      show the raft client's log and stack traces\n"
          + "  --help         print this help and exit\n";

  private RaftAdminMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** A bad flag or action: exit 2 with the usage. */
  private static final class UsageError extends RuntimeException {
    UsageError(String message) {
      super(message);
    }
  }

  /** The action failed: exit 1 with the message. */
  private static final class Failure extends Exception {
    Failure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    boolean verbose = false;
    try {
      Map<String, String> flags = new LinkedHashMap<>();
      List<String> positionals = new ArrayList<>();
      parse(args, flags, positionals);
      if (flags.containsKey("help")) {
        out.print(USAGE);
        out.flush();
        return EXIT_OK;
      }
      verbose = flags.containsKey("verbose");
      if (!verbose) {
        // Before the first logger exists (logback reads these when it starts): only this
        // command's own lines; a peer that does not answer is reported in the message.
        System.setProperty("masterha.log.level", System.getProperty("masterha.log.level", "OFF"));
        System.setProperty(
            "masterha.client.log.level", System.getProperty("masterha.client.log.level", "OFF"));
      }
      return act(flags, positionals, out, err);
    } catch (UsageError | HaConfigException e) {
      err.println(PROGRAM + ": " + e.getMessage());
      err.println();
      err.print(USAGE);
      err.flush();
      return EXIT_USAGE;
    } catch (Failure e) {
      err.println(PROGRAM + ": " + e.getMessage());
      if (verbose && e.getCause() != null) {
        e.getCause().printStackTrace(err);
      }
      err.flush();
      return EXIT_FAILURE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println(PROGRAM + ": interrupted");
      return EXIT_FAILURE;
    }
  }

  private static void parse(String[] args, Map<String, String> flags, List<String> positionals) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h") || arg.equals("--help")) {
        flags.put("help", "true");
        continue;
      }
      if (!arg.startsWith("--")) {
        positionals.add(arg);
        continue;
      }
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg : arg.substring(0, eq);
      String value = eq < 0 ? null : arg.substring(eq + 1);
      if (!FLAGS.contains(name)) {
        throw new UsageError("unknown flag " + name + "; accepted: " + String.join(", ", FLAGS));
      }
      boolean isSwitch = name.equals("--yes") || name.equals("--verbose");
      if (isSwitch && value != null) {
        throw new UsageError("flag " + name + " takes no value; give it as " + name);
      }
      if (!isSwitch && value == null) {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
          throw new UsageError("flag " + name + " needs a value: " + name + "=VALUE");
        }
        value = args[++i];
      }
      if (flags.put(name.substring(2), isSwitch ? "true" : value) != null) {
        throw new UsageError("flag " + name + " is given twice; give it once");
      }
    }
  }

  private static int act(
      Map<String, String> flags, List<String> positionals, PrintStream out, PrintStream err)
      throws Failure, InterruptedException {
    if (positionals.isEmpty()) {
      throw new UsageError("no action given; accepted: " + String.join(", ", ACTIONS));
    }
    String action = positionals.get(0);
    List<String> operands = positionals.subList(1, positionals.size());
    if (!ACTIONS.contains(action)) {
      throw new UsageError(
          "unknown action '" + action + "'; accepted: " + String.join(", ", ACTIONS));
    }
    String operand = operands(action, operands);
    String url = flags.get("url");
    if (url == null) {
      throw new UsageError(
          "flag --url is required, e.g. --url=raft://10.0.0.1:7070,10.0.0.2:7070,10.0.0.3:7070/mesos");
    }
    Duration timeout = timeout(action, flags.get("timeout"));
    if (flags.containsKey("yes") && !action.equals("wipe")) {
      throw new UsageError("flag --yes only confirms wipe; " + action + " needs none");
    }
    if (action.equals("wipe") && !flags.containsKey("yes")) {
      throw new UsageError(
          "wipe deletes every member and state variable under "
              + HaConfig.of(url).basePath()
              + " of the group at "
              + url
              + "; give --yes to confirm");
    }
    String id = operand;
    String address = null;
    if (action.equals("add")) {
      int eq = operand.indexOf('=');
      if (eq < 0) {
        throw new UsageError(
            "add needs the new peer as ID=HOST:PORT, e.g. add n4=10.0.0.4:7070 (got '"
                + operand
                + "')");
      }
      id = operand.substring(0, eq);
      address = operand.substring(eq + 1);
    }
    try {
      if (id != null) {
        RaftAdmin.checkId(id);
      }
      if (address != null) {
        RaftAdmin.checkAddress(address);
      }
    } catch (IllegalArgumentException e) {
      throw new UsageError(e.getMessage());
    }
    // A URL that is not a raft URL is a usage error (HaConfigException), so connect before the try
    // that reports the action's own refusals (IllegalArgumentException, which it extends).
    RaftAdmin admin = RaftAdmin.connect(url);
    try (admin) {
      return switch (action) {
        case "peers" -> peers(admin, out, err);
        case "leader" -> leader(admin, out);
        case "wait-serving" -> {
          admin.awaitServing(timeout);
          out.println("serving: a no-op was committed through a majority of the group's peers");
          yield EXIT_OK;
        }
        case "add" -> {
          admin.addPeer(id, address, timeout);
          out.println("added " + id + "=" + address + "; the group's peers: " + admin.peers());
          yield EXIT_OK;
        }
        case "remove" -> {
          admin.removePeer(id, timeout);
          out.println(
              "removed "
                  + id
                  + " (stop it now and empty its data directory); the group's peers: "
                  + admin.peers());
          yield EXIT_OK;
        }
        default -> {
          admin.wipe(timeout);
          out.println("wiped " + HaConfig.of(url).basePath());
          yield EXIT_OK;
        }
      };
    } catch (TimeoutException e) {
      // add and remove say what may have happened; the others time out waiting for a commit.
      throw new Failure(
          e.getMessage() != null
              ? e.getMessage()
              : action
                  + ": nothing was committed within "
                  + Durations.format(timeout)
                  + " at "
                  + url
                  + " (no majority of the peers up, or an election that does not settle)",
          e);
    } catch (IOException | IllegalArgumentException e) {
      throw new Failure(e.getMessage(), e);
    }
  }

  /** The one operand add and remove take; the others take none. */
  private static String operands(String action, List<String> operands) {
    boolean takesOne = action.equals("add") || action.equals("remove");
    if (takesOne && operands.size() != 1) {
      throw new UsageError(
          action
              + " takes one argument, "
              + (action.equals("add") ? "ID=HOST:PORT" : "ID")
              + "; got "
              + (operands.isEmpty() ? "none" : operands));
    }
    if (!takesOne && !operands.isEmpty()) {
      throw new UsageError(
          action + " takes no argument; got " + operands + " (flags look like --name=value)");
    }
    return takesOne ? operands.get(0) : null;
  }

  private static Duration timeout(String action, String given) {
    if (action.equals("peers") || action.equals("leader")) {
      if (given != null) {
        throw new UsageError(
            "flag --timeout is for wait-serving, add, remove and wipe; "
                + action
                + " does not wait");
      }
      return null;
    }
    if (given == null) {
      return Duration.ofSeconds(action.equals("add") || action.equals("remove") ? 60 : 30);
    }
    Duration d = Durations.parse(given, "flag --timeout");
    if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofHours(24)) > 0) {
      throw new UsageError(
          "flag --timeout=" + given + " is out of range; accepted: more than 0 up to 24h");
    }
    return d;
  }

  private static int peers(RaftAdmin admin, PrintStream out, PrintStream err) throws IOException {
    List<RaftAdmin.Peer> peers = admin.peers();
    Optional<String> leader = admin.leaderId();
    for (RaftAdmin.Peer p : peers) {
      out.println(p + (leader.filter(p.id()::equals).isPresent() ? " (leader)" : ""));
    }
    out.flush();
    if (leader.isEmpty()) {
      // The peers as one answering peer has them; no change can be made until a peer leads.
      err.println(PROGRAM + ": no peer leads the group now (an election, or no majority up)");
    }
    return EXIT_OK;
  }

  private static int leader(RaftAdmin admin, PrintStream out) throws Failure, IOException {
    Optional<String> leader = admin.leaderId();
    if (leader.isEmpty()) {
      throw new Failure(
          "no peer of the group at "
              + admin.addresses()
              + " (or the peers they report) leads it now: an election, or no majority up",
          null);
    }
    String address =
        admin.peers().stream()
            .filter(p -> p.id().equals(leader.get()))
            .map(RaftAdmin.Peer::address)
            .findFirst()
            .orElse("?");
    out.println(leader.get() + "=" + address);
    out.flush();
    return EXIT_OK;
  }
}

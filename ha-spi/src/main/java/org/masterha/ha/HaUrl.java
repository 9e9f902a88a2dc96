package org.masterha.ha;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.masterha.ha.error.HaConfigException;

/**
 * An HA URL in the form Mesos uses for ZooKeeper, generalised to every store: {@code
 * scheme://[user:password@]host[:port][,host[:port]...]/base/path}.
 *
 * <p>The scheme picks the backend ({@code zk}, {@code etcd}, {@code consul}, ...), the hosts are
 * the store's servers, and the path is the base under which the masters register; {@code /} alone
 * is refused because the whole store is not a group. {@code toString()} masks the password.
 */
public final class HaUrl {
  private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._@:=+-]+");

  private final String scheme;
  private final List<Endpoint> endpoints;
  private final String path;
  private final Optional<Credentials> credentials;

  private HaUrl(
      String scheme, List<Endpoint> endpoints, String path, Optional<Credentials> credentials) {
    this.scheme = scheme;
    this.endpoints = List.copyOf(endpoints);
    this.path = path;
    this.credentials = credentials;
  }

  public static HaUrl parse(String url) {
    if (url == null || url.isBlank()) {
      throw new HaConfigException(
          "the HA URL is empty; expected scheme://host:port[,host:port...]/path, e.g. zk://127.0.0.1:2181/mesos");
    }
    int sep = url.indexOf("://");
    if (sep <= 0) {
      throw new HaConfigException(
          "HA URL '"
              + redactRaw(url)
              + "' has no scheme; expected scheme://host:port[,host:port...]/path, e.g. zk://127.0.0.1:2181/mesos");
    }
    String scheme = url.substring(0, sep).toLowerCase(Locale.ROOT);
    if (!SCHEME.matcher(scheme).matches()) {
      throw new HaConfigException("HA URL scheme '" + scheme + "' is not a valid scheme name");
    }
    String rest = url.substring(sep + 3);
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash);

    Optional<Credentials> credentials = Optional.empty();
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
      credentials = Optional.of(Credentials.parse(decode(userInfo), "the HA URL's user info"));
      if (credentials.get().isToken()) {
        throw new HaConfigException(
            "the HA URL's user info must be user:password; pass a bare token with a credentials file or environment variable");
      }
    }
    List<Endpoint> endpoints = new ArrayList<>();
    if (!authority.isEmpty()) {
      for (String hostPort : authority.split(",", -1)) {
        endpoints.add(parseEndpoint(hostPort, scheme));
      }
    }
    return new HaUrl(scheme, endpoints, validatePath(path), credentials);
  }

  private static Endpoint parseEndpoint(String hostPort, String scheme) {
    if (hostPort.isEmpty()) {
      throw new HaConfigException(
          "HA URL ("
              + scheme
              + "://...) has an empty host in its host list; expected host:port[,host:port...]");
    }
    String host;
    String port = null;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      if (close < 0) {
        throw new HaConfigException(
            "HA URL host '" + hostPort + "' opens an IPv6 bracket it does not close");
      }
      host = hostPort.substring(1, close);
      String after = hostPort.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw new HaConfigException(
              "HA URL host '"
                  + hostPort
                  + "' has text after the IPv6 address; expected [address]:port");
        }
        port = after.substring(1);
      }
    } else {
      int colon = hostPort.lastIndexOf(':');
      host = colon < 0 ? hostPort : hostPort.substring(0, colon);
      port = colon < 0 ? null : hostPort.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new HaConfigException(
            "HA URL host '"
                + hostPort
                + "' looks like an IPv6 address; write it in brackets, e.g. [::1]:2181");
      }
    }
    if (port == null) {
      return new Endpoint(host, 0);
    }
    try {
      int p = Integer.parseInt(port);
      if (p < 1 || p > 65535) {
        throw new NumberFormatException();
      }
      return new Endpoint(host, p);
    } catch (NumberFormatException e) {
      throw new HaConfigException(
          "HA URL port '"
              + port
              + "' of host '"
              + host
              + "' is not a port number; accepted: 1 to 65535");
    }
  }

  private static String validatePath(String path) {
    if (path.isEmpty() || path.equals("/")) {
      throw new HaConfigException(
          "HA URL path '"
              + path
              + "' is not allowed: the masters need a base path of their own, e.g. /mesos");
    }
    String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    for (String segment : trimmed.substring(1).split("/", -1)) {
      if (segment.isEmpty()
          || segment.equals(".")
          || segment.equals("..")
          || !SEGMENT.matcher(segment).matches()) {
        throw new HaConfigException(
            "HA URL path '"
                + path
                + "' has an invalid segment '"
                + segment
                + "'; accepted: non-empty segments of letters, digits and . _ @ : = + -, without . or ..");
      }
    }
    return trimmed;
  }

  private static String decode(String userInfo) {
    try {
      return java.net.URLDecoder.decode(
          userInfo.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      // Not chained: URLDecoder's message quotes the bad escape, i.e. part of the password.
      throw new HaConfigException(
          "the HA URL's user info has an invalid %-escape; write reserved characters as %XX,"
              + " e.g. %40 for '@', %2F for '/', %25 for '%'");
    }
  }

  /** The URL with any user info masked, for error messages built before parsing succeeded. */
  private static String redactRaw(String url) {
    int at = url.lastIndexOf('@');
    int sep = url.indexOf("://");
    return at < 0
        ? url
        : (sep < 0 ? "" : url.substring(0, sep + 3)) + "****@" + url.substring(at + 1);
  }

  public String scheme() {
    return scheme;
  }

  /** The servers, in the order given; empty for backends that need none (standalone). */
  public List<Endpoint> endpoints() {
    return endpoints;
  }

  /** The base path, starting with '/', without a trailing '/'. */
  public String path() {
    return path;
  }

  /** user:password from the URL, if any. */
  public Optional<Credentials> credentials() {
    return credentials;
  }

  /** {@code host:port,host:port} with {@code defaultPort} filled in where the URL gave no port. */
  public String hostList(int defaultPort) {
    return endpoints.stream()
        .map(e -> e.withDefaultPort(defaultPort).toString())
        .collect(Collectors.joining(","));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HaUrl u
        && u.scheme.equals(scheme)
        && u.endpoints.equals(endpoints)
        && u.path.equals(path)
        && u.credentials.equals(credentials);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(scheme, endpoints, path, credentials);
  }

  /** The URL with the password masked. */
  @Override
  public String toString() {
    String user = credentials.flatMap(Credentials::username).map(u -> u + ":****@").orElse("");
    return scheme
        + "://"
        + user
        + endpoints.stream().map(Endpoint::toString).collect(Collectors.joining(","))
        + path;
  }
}

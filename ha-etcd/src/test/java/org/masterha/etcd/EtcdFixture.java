package org.masterha.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.masterha.ha.Credentials;
import org.masterha.ha.HaBackends;
import org.masterha.ha.HaConfig;
import org.masterha.ha.HaSession;
import org.masterha.ha.Secret;
import org.masterha.ha.TlsOptions;
import org.masterha.stores.EtcdCluster;
import org.masterha.stores.TestCertificates;
import org.masterha.tck.BackendFixture;
import org.masterha.tck.Fault;
import org.masterha.tck.FaultInjector;
import org.masterha.tck.ProxiedClient;
import org.masterha.tck.TestClient;
import org.masterha.tck.net.TcpProxy;

/**
 * The conformance kit's view of real etcd: one member or a cluster, optionally with TLS (client
 * certificates required) and with auth (a user with read-write access to {@code /}). Clients reach
 * each member through their own TCP proxy, so one client's connection can be cut without touching
 * the others.
 *
 * <p>Faults: a cut connection (the proxies hold every byte), an expired session (the client's lease
 * revoked by an administrator), a restart of every member, and on a cluster the raft leader killed
 * with SIGKILL.
 */
final class EtcdFixture implements BackendFixture {
  static final String USER = "masterha";

  private final EtcdCluster.Options options;
  private final String name;
  private final Optional<String> password;
  private final List<Client> clients = new CopyOnWriteArrayList<>();
  private final HaBackends backends = HaBackends.load();
  private EtcdCluster cluster;

  private EtcdFixture(EtcdCluster.Options options, String name, Optional<String> password) {
    this.options = options;
    this.name = name;
    this.password = password;
  }

  /** One server with etcd's default timing. */
  static EtcdFixture single(String name) {
    return new EtcdFixture(EtcdCluster.Options.defaults(1), name, Optional.empty());
  }

  /** {@code members} servers with timing scaled for the conformance suite's 3 s sessions. */
  static EtcdFixture forConformance(String name, int members) {
    return new EtcdFixture(
        new EtcdCluster.Options(members, Optional.empty(), Optional.empty(), true),
        name,
        Optional.empty());
  }

  /**
   * Auth on: a root user and {@link #USER} with {@code password}; TLS too when {@code tls} is
   * given.
   */
  static EtcdFixture secured(
      String name, Optional<TestCertificates> tls, Optional<String> password) {
    return new EtcdFixture(
        new EtcdCluster.Options(1, tls, password.map(p -> "root-" + p), false), name, password);
  }

  /**
   * As {@link #secured(String, Optional, Optional)}, with timing scaled for the conformance suite's
   * 3 s sessions.
   */
  static EtcdFixture securedForConformance(String name, TestCertificates tls, String password) {
    return new EtcdFixture(
        new EtcdCluster.Options(1, Optional.of(tls), Optional.of("root-" + password), true),
        name,
        Optional.of(password));
  }

  @Override
  public String backend() {
    return EtcdBackend.NAME;
  }

  /**
   * Every fault; killing the raft leader only on a cluster of three or more, where a quorum is
   * left.
   */
  @Override
  public Optional<FaultInjector> fault(Fault fault) {
    return Optional.ofNullable(
        switch (fault) {
          case CUT_CONNECTION -> ProxiedClient.CUT;
          case LOSE_ANSWER -> ProxiedClient.LOSE_ANSWER;
          case EXPIRE_SESSION -> FaultInjector.onClient(this::expireSession, null);
          case RESTART_SERVERS -> FaultInjector.onServers(x -> restartServers(), null);
          case STOP_LEADER_SERVER ->
              options.members() >= 3
                  ? FaultInjector.onServers(x -> cluster.killLeader(), x -> cluster.startStopped())
                  : null;
          case WIPE_BASE_PATH -> FaultInjector.onClient(this::wipeBasePath, null);
        });
  }

  @Override
  public void start() throws Exception {
    cluster = new EtcdCluster(options, name);
    cluster.start();
    if (password.isPresent()) {
      cluster.addUser(USER, password.get());
    }
  }

  EtcdCluster cluster() {
    return cluster;
  }

  @Override
  public HaConfig config(String basePath, Duration sessionTimeout) {
    return config(cluster.endpoints(), basePath, sessionTimeout);
  }

  HaConfig config(List<String> endpoints, String basePath, Duration sessionTimeout) {
    String scheme = options.tls().isPresent() ? EtcdSettings.TLS_SCHEME : EtcdSettings.SCHEME;
    HaConfig.Builder b =
        HaConfig.builder()
            .url(scheme + "://" + String.join(",", endpoints) + basePath)
            .sessionTimeout(sessionTimeout);
    password.ifPresent(p -> b.credentials(Credentials.password(USER, Secret.of(p))));
    options
        .tls()
        .ifPresent(
            tls ->
                b.tls(
                    TlsOptions.builder()
                        .trustedCa(tls.ca())
                        .clientCertificate(tls.clientCert())
                        .clientKey(tls.clientKey())
                        .build()));
    return b.build();
  }

  @Override
  public TestClient connect(String basePath, Duration sessionTimeout) {
    List<TcpProxy> proxies = new ArrayList<>();
    try {
      for (EtcdCluster.Member m : cluster.members()) {
        proxies.add(TcpProxy.start(new InetSocketAddress("127.0.0.1", m.clientPort())));
      }
    } catch (IOException e) {
      proxies.forEach(TcpProxy::close);
      throw new UncheckedIOException(e);
    }
    List<String> endpoints = proxies.stream().map(p -> "127.0.0.1:" + p.port()).toList();
    HaSession session = backends.open(config(endpoints, basePath, sessionTimeout));
    Client client = new Client(session, proxies);
    clients.add(client);
    return client;
  }

  /** Revokes the client's lease, as an administrator would. */
  public void expireSession(TestClient client) throws Exception {
    String id = client.session().sessionId();
    if (id.isEmpty()) {
      throw new IllegalStateException("the client has no lease yet: it has never joined a group");
    }
    // What etcd does when the TTL runs out, without waiting for it: the lease and its keys are
    // gone.
    cluster
        .admin()
        .getLeaseClient()
        .revoke(Long.parseUnsignedLong(id, 16))
        .get(30, TimeUnit.SECONDS);
  }

  /** Deletes every key under the client's base path, as {@code etcdctl del --prefix} would. */
  void wipeBasePath(TestClient client) throws Exception {
    String base = client.session().config().basePath();
    cluster
        .admin()
        .getKVClient()
        .delete(
            EtcdCluster.bytes(base + "/"),
            io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build())
        .get(30, TimeUnit.SECONDS);
  }

  public void restartServers() throws Exception {
    cluster.restartAll();
  }

  @Override
  public void close() {
    for (Client c : clients) {
      c.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  final class Client extends ProxiedClient {
    Client(HaSession session, List<TcpProxy> proxies) {
      super(session, proxies);
    }

    @Override
    public void close() {
      clients.remove(this);
      super.close();
    }
  }
}

package org.masterha.stores;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * TLS material made at test time with openssl: a CA, a server certificate for 127.0.0.1 and
 * localhost, a client certificate, and a second, unrelated CA for tests of a client that trusts the
 * wrong one. Keys are PKCS#8 PEM (what Netty reads).
 */
public record TestCertificates(
    Path dir,
    Path ca,
    Path serverCert,
    Path serverKey,
    Path clientCert,
    Path clientKey,
    Path otherCa) {

  public static TestCertificates create(Path where) throws IOException, InterruptedException {
    Path dir = where.toAbsolutePath();
    Files.createDirectories(dir);
    Path ca = dir.resolve("ca.pem");
    Path caKey = dir.resolve("ca-key.pem");
    Path otherCa = dir.resolve("other-ca.pem");
    Path otherCaKey = dir.resolve("other-ca-key.pem");
    selfSigned(dir, caKey, ca, "masterha test CA");
    selfSigned(dir, otherCaKey, otherCa, "some other CA");

    Path serverKey = dir.resolve("server-key.pem");
    Path serverCert = dir.resolve("server.pem");
    Path serverExt = dir.resolve("server.ext");
    Files.writeString(
        serverExt,
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            + "extendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
    signed(dir, caKey, ca, serverKey, serverCert, "127.0.0.1", serverExt);

    Path clientKey = dir.resolve("client-key.pem");
    Path clientCert = dir.resolve("client.pem");
    Path clientExt = dir.resolve("client.ext");
    Files.writeString(
        clientExt, "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n");
    signed(dir, caKey, ca, clientKey, clientCert, "masterha", clientExt);
    return new TestCertificates(dir, ca, serverCert, serverKey, clientCert, clientKey, otherCa);
  }

  private static void selfSigned(Path dir, Path key, Path cert, String cn)
      throws IOException, InterruptedException {
    genKey(dir, key);
    openssl(
        dir,
        "req",
        "-x509",
        "-new",
        "-key",
        key.toString(),
        "-out",
        cert.toString(),
        "-days",
        "2",
        "-subj",
        "/CN=" + cn,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
  }

  private static void signed(
      Path dir, Path caKey, Path ca, Path key, Path cert, String cn, Path ext)
      throws IOException, InterruptedException {
    genKey(dir, key);
    Path csr = dir.resolve(cert.getFileName() + ".csr");
    openssl(
        dir, "req", "-new", "-key", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + cn);
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        csr.toString(),
        "-CA",
        ca.toString(),
        "-CAkey",
        caKey.toString(),
        "-CAcreateserial",
        "-out",
        cert.toString(),
        "-days",
        "2",
        "-extfile",
        ext.toString());
  }

  private static void genKey(Path dir, Path key) throws IOException, InterruptedException {
    openssl(
        dir,
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        key.toString());
  }

  private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Path log = dir.resolve("openssl.log");
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(
          "openssl "
              + String.join(" ", args)
              + " failed; see "
              + log
              + ":\n"
              + Files.readString(log));
    }
  }
}

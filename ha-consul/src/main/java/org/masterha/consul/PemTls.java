package org.masterha.consul;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.masterha.ha.TlsOptions;
import org.masterha.ha.error.HaConfigException;

/**
 * An SSLContext from the PEM files of {@link TlsOptions}: the CA bundle to trust and, for mutual
 * TLS, our key.
 */
final class PemTls {
  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
  private static final char[] NO_PASSWORD = new char[0];

  final SSLContext context;
  final X509TrustManager trustManager;

  private PemTls(SSLContext context, X509TrustManager trustManager) {
    this.context = context;
    this.trustManager = trustManager;
  }

  static PemTls load(TlsOptions tls) {
    try {
      KeyStore trust = null;
      if (tls.trustedCa().isPresent()) {
        trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        int i = 0;
        for (Certificate c : certificates(tls.trustedCa().get(), "TLS CA file")) {
          trust.setCertificateEntry("ca-" + i++, c);
        }
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust); // null: the JVM's default trust store
      X509TrustManager tm = null;
      for (TrustManager m : tmf.getTrustManagers()) {
        if (m instanceof X509TrustManager x) {
          tm = x;
        }
      }
      KeyManagerFactory kmf = null;
      if (tls.clientCertificate().isPresent()) {
        KeyStore keys = KeyStore.getInstance(KeyStore.getDefaultType());
        keys.load(null, null);
        List<Certificate> chain =
            certificates(tls.clientCertificate().get(), "TLS client certificate file");
        keys.setKeyEntry(
            "client",
            privateKey(tls.clientKey().orElseThrow(), chain.get(0)),
            NO_PASSWORD,
            chain.toArray(Certificate[]::new));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, NO_PASSWORD);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), new TrustManager[] {tm}, null);
      return new PemTls(ctx, tm);
    } catch (GeneralSecurityException | IOException e) {
      throw new HaConfigException("the TLS options cannot be used: " + e.getMessage(), e);
    }
  }

  private static List<Certificate> certificates(Path pem, String what) throws IOException {
    try (InputStream in = Files.newInputStream(pem)) {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new HaConfigException(what + " " + pem + " holds no PEM certificate");
      }
      return new ArrayList<>(certs);
    } catch (java.security.cert.CertificateException e) {
      throw new HaConfigException(
          what + " " + pem + " is not a PEM certificate file: " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path pem, Certificate cert)
      throws IOException, GeneralSecurityException {
    String text = Files.readString(pem, StandardCharsets.US_ASCII);
    Matcher m = PRIVATE_KEY.matcher(text);
    if (!m.find()) {
      // Never quote the file: it is a secret.
      throw new HaConfigException(
          "TLS client key file "
              + pem
              + " holds no unencrypted PKCS#8 key ('-----BEGIN PRIVATE KEY-----'); "
              + "convert it with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
    String algorithm = cert instanceof X509Certificate x ? x.getPublicKey().getAlgorithm() : "RSA";
    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
  }
}

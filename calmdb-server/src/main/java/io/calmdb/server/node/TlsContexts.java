package io.calmdb.server.node;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The TLS contexts of a node's three ports, all built by Netty from the PEM files of the YAML's {@code tls}
 * section (a certificate chain, a PKCS#8 key and optionally the private CA): the RESP port, the HTTP port (Jetty
 * takes the JDK {@link SSLContext} underneath Netty's) and the region links (mutual TLS). Only TLS 1.3 and 1.2.
 */
public final class TlsContexts {
    /** The protocol versions every port accepts. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private TlsContexts() {}

    /** The RESP port's context, or null without TLS; client certificates required when {@code clientAuth}. */
    public static SslContext resp(NodeConfig.Tls tls) {
        if (tls == null) {
            return null;
        }
        return server(tls, tls.clientAuth() ? ClientAuth.REQUIRE : ClientAuth.NONE, "RESP");
    }

    /**
     * The HTTP port's JDK context, or null without TLS. It trusts the CA when one is configured, so Jetty can ask
     * for (or, with {@code clientAuth}, require) client certificates; which it does is Jetty's setting.
     */
    public static SSLContext http(NodeConfig.Tls tls) {
        if (tls == null) {
            return null;
        }
        return ((JdkSslContext) server(tls, ClientAuth.NONE, "HTTP")).context();
    }

    /**
     * Mutual TLS for region links: this node's certificate both ways, peers' certificates checked against the CA,
     * and (in the transport) each peer's certificate must name the region it claims.
     */
    public static SslContext peer(NodeConfig.Tls tls, boolean server) {
        if (server) {
            return server(tls, ClientAuth.REQUIRE, "region-link");
        }
        try {
            return SslContextBuilder.forClient().keyManager(tls.certFile().toFile(), tls.keyFile().toFile())
                    .trustManager(tls.caFile().toFile()).protocols(PROTOCOLS).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw invalid(tls, "region-link", e);
        }
    }

    private static SslContext server(NodeConfig.Tls tls, ClientAuth clientAuth, String port) {
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(tls.certFile().toFile(), tls.keyFile().toFile())
                    .sslProvider(SslProvider.JDK).protocols(PROTOCOLS).clientAuth(clientAuth);
            if (tls.caFile() != null) {
                builder.trustManager(tls.caFile().toFile());
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw invalid(tls, port, e);
        }
    }

    private static IllegalArgumentException invalid(NodeConfig.Tls tls, String port, Exception e) {
        return new IllegalArgumentException("invalid node configuration: tls: cannot build " + port + " TLS from "
                + tls.certFile() + ", " + tls.keyFile() + (tls.caFile() == null ? "" : ", " + tls.caFile()) + ": "
                + e.getMessage(), e);
    }
}

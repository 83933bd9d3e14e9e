package io.calmdb.server.http;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Set;

/**
 * Keeps browsers and strangers from changing a node through its HTTP API (issue 11). Every request that is not a
 * read ({@code GET}, {@code HEAD}) must:
 *
 * <ul>
 *   <li>carry {@code Authorization: Bearer TOKEN} when the node has an {@code httpToken}; without one, come from a
 *       loopback address (answered 401 otherwise);
 *   <li>send its body as {@code application/json} (415 otherwise; a {@code DELETE} has none): a web page can make a browser send a
 *       {@code text/plain} or form POST to any address without asking, but a JSON one only after a CORS preflight,
 *       which the API never approves, since it sends no {@code Access-Control-Allow-*} header at all;
 *   <li>when it has an {@code Origin} header (browsers add one), come from the API's own origin (403 otherwise).
 * </ul>
 *
 * <p>Over HTTPS, a client certificate signed by the node's CA (Jetty verifies it in the handshake) counts as the
 * token does. Over plain HTTP without a token, every request must also name a loopback host in its {@code Host}
 * header (403 otherwise), so a page whose domain is re-pointed at 127.0.0.1 (DNS rebinding) cannot read or write
 * through the victim's browser; over HTTPS the rebound name would not match the node's certificate.
 */
final class HttpGuard {
    private static final Set<HandlerType> READS = Set.of(HandlerType.GET, HandlerType.HEAD, HandlerType.OPTIONS);

    private final byte[] token;

    /** @param token the bearer token writes need, or null when only loopback clients may write */
    HttpGuard(String token) {
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /** Refuses the request with an {@link HttpError}, or returns when it may go on. */
    void check(Context ctx) {
        boolean certified = hasClientCertificate(ctx);
        if (token == null && !ctx.req().isSecure() && !isLoopbackHost(ctx.host())) {
            throw new HttpError(403, "the Host header must name this node's loopback address when the node has no "
                    + "httpToken (DNS rebinding protection); see docs/security.md");
        }
        if (READS.contains(ctx.method())) {
            return;
        }
        if (certified) {
            // Authenticated by the TLS handshake.
        } else if (token != null) {
            String authorization = ctx.header("Authorization");
            if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                    || !MessageDigest.isEqual(token, authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8))) {
                ctx.header("WWW-Authenticate", "Bearer realm=\"calmdb\"");
                throw new HttpError(401, "this request changes the node: it needs 'Authorization: Bearer <httpToken>' (or, over HTTPS, a "
                        + "client certificate from the node's CA)");
            }
        } else if (!isLoopbackAddress(ctx.req().getRemoteAddr())) {
            throw new HttpError(401, "this node has no httpToken, so only clients on loopback may change it; set "
                    + "httpToken in its YAML (docs/security.md)");
        }
        String origin = ctx.header("Origin");
        if (origin != null && !sameOrigin(origin, ctx.host())) {
            throw new HttpError(403, "cross-origin requests may not change the node (Origin " + origin + ")");
        }
        if (ctx.method() == HandlerType.DELETE) {
            // Never a "simple" cross-origin request: a browser asks first, and the API never says yes.
            return;
        }
        String contentType = ctx.contentType();
        boolean json = contentType != null && contentType.toLowerCase(Locale.ROOT).strip().startsWith("application/json");
        if (!json) {
            throw new HttpError(415, "requests that change the node must send 'Content-Type: application/json'");
        }
    }

    private static boolean hasClientCertificate(Context ctx) {
        Object certificates = ctx.req().getAttribute("jakarta.servlet.request.X509Certificate");
        return certificates instanceof java.security.cert.X509Certificate[] chain && chain.length > 0;
    }

    private static boolean sameOrigin(String origin, String host) {
        try {
            URI uri = URI.create(origin);
            String authority = uri.getAuthority();
            return authority != null && host != null && authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    static boolean isLoopbackHost(String host) {
        if (host == null) {
            return false;
        }
        String name = host;
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            name = end < 0 ? name : name.substring(1, end);
        } else if (name.indexOf(':') == name.lastIndexOf(':') && name.indexOf(':') >= 0) {
            name = name.substring(0, name.indexOf(':'));
        }
        name = name.toLowerCase(Locale.ROOT);
        return name.equals("localhost") || name.endsWith(".localhost") || name.equals("::1")
                || name.matches("127(\\.\\d{1,3}){3}");
    }

    private static boolean isLoopbackAddress(String address) {
        try {
            return address != null && InetAddress.getByName(address).isLoopbackAddress();
        } catch (java.net.UnknownHostException notAnAddress) {
            return false;
        }
    }
}

package io.cairn.cluster;

import io.cairn.tls.HandshakeFailures;
import io.cairn.tls.NodeTls;
import io.cairn.tls.Role;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.thirdparty.io.grpc.Attributes;
import org.apache.ratis.thirdparty.io.grpc.Grpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallHandler;
import org.apache.ratis.thirdparty.io.grpc.ServerInterceptor;
import org.apache.ratis.thirdparty.io.grpc.Status;

/**
 * Mutual TLS for the Raft port (Ratis's gRPC transport): both ends present a certificate the
 * cluster CA signed. On top of the handshake, calls are checked by the caller's role: only
 * {@code server} certificates may speak the server protocol (append, vote, snapshot) or the admin
 * protocol (configuration, leadership); {@code client} nodes, which follow the log as listeners,
 * may only submit commands and read indices. {@code cli} certificates are refused at the handshake.
 */
final class RaftTls {
  static final String LISTENER = "raft";
  private static final String CLIENT_SERVICE = "ratis.grpc.RaftClientProtocolService";

  private RaftTls() {}

  /** What the Raft server and this node's Raft clients are built with. */
  static Parameters parameters(NodeTls tls) {
    HandshakeFailures failures = tls.failures();
    Parameters parameters = new Parameters();
    GrpcConfigKeys.TLS.setConf(parameters, new GrpcTlsConfig(tls.keyManager(), tls.trustManager(LISTENER, io.cairn.tls.Role.NODES), true));
    // a handshake refused for a certificate is counted by the trust manager; gRPC tells a filter
    // nothing about a connection that never finished its handshake, so one without any is not
    GrpcConfigKeys.Server.setServicesCustomizer(parameters, (builder, types) -> builder.intercept(new RoleCheck(failures)));
    return parameters;
  }

  /** Refuses a call whose caller's certificate role may not make it. */
  private static final class RoleCheck implements ServerInterceptor {
    private final HandshakeFailures failures;

    RoleCheck(HandshakeFailures failures) {
      this.failures = failures;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String service = call.getMethodDescriptor().getServiceName();
      Role role = io.cairn.tls.Certificates.peerRole(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
      boolean allowed = role == Role.SERVER || (role == Role.CLIENT && CLIENT_SERVICE.equals(service));
      if (allowed) {
        return next.startCall(call, headers);
      }
      failures.refused(LISTENER, source(call.getAttributes()), role == null ? "no certificate" : "role " + role.cliName(),
          "may not call " + call.getMethodDescriptor().getFullMethodName());
      call.close(Status.PERMISSION_DENIED.withDescription("PERMISSION_DENIED: this certificate's role may not call "
          + call.getMethodDescriptor().getFullMethodName()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
  }

  private static String source(Attributes attributes) {
    SocketAddress remote = attributes == null ? null : attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return remote instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "unknown";
  }
}

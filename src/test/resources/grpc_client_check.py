"""A non-Java gRPC client against a Cairn node: Debian's python3-grpcio, raw protobuf bytes, no stubs.

Usage: grpc_client_check.py HOST:PORT WORKLOAD_NAME. Prints one line per check; exits non-zero on failure.
"""
import sys

import grpc


def ident(b):
    return b


def field_string(number, text):
    data = text.encode()
    return bytes([(number << 3) | 2, len(data)]) + data


def main():
    target, workload = sys.argv[1], sys.argv[2]
    channel = grpc.insecure_channel(target)

    check = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=ident, response_deserializer=ident)
    reply = check(b"", timeout=10)
    assert reply == b"\x08\x01", "overall health is not SERVING: %r" % reply
    reply = check(field_string(1, "cairn.v1.WorkloadService"), timeout=10)
    assert reply == b"\x08\x01", "WorkloadService health is not SERVING: %r" % reply
    watch = channel.unary_stream("/grpc.health.v1.Health/Watch", request_serializer=ident, response_deserializer=ident)
    updates = watch(b"", timeout=10)
    first = next(updates)
    assert first == b"\x08\x01", "Health/Watch did not start with SERVING: %r" % first
    updates.cancel()
    print("health SERVING (Check and Watch)")

    listing = channel.unary_unary("/cairn.v1.WorkloadService/List", request_serializer=ident,
                                  response_deserializer=ident)
    reply = listing(b"", timeout=10)
    assert workload.encode() in reply, "List does not mention %s" % workload
    print("list contains %s" % workload)

    get = channel.unary_unary("/cairn.v1.WorkloadService/Get", request_serializer=ident, response_deserializer=ident)
    try:
        get(field_string(1, "no-such-workload"), timeout=10)
        raise AssertionError("Get of a missing workload succeeded")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.NOT_FOUND, e.code()
        trailers = dict(e.trailing_metadata())
        assert trailers.get("cairn-error-code") == "NOT_FOUND", trailers
        details = trailers.get("grpc-status-details-bin")
        assert isinstance(details, bytes) and b"NOT_FOUND" in details and b"cairn" in details, details
        print("missing workload -> NOT_FOUND with cairn-error-code and status details")

    reflect = channel.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                                    request_serializer=ident, response_deserializer=ident)
    replies = list(reflect(iter([b"\x3a\x00"]), timeout=10))  # list_services: ""
    names = b"".join(replies)
    for service in (b"cairn.v1.WorkloadService", b"cairn.v1.NodeService", b"grpc.health.v1.Health"):
        assert service in names, "reflection does not list %s" % service
    print("reflection lists cairn.v1.WorkloadService, cairn.v1.NodeService, grpc.health.v1.Health")


if __name__ == "__main__":
    main()

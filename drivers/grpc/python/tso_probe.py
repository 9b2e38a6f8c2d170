#!/usr/bin/env python3
"""An outside tsoracle.v1.TsoService client: Debian's python3-grpcio with stubs that Debian's
protoc and grpc_python_plugin generated from the package's shipped proto/tsoracle/v1/tso.proto.

Run by runners/grpc-python.test.ts against a file server and a 3-node Raft cluster. It finds the
leader by following the `tsoracle-leader-hint-bin` trailer (a protobuf LeaderHint) from a
follower, then checks on the leader: GetTs grants exactly the count asked and timestamps strictly
increase; GetSeq blocks of one key are gapless and carry the nested epoch; GetSeqBatch grants
every key in request order, gapless with GetSeq, all or nothing, and a follower redirects it with
the trailer; GetCurrentMaxSafe and GetSafeFrontier carry the leader's epoch (0 and epoch 0 on a
follower); the lease RPCs answer UNIMPLEMENTED; and the generated messages encode the original's
golden lease bytes.
Every call has a deadline; the whole probe is bounded by --timeout. Prints one JSON line and
exits 0 when every check held, else prints the failed check to stderr and exits 1.

Usage: tso_probe.py --stubs DIR --endpoints H:P[,H:P...] [--key K] [--timeout S]
"""
import argparse
import json
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--stubs", required=True)
parser.add_argument("--endpoints", required=True)
parser.add_argument("--key", default="py-orders")
parser.add_argument("--timeout", type=float, default=30.0)
args = parser.parse_args()
sys.path.insert(0, args.stubs)

import grpc  # noqa: E402
from tsoracle.v1 import tso_pb2, tso_pb2_grpc  # noqa: E402

HINT_TRAILER = "tsoracle-leader-hint-bin"
CALL_TIMEOUT_S = 5.0
deadline = time.monotonic() + args.timeout
endpoints = args.endpoints.split(",")
channels = {}


def check(condition, what):
    if not condition:
        print(f"check failed: {what}", file=sys.stderr)
        sys.exit(1)


def stub(endpoint):
    if endpoint not in channels:
        channels[endpoint] = grpc.insecure_channel(endpoint)
    return tso_pb2_grpc.TsoServiceStub(channels[endpoint])


def get_ts(endpoint, count):
    """('ok', response) or ('error', code name, details, hint-or-None)."""
    try:
        return ("ok", stub(endpoint).GetTs(tso_pb2.GetTsRequest(count=count), timeout=CALL_TIMEOUT_S))
    except grpc.RpcError as error:
        trailers = dict(error.trailing_metadata() or ())
        hint = None
        if HINT_TRAILER in trailers:
            hint = tso_pb2.LeaderHint.FromString(trailers[HINT_TRAILER])
        return ("error", error.code().name, error.details(), hint)


# Golden bytes of the original (crates/tsoracle-proto/tests/lease_wire.rs), from the generated
# classes: the shipped .proto has the original's field numbers.
golden_request = tso_pb2.AcquireLeaseRequest(holder=b"\xab\xcd", holder_epoch=7, ttl_ms=20000).SerializeToString()
check(golden_request.hex() == "0a02abcd100718a09c01", f"AcquireLeaseRequest golden bytes, got {golden_request.hex()}")
golden_response = tso_pb2.AcquireLeaseResponse(
    lease_id=5, ts_upper_bound=1000, expires_at_ms=2000, epoch=tso_pb2.EpochWire(hi=0, lo=9)
).SerializeToString()
check(golden_response.hex() == "080510e80718d00f22021009", f"AcquireLeaseResponse golden bytes, got {golden_response.hex()}")

# 1. Ask every endpoint until one grants and every other one answers not-leader with a hint
#    naming an endpoint (an election may be running: retry until the deadline).
leader = None
followers = {}
while True:
    check(time.monotonic() < deadline, f"no leader with hinting followers before the deadline (leader {leader}, followers {list(followers)})")
    leader, followers = None, {}
    for endpoint in endpoints:
        answer = get_ts(endpoint, 1)
        if answer[0] == "ok":
            leader = endpoint
        elif answer[1] == "FAILED_PRECONDITION" and answer[3] is not None and answer[3].HasField("leader_endpoint"):
            followers[endpoint] = answer
    if leader is not None and len(followers) == len(endpoints) - 1:
        break
    time.sleep(0.1)

# 2. From each follower, follow the trailer to the leader.
hops = []
for endpoint, (_, code, details, hint) in followers.items():
    check(details == "not leader", f"not-leader details from {endpoint}: {details!r}")
    check(hint.leader_endpoint == leader, f"{endpoint} hinted {hint.leader_endpoint}, the leader is {leader}")
    check("://" not in hint.leader_endpoint, f"hint endpoint is not scheme-less: {hint.leader_endpoint}")
    check(hint.HasField("leader_epoch"), f"{endpoint}'s hint has no epoch")
    followed = get_ts(hint.leader_endpoint, 1)
    check(followed[0] == "ok", f"the hinted leader {hint.leader_endpoint} answered {followed[1:3]}")
    hops.append({"from": endpoint, "code": code, "to": hint.leader_endpoint,
                 "epoch": (hint.leader_epoch.hi << 64) | hint.leader_epoch.lo})

# 3. GetTs on the leader: exactly the count asked, strictly increasing.
last = -1
epoch = None
ts_calls = 0
for count in [1, 2, 7, 100, 1000, 262144, 1, 3] * 4:
    status, response = get_ts(leader, count)[:2]
    check(status == "ok", f"GetTs({count}) on the leader: {response}")
    check(response.count == count, f"GetTs({count}) granted {response.count}")
    first = (response.physical_ms << 18) | response.logical_start
    check(first > last, f"timestamp {first} not above the previous {last}")
    check(response.logical_start + count <= 1 << 18, "grant crosses a millisecond")
    last = first + count - 1
    epoch = (response.epoch_hi << 64) | response.epoch_lo
    ts_calls += 1
check(all(h["epoch"] <= epoch for h in hops), "a hint's epoch is above the leader's")

# 4. GetSeq on the leader: gapless blocks of one key, the nested epoch always present.
leader_stub = stub(leader)
expected_start = None
seq_calls = 0
for count in [1, 5, 64, 1, 3] * 4:
    response = leader_stub.GetSeq(tso_pb2.GetSeqRequest(key=args.key, count=count), timeout=CALL_TIMEOUT_S)
    check(response.key == args.key and response.count == count, f"GetSeq answered {response}")
    check(response.HasField("epoch"), "GetSeq response without its epoch")
    check(expected_start is None or response.start == expected_start, f"gap: block at {response.start}, expected {expected_start}")
    expected_start = response.start + count
    seq_calls += 1
try:
    leader_stub.GetSeq(tso_pb2.GetSeqRequest(key="", count=1), timeout=CALL_TIMEOUT_S)
    check(False, "GetSeq with an empty key succeeded")
except grpc.RpcError as error:
    check(error.code() == grpc.StatusCode.INVALID_ARGUMENT, f"GetSeq empty key: {error.code()}")

# 5. GetSeqBatch on the leader: all keys granted in request order, gapless with the GetSeq
#    blocks of the same key, the nested epoch always present; a duplicate key refused whole.
seq_batch_calls = 0
other_key = args.key + "-batch"
other_start = None
for counts in [(2, 3), (1, 1), (64, 7)]:
    response = leader_stub.GetSeqBatch(tso_pb2.GetSeqBatchRequest(entries=[
        tso_pb2.SeqRequestEntry(key=other_key, count=counts[0]),
        tso_pb2.SeqRequestEntry(key=args.key, count=counts[1])]), timeout=CALL_TIMEOUT_S)
    check([g.key for g in response.grants] == [other_key, args.key], f"GetSeqBatch grants out of request order: {response}")
    check([g.count for g in response.grants] == list(counts), f"GetSeqBatch counts: {response}")
    check(response.HasField("epoch") and ((response.epoch.hi << 64) | response.epoch.lo) == epoch, "GetSeqBatch epoch")
    check(response.grants[1].start == expected_start, f"batch gap on {args.key}: {response.grants[1].start}, expected {expected_start}")
    check(other_start is None or response.grants[0].start == other_start, f"batch gap on {other_key}")
    expected_start = response.grants[1].start + counts[1]
    other_start = response.grants[0].start + counts[0]
    seq_batch_calls += 1
try:
    leader_stub.GetSeqBatch(tso_pb2.GetSeqBatchRequest(entries=[
        tso_pb2.SeqRequestEntry(key=args.key, count=1), tso_pb2.SeqRequestEntry(key=args.key, count=1)]), timeout=CALL_TIMEOUT_S)
    check(False, "GetSeqBatch with a duplicate key succeeded")
except grpc.RpcError as error:
    check(error.code() == grpc.StatusCode.INVALID_ARGUMENT, f"GetSeqBatch duplicate key: {error.code()}")
after = leader_stub.GetSeq(tso_pb2.GetSeqRequest(key=args.key, count=1), timeout=CALL_TIMEOUT_S)
check(after.start == expected_start, f"the refused batch granted something: {after.start}, expected {expected_start}")
expected_start += 1

# 6. GetSeqBatch on a follower: not leader, with the trailer naming the leader.
for endpoint in followers:
    try:
        stub(endpoint).GetSeqBatch(tso_pb2.GetSeqBatchRequest(entries=[tso_pb2.SeqRequestEntry(key="a", count=1)]), timeout=CALL_TIMEOUT_S)
        check(False, f"GetSeqBatch on follower {endpoint} succeeded")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.FAILED_PRECONDITION, f"GetSeqBatch on follower {endpoint}: {error.code()}")
        trailers = dict(error.trailing_metadata() or ())
        check(HINT_TRAILER in trailers and tso_pb2.LeaderHint.FromString(trailers[HINT_TRAILER]).leader_endpoint == leader,
              f"GetSeqBatch hint from {endpoint}")

# 7. The safe points: on the leader, its epoch, max-safe below the frontier, the frontier above
#    every timestamp granted; on a follower 0 with epoch 0 (never a redirect).
max_safe = leader_stub.GetCurrentMaxSafe(tso_pb2.GetCurrentMaxSafeRequest(), timeout=CALL_TIMEOUT_S)
frontier = leader_stub.GetSafeFrontier(tso_pb2.GetSafeFrontierRequest(), timeout=CALL_TIMEOUT_S)
check(((max_safe.epoch_hi << 64) | max_safe.epoch_lo) == epoch, f"GetCurrentMaxSafe epoch: {max_safe}")
check(((frontier.epoch_hi << 64) | frontier.epoch_lo) == epoch, f"GetSafeFrontier epoch: {frontier}")
check(frontier.frontier_physical_ms > (last >> 18), f"frontier {frontier.frontier_physical_ms} not above the last grant's ms {last >> 18}")
check(0 < max_safe.max_safe_physical_ms < frontier.frontier_physical_ms, f"max safe {max_safe.max_safe_physical_ms} vs frontier {frontier.frontier_physical_ms}")
for endpoint in followers:
    follower_max_safe = stub(endpoint).GetCurrentMaxSafe(tso_pb2.GetCurrentMaxSafeRequest(), timeout=CALL_TIMEOUT_S)
    follower_frontier = stub(endpoint).GetSafeFrontier(tso_pb2.GetSafeFrontierRequest(), timeout=CALL_TIMEOUT_S)
    check((follower_max_safe.max_safe_physical_ms, follower_max_safe.epoch_hi, follower_max_safe.epoch_lo) == (0, 0, 0), f"follower {endpoint} max safe: {follower_max_safe}")
    check((follower_frontier.frontier_physical_ms, follower_frontier.epoch_hi, follower_frontier.epoch_lo) == (0, 0, 0), f"follower {endpoint} frontier: {follower_frontier}")
safe_point_calls = 2 + 2 * len(followers)

# 8. The lease RPCs (not built yet): UNIMPLEMENTED.
unimplemented = []
others = [
    ("AcquireLease", tso_pb2.AcquireLeaseRequest(holder=b"h", holder_epoch=1, ttl_ms=10000)),
    ("RenewLease", tso_pb2.RenewLeaseRequest(lease_id=1)),
    ("ReleaseLease", tso_pb2.ReleaseLeaseRequest(lease_id=1)),
]
for name, request in others:
    try:
        getattr(leader_stub, name)(request, timeout=CALL_TIMEOUT_S)
        check(False, f"{name} succeeded")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.UNIMPLEMENTED, f"{name}: {error.code()}")
        unimplemented.append(name)

for channel in channels.values():
    channel.close()
print(json.dumps({"leader": leader, "hops": hops, "ts_calls": ts_calls, "seq_calls": seq_calls,
                  "seq_batch_calls": seq_batch_calls, "safe_point_calls": safe_point_calls,
                  "seq_end": expected_start, "epoch": str(epoch), "unimplemented": unimplemented}))

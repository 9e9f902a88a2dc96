#!/usr/bin/env python3
"""Finds the leading masterha master from Python, with stubs generated from master-api's .proto files.

    examples/python/generate.sh /tmp/masterha-gen
    PYTHONPATH=/tmp/masterha-gen python3 examples/python/find_leader.py --master=10.0.0.11:5050,10.0.0.12:5050
    PYTHONPATH=/tmp/masterha-gen python3 examples/python/find_leader.py --master=... --watch=0

Without --watch it asks the masters in turn (GetInfo) until one answers and prints the leader that master
sees. With --watch=N it follows the leader through the masters' WatchLeader streams, moving to the next
master when a stream breaks, and exits after N changes (0: never). Like every masterha client it ignores a
leader whose epoch is below one it has already seen: that report comes from a stale master.

Output lines (one per fact, key=value):
    master endpoint=HOST:PORT backend=NAME leading=true|false
    leader pid=PID endpoint=HOST:PORT epoch=N reported_by=HOST:PORT
    no-leader reported_by=HOST:PORT
    stale pid=PID epoch=N highest_epoch=M reported_by=HOST:PORT
Exit codes: 0 a leader was found (or N changes were seen), 1 no master answered or none sees a leader,
2 bad arguments.
"""

import argparse
import sys
import time

import grpc

from masterha import master_service_pb2 as api
from masterha import master_service_pb2_grpc as api_grpc


def endpoint(info):
    """host:port of a master's gRPC API, from its MasterInfo: the address field, else its pid."""
    if info.HasField("address") and info.address.ip:
        return "%s:%d" % (info.address.ip, info.address.port)
    return info.pid.split("@", 1)[-1]


def channel(target, args):
    if not args.ca:
        return grpc.insecure_channel(target)
    with open(args.ca, "rb") as f:
        ca = f.read()
    cert = key = None
    if args.cert:
        with open(args.cert, "rb") as f:
            cert = f.read()
        with open(args.key, "rb") as f:
            key = f.read()
    return grpc.secure_channel(target, grpc.ssl_channel_credentials(ca, key, cert))


def say(kind, **fields):
    print(kind + "".join(" %s=%s" % (k, v) for k, v in fields.items()), flush=True)


def get_info(args):
    """Asks each master in turn; any master, leader or not, answers with the leader it sees."""
    for target in args.masters:
        with channel(target, args) as ch:
            try:
                info = api_grpc.MasterServiceStub(ch).GetInfo(api.GetInfoRequest(), timeout=args.timeout)
            except grpc.RpcError as e:
                print("find_leader: %s does not answer: %s" % (target, e.code()), file=sys.stderr)
                continue
        say("master", endpoint=target, backend=info.backend, leading=str(info.leading).lower())
        if not info.HasField("leader"):
            say("no-leader", reported_by=target)
            continue
        leader = info.leader
        say("leader", pid=leader.info.pid, endpoint=endpoint(leader.info), epoch=leader.epoch,
            reported_by=target)
        return 0
    return 1


def watch(args):
    """Follows WatchLeader streams, one at a time, moving on when one breaks; epochs never go back."""
    highest = -1
    current = None
    changes = 0
    attempt = 0
    while True:
        target = args.masters[attempt % len(args.masters)]
        attempt += 1
        with channel(target, args) as ch:
            try:
                for event in api_grpc.MasterServiceStub(ch).WatchLeader(api.WatchLeaderRequest()):
                    if not event.HasField("leader"):
                        seen = None
                    elif event.leader.epoch < highest:
                        say("stale", pid=event.leader.info.pid, epoch=event.leader.epoch,
                            highest_epoch=highest, reported_by=target)
                        continue
                    else:
                        highest = event.leader.epoch
                        seen = (event.leader.info.pid, event.leader.epoch)
                    if seen == current:
                        continue
                    current = seen
                    if seen is None:
                        say("no-leader", reported_by=target)
                    else:
                        say("leader", pid=seen[0], endpoint=endpoint(event.leader.info), epoch=seen[1],
                            reported_by=target)
                    changes += 1
                    if args.watch and changes >= args.watch:
                        return 0
            except grpc.RpcError as e:
                print("find_leader: the stream of %s ended: %s; trying the next master" % (target, e.code()),
                      file=sys.stderr)
        time.sleep(args.backoff)


def main():
    p = argparse.ArgumentParser(description="Find the leading masterha master.")
    p.add_argument("--master", required=True, help="HOST:PORT[,HOST:PORT...] of masters' gRPC API")
    p.add_argument("--watch", type=int, help="follow the leader; exit after N changes (0: never)")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds a GetInfo call may take")
    p.add_argument("--backoff", type=float, default=0.2, help="seconds between stream attempts")
    p.add_argument("--ca", help="PEM CA of the masters' certificates: TLS on")
    p.add_argument("--cert", help="PEM client certificate for mutual TLS (with --key and --ca)")
    p.add_argument("--key", help="PEM key of --cert")
    args = p.parse_args()
    args.masters = [m.strip() for m in args.master.split(",") if m.strip()]
    if not args.masters or any(":" not in m for m in args.masters):
        p.error("--master: expected HOST:PORT[,HOST:PORT...], e.g. --master=127.0.0.1:5050")
    if bool(args.cert) != bool(args.key) or (args.cert and not args.ca):
        p.error("--cert and --key go together, and need --ca")
    return watch(args) if args.watch is not None else get_info(args)


if __name__ == "__main__":
    sys.exit(main())

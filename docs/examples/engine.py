"""A consensus or compute engine in another language, talking to its
Paraloom node over gRPC (docs/queries.md walks through it).

Usage: python3 engine.py STUBS_DIR HOST:PORT COMMAND [ARGS]

STUBS_DIR holds the modules protoc generated from the node's proto files
(paraloom/v1/*_pb2*.py; see docs/queries.md for the protoc line).

Commands (each prints JSON lines on stdout):
  peers                                 the node's view of the validators (one WatchPeers snapshot)
  serve [answer|late]                   attach to Query.Serve and answer withdrawal-proof
                                        requests peers send this node; `late` answers each
                                        only after its deadline (the node drops those)
  withdrawal-proof PEER NULLIFIER_HEX [TIMEOUT_MS]
                                        ask PEER (validator identity, PeerId or multiaddr)
                                        for a withdrawal proof through this node
  state-sync PEER FROM_HEIGHT MAX_BLOCKS
                                        ask PEER for the blocks it has from FROM_HEIGHT on
"""

import hashlib
import json
import queue
import struct
import sys
import threading
import time

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from paraloom.v1 import peer_monitor_pb2, peer_monitor_pb2_grpc  # noqa: E402
from paraloom.v1 import query_pb2, query_pb2_grpc  # noqa: E402

TIMEOUT_S = 30


def emit(obj):
    print(json.dumps(obj), flush=True)


def proof_found(nullifier):
    """WithdrawalProofResponse::Found as bincode (wire.md): u32 variant 0, then
    merkle_root [u8; 32], leaf_index u64, siblings Vec<[u8; 32]>, proof Vec<u8>;
    integers little-endian, vector lengths u64. A real engine looks the
    nullifier up in its tree; this one derives a stand-in proof from it."""
    merkle_root = hashlib.sha256(nullifier).digest()
    siblings = [hashlib.sha256(merkle_root + nullifier).digest()]
    proof = b"proof-from-python"
    return (
        struct.pack("<I", 0)
        + merkle_root
        + struct.pack("<Q", 7)
        + struct.pack("<Q", len(siblings))
        + b"".join(siblings)
        + struct.pack("<Q", len(proof))
        + proof
    )


def serve(channel, mode):
    stub = query_pb2_grpc.QueryStub(channel)
    outbox = queue.Queue()
    # Optional first message: what this process answers (withdrawal proofs only here).
    outbox.put(query_pb2.ServeResponse(attach=query_pb2.ServeAttach(withdrawal_proof=True)))
    stream = stub.Serve(iter(outbox.get, None))
    # The node sends its headers once the stream is attached.
    if dict(stream.initial_metadata()).get("paraloom-serve-attached") != "true":
        raise RuntimeError("not attached")
    emit({"attached": True})
    try:
        for request in stream:
            if request.protocol != query_pb2.SERVED_PROTOCOL_WITHDRAWAL_PROOF:
                # Never asked for state sync; an empty answer refuses.
                outbox.put(query_pb2.ServeResponse(answer=query_pb2.ServeAnswer(id=request.id)))
                continue
            answer = query_pb2.ServeResponse(
                answer=query_pb2.ServeAnswer(id=request.id, response=proof_found(request.nullifier))
            )
            if mode == "late":
                delay = max(0.0, request.deadline_ms / 1000 - time.time()) + 0.3
                threading.Timer(delay, outbox.put, [answer]).start()
            else:
                outbox.put(answer)
            emit({
                "served": request.id,
                "from_validator": request.from_validator,
                "nullifier": request.nullifier.hex(),
                "deadline_ms": request.deadline_ms,
                "mode": mode,
            })
    except grpc.RpcError as err:
        if err.code() != grpc.StatusCode.CANCELLED:
            emit({"error": err.code().name, "details": err.details()})
            sys.exit(1)
    finally:
        outbox.put(None)


def withdrawal_proof(channel, peer, nullifier_hex, timeout_ms=0):
    stub = query_pb2_grpc.QueryStub(channel)
    request = query_pb2.QueryWithdrawalProofRequest(
        peer=peer, nullifier=bytes.fromhex(nullifier_hex), timeout_ms=int(timeout_ms)
    )
    started = time.monotonic()
    try:
        res = stub.WithdrawalProof(request, timeout=TIMEOUT_S)
    except grpc.RpcError as err:
        emit({
            "error": err.code().name,
            "details": err.details(),
            "request_error": dict(err.trailing_metadata() or ()).get("paraloom-request-error"),
            "elapsed_ms": round((time.monotonic() - started) * 1000),
        })
        return
    kind = res.WhichOneof("result")
    out = {"result": kind, "peer_id": res.peer_id, "bincode": res.response.hex()}
    if kind == "found":
        out.update(
            merkle_root=res.found.merkle_root.hex(),
            leaf_index=res.found.leaf_index,
            siblings=[s.hex() for s in res.found.siblings],
            proof=res.found.proof.decode(),
        )
    elif kind == "pending":
        out["eta_slots"] = res.pending.eta_slots
    emit(out)


def state_sync(channel, peer, from_height, max_blocks):
    stub = query_pb2_grpc.QueryStub(channel)
    request = query_pb2.QueryStateSyncRequest(
        peer=peer, from_height=int(from_height), max_blocks=int(max_blocks)
    )
    try:
        res = stub.StateSync(request, timeout=TIMEOUT_S)
    except grpc.RpcError as err:
        emit({"error": err.code().name, "details": err.details()})
        return
    emit({
        "tip_height": res.tip_height,
        "peer_id": res.peer_id,
        "blocks": [
            {"height": b.height, "round": b.round, "proposer": b.proposer, "bytes": len(b.proposal)}
            for b in res.blocks
        ],
    })


def peers(channel):
    stub = peer_monitor_pb2_grpc.PeerMonitorStub(channel)
    stream = stub.WatchPeers(peer_monitor_pb2.WatchPeersRequest(), timeout=TIMEOUT_S)
    try:
        for event in stream:
            if event.WhichOneof("event") == "snapshot":
                emit([
                    {"validator": p.validator, "state": peer_monitor_pb2.PeerState.Name(p.state)}
                    for p in event.snapshot.peers
                ])
                return
    finally:
        stream.cancel()


def main():
    command, args = sys.argv[3], sys.argv[4:]
    with grpc.insecure_channel(sys.argv[2]) as channel:
        if command == "serve":
            serve(channel, args[0] if args else "answer")
        elif command == "withdrawal-proof":
            withdrawal_proof(channel, *args)
        elif command == "state-sync":
            state_sync(channel, *args)
        elif command == "peers":
            peers(channel)
        else:
            sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()

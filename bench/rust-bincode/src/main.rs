//! Rust bincode 1.3 on the codec benchmark's two workloads, timed the way
//! packages/codec/bench times @paraloom/codec: calibrated batches, warm-up,
//! then round-robin rounds. Prints one JSON line per workload with the FNV-1a
//! digest of its encoding (the runner checks it against the TypeScript
//! encoder), then one line per case with the ns/op of every round.
//! Usage: paraloom-bincode-bench [--quick] [--rounds=N] [--warmup=N]

use bincode::Options;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_big_array::BigArray;
use serde_bytes::ByteBuf;
use std::hint::black_box;
use std::time::Instant;

#[derive(Serialize, Deserialize)]
enum Network {
    Mainnet,
    Devnet,
    Testnet,
    Localnet,
}

#[derive(Serialize, Deserialize)]
enum VoteKind {
    Prevote,
    Precommit,
}

#[derive(Serialize, Deserialize)]
struct Signature(#[serde(with = "BigArray")] [u8; 64]);

#[derive(Serialize, Deserialize)]
struct Vote {
    network: Network,
    height: u64,
    round: u32,
    kind: VoteKind,
    block_hash: Option<[u8; 32]>,
    voter: [u8; 32],
    signature: Signature,
}

#[derive(Serialize, Deserialize)]
struct BlockHeader {
    network: Network,
    height: u64,
    round: u32,
    parent_hash: [u8; 32],
    state_root: [u8; 32],
    tx_root: [u8; 32],
    proposer: [u8; 32],
    timestamp_ms: i64,
}

#[derive(Serialize, Deserialize)]
struct BlockProposal {
    header: BlockHeader,
    transactions: Vec<ByteBuf>,
    signature: Signature,
}

/// The wire.md options: fixed-width little-endian integers, a size cap,
/// trailing bytes rejected (as @paraloom/codec decodes).
fn wire(cap: u64) -> impl Options {
    bincode::options()
        .with_fixint_encoding()
        .with_little_endian()
        .with_limit(cap)
        .reject_trailing_bytes()
}

const VOTE_CAP: u64 = 4 * 1024;
const BLOCK_CAP: u64 = 1024 * 1024;
const SEED: u32 = 0x9e37_79b9;

/// xorshift32, the byte stream packages/codec/bench/workloads.js uses too.
struct Bytes(u32);

impl Bytes {
    fn next<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for b in out.iter_mut() {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            *b = (self.0 & 0xff) as u8;
        }
        out
    }
}

fn vote() -> Vote {
    let mut bytes = Bytes(SEED);
    Vote {
        network: Network::Devnet,
        height: 123_456_789,
        round: 7,
        kind: VoteKind::Precommit,
        block_hash: Some(bytes.next()),
        voter: bytes.next(),
        signature: Signature(bytes.next()),
    }
}

fn block() -> BlockProposal {
    let mut bytes = Bytes(SEED);
    let header = BlockHeader {
        network: Network::Devnet,
        height: 123_456_789,
        round: 7,
        parent_hash: bytes.next(),
        state_root: bytes.next(),
        tx_root: bytes.next(),
        proposer: bytes.next(),
        timestamp_ms: 1_700_000_000_000,
    };
    let transactions = (0..100)
        .map(|_| ByteBuf::from(bytes.next::<200>().to_vec()))
        .collect();
    BlockProposal {
        header,
        transactions,
        signature: Signature(bytes.next()),
    }
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

struct Case {
    workload: &'static str,
    op: &'static str,
    bytes: usize,
    run: Box<dyn Fn()>,
}

/// Prints the digest of `value`'s encoding; returns its encode and decode cases.
fn cases_for<T: Serialize + DeserializeOwned + 'static>(
    workload: &'static str,
    value: T,
    cap: u64,
) -> Vec<Case> {
    let bytes = wire(cap).serialize(&value).expect("the workload encodes");
    println!(
        "{{\"workload\":\"{}\",\"bytes\":{},\"fnv1a64\":\"{:016x}\"}}",
        workload,
        bytes.len(),
        fnv1a64(&bytes)
    );
    let len = bytes.len();
    vec![
        Case {
            workload,
            op: "encode",
            bytes: len,
            run: Box::new(move || {
                black_box(wire(cap).serialize(black_box(&value)).unwrap());
            }),
        },
        Case {
            workload,
            op: "decode",
            bytes: len,
            run: Box::new(move || {
                black_box(wire(cap).deserialize::<T>(black_box(&bytes)).unwrap());
            }),
        },
    ]
}

fn batch_ns(run: &dyn Fn(), iterations: u64) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        run();
    }
    start.elapsed().as_nanos() as f64
}

fn calibrate(run: &dyn Fn(), round_ms: f64) -> u64 {
    let mut iterations = 1u64;
    loop {
        let ns = batch_ns(run, iterations);
        if ns >= round_ms * 1e6 || iterations >= 1 << 26 {
            return ((iterations as f64 * round_ms * 1e6 / ns.max(1.0)).round() as u64).max(1);
        }
        iterations *= 2;
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let option = |name: &str, fallback: usize| {
        let prefix = format!("--{}=", name);
        args.iter()
            .find_map(|a| a.strip_prefix(&prefix).and_then(|v| v.parse().ok()))
            .unwrap_or(fallback)
    };
    let (rounds, warmup, round_ms) = if quick { (5, 1, 15.0) } else { (11, 3, 60.0) };
    let (rounds, warmup) = (option("rounds", rounds), option("warmup", warmup));

    let mut cases = cases_for("Vote", vote(), VOTE_CAP);
    cases.extend(cases_for("BlockProposal", block(), BLOCK_CAP));

    let batches: Vec<u64> = cases.iter().map(|c| calibrate(&*c.run, round_ms)).collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    for round in 0..warmup + rounds {
        for (i, case) in cases.iter().enumerate() {
            let ns = batch_ns(&*case.run, batches[i]);
            if round >= warmup {
                samples[i].push(ns / batches[i] as f64);
            }
        }
    }
    for (case, ns) in cases.iter().zip(samples) {
        let list: Vec<String> = ns.iter().map(|x| format!("{:.3}", x)).collect();
        println!(
            "{{\"workload\":\"{}\",\"op\":\"{}\",\"bytes\":{},\"samplesNsPerOp\":[{}]}}",
            case.workload,
            case.op,
            case.bytes,
            list.join(",")
        );
    }
}

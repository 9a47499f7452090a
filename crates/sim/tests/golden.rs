//! Golden trace hashes: a few runs of each mode, with faults, pinned to the hash of every event
//! they process. A refactoring must leave them as they are; a change of behaviour (a protocol
//! fix) re-records them in a commit that says why. Print the current values with
//! `QLAB_GOLDEN_PRINT=1 cargo test -p quorumlab-sim --test golden -- --nocapture`.

use quorumlab_sim::hash::hex;
use quorumlab_sim::scenario;
use quorumlab_sim::setup::{build, Mode, Setup};
use quorumlab_sim::Time;

/// (mode, sizes (controllers or ensemble, brokers), seed, scenario, until (s), trace hash, events).
type Golden = (Mode, (usize, usize), u64, &'static str, u64, &'static str, u64);

const FAULTS: &str = "at 5s crash controller\n\
                      at 9s restart b1\n\
                      at 12s create-topic payments partitions=4 rf=3\n\
                      at 15s partition b2 | c1 c2 c3 zk1 zk2 zk3\n\
                      at 25s heal\n\
                      at 30s shutdown b3\n\
                      at 32s alter-config orders retention.ms=60000\n\
                      at 35s crash leader\n\
                      at 40s loss 20\n\
                      at 45s delay 20ms\n\
                      at 50s restart leader";

/// Many partitions: the ZooKeeper-mode controller's context load and KRaft's records at scale.
const SCALE: &str = "at 3s create-topic big partitions=20000 rf=3\n\
                     at 20s crash controller\n\
                     at 30s crash b1\n\
                     at 45s restart b1";

fn script(mode: Mode, text: &str) -> String {
    // The partition names the nodes each mode has.
    let text = match mode {
        Mode::Kraft => text.replace(" zk1 zk2 zk3", ""),
        Mode::Zk => text.replace(" c1 c2 c3", ""),
    };
    // `restart leader` has nobody to name once the leader crashed: restart the first quorum node.
    text.replace(
        "restart leader",
        match mode {
            Mode::Kraft => "restart c1",
            Mode::Zk => "restart zk1",
        },
    )
}

const GOLDEN: &[Golden] = &[
    (Mode::Kraft, (3, 3), 1, "", 30, "01f5e5fb9a3e6638", 6306),
    (Mode::Kraft, (3, 3), 7, FAULTS, 80, "c7fef8614cffb2d1", 9349),
    (Mode::Kraft, (4, 5), 11, FAULTS, 80, "e3f67aa16b2ddb0f", 20288),
    (Mode::Kraft, (5, 3), 23, FAULTS, 80, "2363f3d05f3129e0", 13164),
    (Mode::Kraft, (3, 6), 5, SCALE, 80, "e37918966596a290", 17374),
    (Mode::Zk, (3, 3), 1, "", 30, "0fa85d5bf615d512", 573),
    (Mode::Zk, (3, 3), 7, FAULTS, 80, "6173f5d805e0c44e", 1219),
    (Mode::Zk, (5, 5), 11, FAULTS, 80, "4e13e253bfe3abec", 2730),
    (Mode::Zk, (7, 4), 23, FAULTS, 80, "9834e24a57580c5e", 3552),
    (Mode::Zk, (3, 6), 5, SCALE, 80, "385e5f236d2b9125", 2043),
];

fn run(&(mode, (quorum, brokers), seed, text, until_s, _, _): &Golden) -> (String, u64) {
    let script = scenario::parse(&script(mode, text)).expect("the golden scenario parses");
    let setup = Setup { mode, seed, controllers: quorum.min(5), ensemble: quorum, brokers, script, ..Setup::default() };
    let setup = match mode {
        Mode::Kraft => Setup { ensemble: 3, ..setup },
        Mode::Zk => Setup { controllers: 3, ..setup },
    };
    let mut cluster = build(&setup).expect("builds");
    cluster.run_until(Time::from_secs(until_s), usize::MAX);
    assert!(cluster.violations().is_empty(), "{mode:?} seed {seed}: {:?}", cluster.violations());
    (hex(cluster.trace_hash()), cluster.events_processed())
}

#[test]
fn golden_trace_hashes_are_unchanged() {
    let print = std::env::var_os("QLAB_GOLDEN_PRINT").is_some();
    let mut wrong = Vec::new();
    for golden in GOLDEN {
        let (hash, events) = run(golden);
        if print {
            println!("{:?} {:?} seed {}: \"{hash}\", {events}", golden.0, golden.1, golden.2);
        }
        if (hash.as_str(), events) != (golden.5, golden.6) {
            wrong.push(format!("{:?} {:?} seed {}: {hash} after {events} events", golden.0, golden.1, golden.2));
        }
    }
    assert!(wrong.is_empty(), "trace hashes changed:\n{}", wrong.join("\n"));
}

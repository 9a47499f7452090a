//! The experiments' qualitative shape, at small sizes (`crate::experiment`): nothing here is a
//! recorded result; every assertion compares runs the engine makes now, so a model change that
//! flattens ZooKeeper mode's failover or KRaft's election tail makes them fail.

use quorumlab_sim::experiment::elections::{fig16, percentile, ElectionParams, ElectionRow, ElectionSweep};
use quorumlab_sim::experiment::propagation::{PropagationParams, PropagationRow, PropagationSweep};
use quorumlab_sim::experiment::scale::{ScaleParams, ScaleRow, ScaleSweep};
use quorumlab_sim::experiment::stall::{StallParams, StallRow, StallSweep};
use quorumlab_sim::experiment::{run_all, Advance, Sweep};
use quorumlab_sim::scenario;
use quorumlab_sim::setup::{build, Mode, Setup};

fn scale(mode: Mode, partitions: &[u32]) -> Vec<ScaleRow> {
    let params = ScaleParams { partitions: partitions.to_vec(), modes: vec![mode], ..ScaleParams::default() };
    let rows = run_all(&mut ScaleSweep::new(params).unwrap());
    for r in &rows {
        assert!(r.complete, "{r:?}");
        assert_eq!(r.violations, 0, "{r:?}");
        assert!(r.link.starts_with(&format!("?mode={}&seed=1&", mode.as_str())), "{}", r.link);
    }
    rows
}

#[test]
fn zookeeper_mode_failover_grows_with_partitions_and_kraft_stays_flat() {
    let zk = scale(Mode::Zk, &[1_000, 50_000, 100_000]);
    let kraft = scale(Mode::Kraft, &[1_000, 100_000]);
    let ms = |r: &ScaleRow| r.controller_failover_ms.unwrap();
    println!("zk failover {:?}", zk.iter().map(ms).collect::<Vec<_>>());
    println!("kraft failover {:?}", kraft.iter().map(ms).collect::<Vec<_>>());
    // ZooKeeper mode reads every partition's state before it acts: each 50,000 partitions
    // add seconds on top of the session expiry.
    assert!(ms(&zk[1]) > ms(&zk[0]) + 3_000, "{} then {}", ms(&zk[0]), ms(&zk[1]));
    assert!(ms(&zk[2]) > ms(&zk[1]) + 3_000, "{} then {}", ms(&zk[1]), ms(&zk[2]));
    // KRaft's standbys hold the state already: a hundred times the partitions, the same
    // failover within a second, and far below ZooKeeper mode's at every size.
    assert!(ms(&kraft[1]).abs_diff(ms(&kraft[0])) < 1_000, "{} then {}", ms(&kraft[0]), ms(&kraft[1]));
    assert!(ms(&kraft[0]) < ms(&zk[0]) && ms(&kraft[1]) < ms(&zk[2]));
    for r in zk.iter().chain(&kraft) {
        assert!(r.broker_crash_recovery_ms.is_some() && r.controlled_shutdown_ms.is_some(), "{r:?}");
        assert!(r.partitions_led > 0, "{r:?}");
    }
}

/// A row's script and setup replay the run: the stopwatch of the replay shows the failover
/// the row measured, in both modes.
#[test]
fn a_scale_row_replays_from_its_script() {
    for mode in [Mode::Zk, Mode::Kraft] {
        let row = &scale(mode, &[1_000])[0];
        let script = scenario::parse(&row.script).unwrap();
        let failover_at = script.steps[0].at;
        let setup = Setup {
            mode,
            seed: row.seed,
            brokers: row.brokers,
            partitions: row.partitions,
            script,
            ..Setup::default()
        };
        let mut cluster = build(&setup).unwrap();
        let failover_ms = row.controller_failover_ms.unwrap();
        cluster.run_until(failover_at.plus_ms(failover_ms + 1), usize::MAX);
        assert_eq!(cluster.controller_gaps(), (None, Some(failover_ms)), "{mode:?}");
        // The address carries the sizes and the same script (ZooKeeper mode's with the write
        // cost the scale runs set).
        let setting = if mode == Mode::Zk { "set%20controller.write.us.per.partition%3D300%0A" } else { "" };
        let head = format!(
            "?mode={}&seed=1&controllers=3&ensemble=3&brokers=6&partitions=1000&s={setting}at%20{}s%20crash%20controller%0A",
            mode.as_str(),
            failover_at.as_ms() / 1_000
        );
        assert!(row.link.starts_with(&head) && row.link.ends_with("%0A"), "{}", row.link);
    }
}

fn elections(seeds: u64) -> Vec<ElectionRow> {
    run_all(&mut ElectionSweep::new(ElectionParams { settings: fig16(), seeds, first_seed: 1 }).unwrap())
}

#[test]
fn wider_timeout_randomness_shortens_the_tail_of_elections() {
    let rows = elections(60);
    let of = |label: &str| rows.iter().filter(|r| r.setting == label).collect::<Vec<_>>();
    let p90 = |label: &str| percentile(&of(label), 900);
    let (narrow, wide) = (p90("kraft 150-155ms"), p90("kraft 150-300ms"));
    println!("p90: 150-155 {narrow:?}, 150-200 {:?}, 150-300 {wide:?}", p90("kraft 150-200ms"));
    let wide = wide.expect("150-300 ms elects within 30 s in 90 % of runs");
    // Runs that never elected count as longer than any.
    assert!(narrow.is_none_or(|n| n > 2 * wide), "150-155: {narrow:?}, 150-300: {wide}");
    for r in &rows {
        assert_eq!(r.violations, 0, "{r:?}");
        // The crash comes within one heartbeat after the warm-up.
        assert!((3_000..3_075).contains(&r.crash_at_ms), "{r:?}");
    }
    // ZooKeeper's election is not randomised: a finalizeWait 150 ms shorter shortens it by
    // about that much.
    let zk200 = percentile(&of("zk tick 30ms finalizeWait 200ms"), 500).unwrap();
    let zk50 = percentile(&of("zk tick 30ms finalizeWait 50ms"), 500).unwrap();
    assert!(zk200 >= zk50 + 100, "{zk200} vs {zk50}");
}

#[test]
fn an_election_row_replays_from_its_script() {
    let rows = elections(3);
    let row = rows.iter().find(|r| r.setting == "kraft 150-300ms" && r.leaderless_ms.is_some()).unwrap();
    let setup = Setup {
        mode: Mode::Kraft,
        seed: row.seed,
        controllers: 5,
        brokers: 0,
        partitions: 0,
        script: scenario::parse(&row.script).unwrap(),
        ..Setup::default()
    };
    // The crash time to the microsecond (the row's `crash_at_ms` is rounded down).
    let crash_at = setup.script.steps[0].at;
    assert_eq!(crash_at.as_ms(), row.crash_at_ms);
    let mut cluster = build(&setup).unwrap();
    let ms = row.leaderless_ms.unwrap();
    cluster.run_until(crash_at.plus_ms(ms + 1), usize::MAX);
    let (running, last) = cluster.controller_gaps();
    assert_eq!(running, None);
    assert!(last.is_some_and(|gap| gap.abs_diff(ms) <= 1), "{last:?} vs {ms}");
}

#[test]
fn zookeeper_mode_pushes_changes_slower_than_kraft_fetches_them_at_every_size() {
    let params = PropagationParams { brokers: vec![3, 25, 60], ..PropagationParams::default() };
    let rows: Vec<PropagationRow> = run_all(&mut PropagationSweep::new(params).unwrap());
    let get = |mode: Mode, brokers: usize| rows.iter().find(|r| r.mode == mode && r.brokers == brokers).unwrap();
    for b in [3, 25, 60] {
        let (zk, kraft) = (get(Mode::Zk, b), get(Mode::Kraft, b));
        println!(
            "{b} brokers: zk {:?}/{:?}, kraft {:?}/{:?}",
            zk.create_topic_ms, zk.alter_config_ms, kraft.create_topic_ms, kraft.alter_config_ms
        );
        assert!(zk.settled && kraft.settled);
        // A new topic: ZooKeeper's commit, the controller's watch, its reads and writes, then
        // LeaderAndIsr and UpdateMetadata; KRaft: one committed batch the brokers fetch.
        assert!(zk.create_topic_ms.unwrap() > kraft.create_topic_ms.unwrap(), "{zk:?} {kraft:?}");
        assert!(zk.alter_config_ms.unwrap() > kraft.alter_config_ms.unwrap(), "{zk:?} {kraft:?}");
    }
    // Neither mode charges a per-broker cost: twenty times the brokers, not twice the time.
    let k = |b| get(Mode::Kraft, b).create_topic_ms.unwrap();
    assert!(k(60) <= 2 * k(3), "{} vs {}", k(60), k(3));
}

#[test]
fn a_longer_stall_expires_more_sessions_in_zookeeper_mode() {
    let params = StallParams { stall_s: vec![5, 30], ..StallParams::default() };
    let rows: Vec<StallRow> = run_all(&mut StallSweep::new(params).unwrap());
    let get = |mode: Mode, s: u64| rows.iter().find(|r| r.mode == mode && r.stall_s == s).unwrap();
    let (short, long) = (get(Mode::Zk, 5), get(Mode::Zk, 30));
    println!("zk: {short:?}\n{long:?}\nkraft: {:?}\n{:?}", get(Mode::Kraft, 5), get(Mode::Kraft, 30));
    assert!(long.sessions_expired > short.sessions_expired, "{short:?} {long:?}");
    // 30 s is longer than the 18 s session: every broker's session expires.
    assert_eq!(long.sessions_expired, 6);
    // KRaft fences brokers it has not heard from for 9 s: none at 5 s, every one at 30 s.
    assert_eq!((get(Mode::Kraft, 5).sessions_expired, get(Mode::Kraft, 30).sessions_expired), (0, 6));
    for r in &rows {
        assert_eq!(r.violations, 0, "{r:?}");
    }
}

/// The page runs a sweep a slice at a time: any slicing gives the rows one call gives, and
/// progress counts the points.
#[test]
fn slicing_a_sweep_changes_nothing() {
    let params = || ElectionParams { settings: fig16()[2..4].to_vec(), seeds: 3, first_seed: 5 };
    let whole = run_all(&mut ElectionSweep::new(params()).unwrap());
    let mut sliced = ElectionSweep::new(params()).unwrap();
    assert_eq!(sliced.progress().total, 6);
    let mut rows = Vec::new();
    let mut calls = 0;
    loop {
        calls += 1;
        match sliced.advance(97) {
            Advance::Working => {}
            Advance::Row(r) => {
                rows.push(r);
                assert_eq!(sliced.progress().done, rows.len());
            }
            Advance::Finished => break,
        }
    }
    assert!(calls > 20, "{calls} calls");
    assert_eq!(rows, whole);
}

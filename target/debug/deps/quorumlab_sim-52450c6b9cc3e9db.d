/work/main/target/debug/deps/quorumlab_sim-52450c6b9cc3e9db.d: crates/sim/src/lib.rs crates/sim/src/cluster.rs crates/sim/src/hash.rs crates/sim/src/kraft/mod.rs crates/sim/src/net.rs crates/sim/src/rng.rs crates/sim/src/time.rs crates/sim/src/world.rs crates/sim/src/scenario.rs crates/sim/src/summary.rs crates/sim/src/zk/mod.rs

/work/main/target/debug/deps/libquorumlab_sim-52450c6b9cc3e9db.rlib: crates/sim/src/lib.rs crates/sim/src/cluster.rs crates/sim/src/hash.rs crates/sim/src/kraft/mod.rs crates/sim/src/net.rs crates/sim/src/rng.rs crates/sim/src/time.rs crates/sim/src/world.rs crates/sim/src/scenario.rs crates/sim/src/summary.rs crates/sim/src/zk/mod.rs

/work/main/target/debug/deps/libquorumlab_sim-52450c6b9cc3e9db.rmeta: crates/sim/src/lib.rs crates/sim/src/cluster.rs crates/sim/src/hash.rs crates/sim/src/kraft/mod.rs crates/sim/src/net.rs crates/sim/src/rng.rs crates/sim/src/time.rs crates/sim/src/world.rs crates/sim/src/scenario.rs crates/sim/src/summary.rs crates/sim/src/zk/mod.rs

crates/sim/src/lib.rs:
crates/sim/src/cluster.rs:
crates/sim/src/hash.rs:
crates/sim/src/kraft/mod.rs:
crates/sim/src/net.rs:
crates/sim/src/rng.rs:
crates/sim/src/time.rs:
crates/sim/src/world.rs:
crates/sim/src/scenario.rs:
crates/sim/src/summary.rs:
crates/sim/src/zk/mod.rs:

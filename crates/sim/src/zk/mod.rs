//! ZooKeeper mode: see zk/*.rs.

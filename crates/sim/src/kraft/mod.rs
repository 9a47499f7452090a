//! KRaft mode (placeholder while the controller is written).

//! Where each node sits, as fractions of the stage, shared by the canvas and the accessible
//! overlay (which places its buttons by percentage, so it needs no resize handling).

use crate::jsmath;
use quorumlab_sim::cluster::{NodeKind, NodeView};

/// Stage aspect ratio (height / width) for a given number of nodes.
pub fn aspect(_nodes: usize) -> f64 {
    0.68
}

/// Centre of each node as (x, y) fractions of the stage width and height.
pub fn positions(views: &[NodeView], out: &mut Vec<(f64, f64)>) {
    out.clear();
    let quorum = views.iter().filter(|v| v.kind != NodeKind::Broker).count().max(1);
    let brokers = views.iter().filter(|v| v.kind == NodeKind::Broker).count();
    // A larger quorum gets a wider ring: the stage is wider than tall (and flatter still above
    // the docked controls), so 5 or 7 nodes on a round ring put one node's labels on the next.
    // Seven sit a little lower and flatter, so that the two beside the top one stay clear of
    // the clock in the top right corner.
    let (widen, lower) = match quorum {
        0..=3 => (0.0, 0.0),
        4..=5 => (0.05, 0.0),
        _ => (0.13, 0.02),
    };
    let ring_cy = if brokers > 0 { 0.34 + lower } else { 0.50 };
    let (rx, ry) = if brokers > 0 { (0.22 + widen, 0.22 - lower / 2.0) } else { (0.24 + widen, 0.32) };
    let mut q = 0usize;
    let mut b = 0usize;
    for v in views {
        if v.kind == NodeKind::Broker {
            // Spread over the whole width, half a gap from each edge.
            let x = (b as f64 + 0.5) / brokers as f64;
            out.push((x, 0.80));
            b += 1;
        } else {
            // Start at the top and go clockwise.
            let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * q as f64 / quorum as f64;
            out.push((0.5 + rx * jsmath::cos(angle), ring_cy + ry * jsmath::sin(angle)));
            q += 1;
        }
    }
}

/// Node radius in CSS pixels for a stage of this width.
pub fn node_radius(width: f64, height: f64, nodes: usize) -> f64 {
    let base = (width * 0.055).min(height * 0.075).clamp(11.0, 46.0);
    if nodes > 8 {
        base * 0.8
    } else {
        base
    }
}

use super::back::{roles_of, Block, LabelPlan, Side, DETAIL_DY, HALO};
use super::colours::{class_colour, faded_class_colour};
use super::flights::{label_picks, record_flights};
use super::scene::Scene;
use super::stage::Positions;
use super::stage::{clock_size, Behind};
use crate::session::lab::Lab;
use quorumlab_sim::cluster::FlightView;
use quorumlab_sim::{MsgClass, Time};

fn notification(from: usize, to: usize, sent_ms: u64) -> FlightView {
    FlightView {
        from,
        to,
        class: MsgClass::Notification,
        label: "Notification",
        is_response: false,
        vote: None,
        sent_at: Time::from_ms(sent_ms),
        deliver_at: Time::from_ms(sent_ms + 5),
    }
}

#[test]
fn each_sender_labels_its_newest_election_message_while_few_send() {
    // Three servers each broadcast to the two others, zk1 twice (it switched its vote).
    let mut flights: Vec<FlightView> = (0..3)
        .flat_map(|from| (0..3).filter(move |to| *to != from).map(move |to| notification(from, to, 10)))
        .collect();
    flights.push(notification(0, 1, 12));
    flights.push(FlightView { is_response: true, ..notification(1, 0, 13) });
    let picks = label_picks(flights.iter());
    let senders: Vec<(usize, u64)> = picks.iter().map(|f| (f.from, f.sent_at.as_ms())).collect();
    assert_eq!(senders, [(0, 12), (1, 10), (2, 10)], "one per sender, the newest; no response");
    // Six senders at once: no labels (they would overlap).
    let many: Vec<FlightView> = (0..6).map(|from| notification(from, (from + 1) % 6, 10)).collect();
    assert!(label_picks(many.iter()).is_empty());
}
use super::layout;

#[test]
fn lines_go_below_a_node_else_beside_it_else_nowhere() {
    let one = Block { lines: 1, width: 33.0, depth: 20.0, line: 17.0, role_px: 10.0 };
    let plan = |at: &[(f64, f64)], stage: (f64, f64), group: &[usize], block: Block| {
        let mut plan = LabelPlan { at, r: 10.0, stage, taken: Vec::new(), places: vec![None; at.len()] };
        plan.place(group, block).then_some(plan.places)
    };
    // Seven brokers across a 236 px embed stage are 29.5 px apart: "active" (~33 px at
    // 10 px) would touch the next one's, below or beside; three are 59 px apart and fit.
    let row = |n: usize| (0..n).map(|i| (236.0 * (i as f64 + 1.0) / (n as f64 + 1.0), 126.0)).collect::<Vec<_>>();
    let all = |n: usize| (0..n).collect::<Vec<_>>();
    assert_eq!(plan(&row(7), (236.0, 157.0), &all(7), one), None);
    let three = plan(&row(3), (236.0, 157.0), &all(3), one).expect("fits");
    assert!(three.iter().all(|p| *p == Some((Side::Below, one))));
    // A node below and beside another: two lines below the upper one would cover it, so
    // they go beside, away from the middle (the flank of a ring of 7 servers).
    let two = Block { lines: 2, width: 70.0, depth: 45.0, line: 17.0, role_px: 13.0 };
    let pair = [(140.0, 100.0), (180.0, 125.0)];
    let places = plan(&pair, (400.0, 300.0), &[0, 1], two).expect("fits");
    assert_eq!(places, vec![Some((Side::Left, two)), Some((Side::Below, two))]);
    // With no room beside either (the stage's edge), nothing is placed.
    assert_eq!(plan(&pair, (230.0, 300.0), &[0, 1], Block { width: 130.0, ..two }), None);
    // Another group's nodes are obstacles too; a lone node has room.
    assert_eq!(plan(&[(0.0, 0.0)], (10.0, 10.0), &[0], one), None, "not past the stage's edge");
    assert!(plan(&[(100.0, 50.0)], (200.0, 100.0), &[0], one).is_some());
}

#[test]
fn seven_servers_and_six_brokers_side_by_side_keep_every_role_line() {
    use crate::session::lab::Lab;
    use quorumlab_sim::setup::{Mode, Setup};
    let lab = Lab::new(Setup { mode: Mode::Zk, ensemble: 7, brokers: 6, ..Setup::default() }).expect("builds");
    // One side of the page at 1280×800 and on a 1920×1080 projector (large text, 1.35).
    for ((width, height), scale) in [((590.0, 400.0), 1.0), ((910.0, 607.0), 1.35)] {
        let mut at = Vec::new();
        layout::positions(&lab.views, &mut at);
        let at: Vec<(f64, f64)> = at.iter().map(|(x, y)| (x * width, y * height)).collect();
        let r = layout::node_radius(width, height, at.len());
        let mut plan =
            LabelPlan { at: &at, r, stage: (width, height), taken: Vec::new(), places: vec![None; at.len()] };
        // "following" in 13 px bold and "zxid 9:9999" in 12 px monospace, about.
        let two =
            Block { lines: 2, width: 80.0 * scale, depth: DETAIL_DY * scale + 7.0, line: 17.0 * scale, role_px: 13.0 };
        let one = Block { lines: 1, width: 70.0 * scale, depth: 30.0 * scale, ..two };
        let servers: Vec<usize> = (0..7).collect();
        let placed = plan.place(&servers, two) || plan.place(&servers, one);
        assert!(placed, "{width}×{height}: at least the role of every server");
        assert!(scale == 1.0 || plan.places[0] == Some((Side::Below, two)), "on the projector, both lines");
        // "shutting down" in 10.4 px bold.
        let one = Block { lines: 1, width: 75.0 * scale, depth: 30.0 * scale, line: 17.0 * scale, role_px: 10.4 };
        assert!(plan.place(&(7..13).collect::<Vec<_>>(), one), "{width}×{height}: a role under every broker");
    }
}

#[test]
fn the_clock_stays_clear_of_the_top_node_on_a_narrow_stage() {
    // Side by side in a 480×320 embed each stage is about 236×157; alone, about 470×194.
    for (width, height, nodes) in [(236.0, 157.0, 6), (236.0, 157.0, 10), (300.0, 204.0, 6), (470.0, 194.0, 6)] {
        let r = layout::node_radius(width, height, nodes);
        let px = clock_size(width, r, 1.0, [(width / 2.0, 0.12 * height)].into_iter());
        // "t = 1234.567 s" (14 characters, the longest in the first 20 minutes) at 0.6 em each.
        let left = width - 12.0 - 14.0 * 0.6 * px;
        assert!(left > width / 2.0 + r, "{width}×{height}: the clock ({px} px) starts at {left}");
    }
    let r = layout::node_radius(1200.0, 816.0, 6);
    let top = [(600.0, 98.0)];
    assert_eq!(clock_size(1200.0, r, 1.0, top.into_iter()), 16.0, "a wide stage keeps the usual size");
    assert_eq!(clock_size(1200.0, r, 1.35, top.into_iter()), 16.0 * 1.35, "and large text grows it");
    // A ring of seven in an embed: the server right of the top one sits under the corner.
    let (width, height) = (458.0, 195.0);
    let r = layout::node_radius(width, height, 10);
    let beside = (0.773 * width, 0.229 * height);
    let px = clock_size(width, r, 1.0, [(width / 2.0, 0.13 * height), beside].into_iter());
    assert!((9.0..16.0).contains(&px), "{px}");
    assert!(beside.0 + r + HALO <= width - 12.0 - 14.0 * 0.6 * px || beside.1 - r - HALO >= 8.0 + px * 1.2);
}

#[test]
fn while_playing_the_back_layer_shows_the_previous_tick_and_a_snap_shows_the_present() {
    let mut held = Behind::default();
    assert_eq!(held.pass(1, true), Some(1), "a snap shows its moment");
    assert_eq!(held.pass(2, false), None, "the first tick after it: the snap's picture stays");
    assert_eq!(held.pass(3, false), Some(2), "each tick shows the one before");
    assert_eq!(held.pass(4, false), Some(3));
    assert_eq!(held.pass(5, true), Some(5), "a pause or a step shows the present at once");
    assert_eq!(held.pass(6, false), None, "and nothing older comes back after it");
    assert_eq!(held.pass(7, false), Some(6));
}

#[test]
fn a_course_step_fades_the_messages_it_is_not_about() {
    let mut lab = Lab::new(quorumlab_sim::setup::Setup::default()).expect("opens");
    let vote = |from, to| FlightView { class: MsgClass::Vote, label: "Vote", ..notification(from, to, 10) };
    lab.flights = vec![notification(0, 1, 10), vote(2, 3)];
    lab.landed.clear();
    let at = [(0.1, 0.1), (0.9, 0.1), (0.1, 0.9), (0.9, 0.9)];
    let pos = Positions { at: &at, width: 400.0, height: 300.0 };
    let colours = |lab: &Lab| {
        let mut scene = Scene::default();
        record_flights(&mut scene, lab, &pos, 10.0);
        scene.palette().to_vec()
    };
    let (note, note_faded) = (class_colour(MsgClass::Notification), faded_class_colour(MsgClass::Notification));
    let (vote_full, vote_faded) = (class_colour(MsgClass::Vote), faded_class_colour(MsgClass::Vote));
    // Nothing highlighted: every message as usual.
    assert_eq!(colours(&lab), [vote_full, note]);
    // Node 0 highlighted: its message at full strength, the others faded and drawn first.
    lab.spotlight = vec![0];
    assert_eq!(colours(&lab), [vote_faded, note]);
    // The step names votes: those, wherever they go; the rest faded.
    lab.spot_msgs = vec![MsgClass::Vote];
    assert_eq!(colours(&lab), [note_faded, vote_full]);
    assert_eq!(vote_faded, "#9333ea40");
}

#[test]
fn each_role_but_down_belongs_to_one_kind_of_node_and_the_kinds_keep_their_own() {
    use quorumlab_sim::cluster::{NodeKind, Role};
    let kinds = [NodeKind::Controller, NodeKind::ZkServer, NodeKind::Broker];
    for role in Role::ALL {
        let holders = kinds.iter().filter(|&&k| roles_of(k).any(|r| r == role)).count();
        assert_eq!(holders, if role == Role::Down { 3 } else { 1 }, "{role:?}");
    }
    let has = |kind, role| roles_of(kind).any(|r| r == role);
    assert!(has(NodeKind::Controller, Role::Prospective) && has(NodeKind::Controller, Role::Resigned));
    assert!(has(NodeKind::ZkServer, Role::Looking) && has(NodeKind::ZkServer, Role::Observing));
    assert!(has(NodeKind::Broker, Role::Fenced) && has(NodeKind::Broker, Role::ShuttingDown));
}

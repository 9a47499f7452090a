//! The messages' digests and views: a view hashes, compares and prints as the list it stands for.
use super::*;

fn digest(value: &impl Hash) -> u64 {
    let mut h = TraceHasher::default();
    h.add(value);
    h.value()
}

/// A view of a shared table is the list of the same pairs to the trace hash, to `==` and
/// to `Debug`, whole or filtered.
#[test]
fn a_view_hashes_compares_and_prints_as_the_list() {
    let state = |p: u32| PartState { leader: p as i32 % 3, leader_epoch: p, controller_epoch: 2, isr: u64::from(p) };
    // Partition numbers need not be positions (a write's changed partitions).
    let pair = |i: usize| (3 * i as u32 + 1, state(i as u32));
    let table = Table::Pairs(Rc::new((0..200).map(pair).collect()));
    let mut only = Positions::none(table.len());
    let picked = [0usize, 5, 63, 64, 65, 127, 199];
    for i in picked {
        only.insert(i);
    }
    only.insert(5);
    let cases = [
        (States::View { table: table.clone(), only: None }, (0..200).map(pair).collect::<Vec<_>>()),
        (States::View { table: table.clone(), only: Some(Rc::new(only)) }, picked.iter().map(|i| pair(*i)).collect()),
        (States::View { table, only: Some(Rc::new(Positions::none(200))) }, Vec::new()),
    ];
    for (view, list) in cases {
        assert_eq!(view.len(), list.len());
        assert_eq!(digest(&view), digest(&list));
        assert_eq!(view, list);
        assert_eq!(view, States::List(list.clone()));
        assert_eq!(format!("{view:?}"), format!("{list:?}"));
        assert_eq!(format!("{view:#?}"), format!("{list:#?}"));
        let topic = |states: States| vec![TopicStates { topic: "t".into(), states }];
        assert_eq!(Shared::new(topic(view.clone())), Shared::new(topic(list.clone().into())));
    }
    // A write's updates and a topic's states by partition number read as their pairs.
    let updates: Vec<StateUpdate> =
        (0..70).map(|i| StateUpdate { partition: 3 * i + 1, state: state(i), expected_version: i }).collect();
    let pairs: Vec<(u32, PartState)> = updates.iter().map(|u| (u.partition, u.state)).collect();
    let mut odd = Positions::none(70);
    (1..70).step_by(2).for_each(|i| odd.insert(i));
    let tables = [
        (Table::Updates(Shared::new(updates)), pairs),
        (Table::Dense(Shared::new((0..70).map(state).collect())), (0..70).map(|p| (p, state(p))).collect()),
    ];
    let odd = Rc::new(odd);
    for (table, pairs) in tables {
        let all = States::View { table: table.clone(), only: None };
        assert_eq!((digest(&all), &all), (digest(&pairs), &States::List(pairs.clone())));
        let picked: Vec<_> = pairs.iter().skip(1).step_by(2).copied().collect();
        let some = States::View { table, only: Some(odd.clone()) };
        assert_eq!((digest(&some), format!("{some:?}")), (digest(&picked), format!("{picked:?}")));
        assert_eq!(some, picked);
    }
}

//! Rule tests for an observer finding the leader (research note item 2, Kafka 4.1
//! `pollFollowerAsObserver`, `maybeSendFetchToBestNode`, `maybeSendFetchToAnyBootstrap`).

use super::*;
use crate::kraft::log::Entry;
use crate::kraft::record::Record;

type Step = Vec<Output<Msg, Timer, Note>>;

fn broker() -> Broker {
    Broker::new(5, vec![0, 1, 2], Config::default(), 7)
}

fn step(b: &mut Broker, at_ms: u64, input: Input<Msg, Timer, Cmd>) -> Step {
    let mut out = Vec::new();
    b.step(Time::from_ms(at_ms), input, &mut out);
    out
}

fn fetches(out: &Step) -> Vec<NodeId> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send { to, msg: Msg::Fetch { .. } } => Some(*to),
            _ => None,
        })
        .collect()
}

fn the_fetch(out: &Step) -> NodeId {
    match fetches(out)[..] {
        [to] => to,
        _ => panic!("one fetch expected: {out:?}"),
    }
}

fn answer(b: &mut Broker, at_ms: u64, from: NodeId, epoch: u64, leader: Option<NodeId>, body: FetchBody) -> Step {
    step(b, at_ms, Input::Msg { from, msg: Msg::FetchResponse { epoch, leader, high_watermark: Some(0), body } })
}

/// Broker 5, started at 0 ms, told by the voter it asked that 0 leads epoch 1; its fetch to 0
/// is in flight.
fn following_0() -> (Broker, Step) {
    let mut b = broker();
    let asked = the_fetch(&step(&mut b, 0, Input::Start));
    let out = answer(&mut b, 10, asked, 1, Some(0), FetchBody::NotLeader);
    assert_eq!(b.leader, Some(0));
    (b, out)
}

#[test]
fn an_observer_asks_a_random_voter_and_follows_the_leader_it_names() {
    let (_, out) = following_0();
    assert!(out.contains(&Output::Note(Note::BrokerFollows { leader: 0, epoch: 1 })));
    assert!(out.contains(&Output::Send { to: 0, msg: Msg::BrokerRegistration { incarnation: 1 } }));
    assert_eq!(fetches(&out), vec![0]);
    assert!(out.contains(&Output::SetTimer { timer: Timer::FetchTimeout, at: Time::from_ms(2_010) }));
}

#[test]
fn an_observer_whose_leader_refuses_asks_another_voter_and_follows_the_new_leader_at_once() {
    let (mut b, _) = following_0();
    // 0 crashed: its connection is refused; 0 backs off and another voter is asked at once
    // (the engine used to retry 0 with a backoff until its 2 s fetch timeout).
    let asked = the_fetch(&step(
        &mut b,
        15,
        Input::Unreachable { to: 0, msg: Msg::Fetch { epoch: 1, fetch_offset: 0, last_fetched_epoch: 0 } },
    ));
    assert_ne!(asked, 0);
    // Not elected yet: the voter still names 0, and the next fetch goes to a voter again.
    let again = the_fetch(&answer(&mut b, 20, asked, 1, Some(0), FetchBody::NotLeader));
    assert_ne!(again, 0, "0 is backing off for 50 ms");
    // Now 2 leads epoch 2: the answer says so and the broker follows it (maybeTransition).
    let out = answer(&mut b, 30, again, 2, Some(2), FetchBody::NotLeader);
    assert!(out.contains(&Output::Note(Note::BrokerFollows { leader: 2, epoch: 2 })), "{out:?}");
    assert_eq!(fetches(&out), vec![2]);
}

#[test]
fn after_its_fetch_timeout_an_observer_sends_every_fetch_to_a_random_voter_until_one_succeeds() {
    let (mut b, _) = following_0();
    // Kafka 4.0/4.1 pollFollowerAsObserver: no successful fetch for 2 s → every fetch goes to a
    // random bootstrap server, the leader kept (its request to 0 timed out at the same time).
    let out = step(&mut b, 2_010, Input::Timer(Timer::FetchTimeout));
    assert_eq!(out[0], Output::Note(Note::BrokerFetchTimeout));
    let mut asked = the_fetch(&out);
    let mut picks = vec![asked];
    let mut t = 2_010;
    while asked != 0 {
        t += 5;
        asked = the_fetch(&answer(&mut b, t, asked, 1, Some(0), FetchBody::NotLeader));
        picks.push(asked);
    }
    assert_eq!(b.leader, Some(0));
    // 0 answers with records: a successful fetch resets the fetch timer, and fetches go to the
    // leader again.
    let entry = Entry { epoch: 1, record: Record::NoOp, batch_end: true };
    let records = FetchBody::Records { base_offset: 0, entries: vec![entry] };
    let out = answer(&mut b, t + 5, 0, 1, Some(0), records);
    assert!(out.contains(&Output::SetTimer { timer: Timer::FetchTimeout, at: Time::from_ms(t + 5 + 2_000) }));
    for i in 0..5 {
        let out = answer(&mut b, t + 10 + i, 0, 1, Some(0), FetchBody::Records { base_offset: 1, entries: Vec::new() });
        assert_eq!(fetches(&out), vec![0], "{picks:?}");
    }
}

//! Every string a person can read, in English and Korean. A small typed table rather than a
//! crate such as leptos_i18n: two languages and a couple of hundred keys (many of them the
//! engine's narration keys, which are plain `&'static str`s the engine hands over), and a table
//! costs only its strings in the download. Keys are checked by a test (every key has both languages,
//! and the same `{n}` placeholders in each).

use quorumlab_sim::cluster::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.to_ascii_lowercase();
        if s == "en" || s.starts_with("en-") {
            Some(Lang::En)
        } else if s == "ko" || s.starts_with("ko-") {
            Some(Lang::Ko)
        } else {
            None
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }
}

/// (key, English, Korean)
pub const TABLE: &[(&str, &str, &str)] = &[
    ("app.title", "Quorum Lab", "Quorum Lab"),
    (
        "app.tagline",
        "How Kafka coordinates itself: KRaft and ZooKeeper, simulated",
        "Kafka는 어떻게 스스로를 조율하는가: KRaft와 ZooKeeper 시뮬레이션",
    ),
    ("label.view", "View", "보기"),
    ("view.kraft", "KRaft", "KRaft"),
    ("view.zk", "ZooKeeper", "ZooKeeper"),
    ("view.both", "Side by side", "나란히 보기"),
    ("size.controllers", "Controllers", "컨트롤러"),
    ("size.ensemble", "ZooKeeper servers", "ZooKeeper 서버"),
    ("size.brokers", "Brokers", "브로커"),
    ("mode.kraft", "KRaft mode", "KRaft 모드"),
    ("mode.zk", "ZooKeeper mode", "ZooKeeper 모드"),
    ("btn.play", "Play", "재생"),
    ("btn.pause", "Pause", "일시정지"),
    ("label.speed", "Speed", "속도"),
    ("btn.step", "Step", "한 단계"),
    ("btn.crash_controller", "Crash the controller (both)", "컨트롤러 중단 (양쪽)"),
    ("btn.crash_leader", "Crash the quorum leader (both)", "쿼럼 리더 중단 (양쪽)"),
    ("hint.both", "One seed, one clock: every fault from these buttons hits both clusters at the same moment. Click a node to crash it on its side only.", "같은 시드, 같은 시계: 이 버튼의 장애는 같은 순간 양쪽 클러스터에 적용됩니다. 노드를 클릭하면 그쪽에서만 중단됩니다."),
    ("help.crash_controller", "crash the active controller (side by side: on both sides)", "활성 컨트롤러 중단 (양쪽 비교 화면에서는 양쪽 모두)"),
    ("stats.without_controller", "Time without an active controller", "활성 컨트롤러가 없던 시간"),
    ("stats.stopwatch", "Stopwatch: no active controller", "스톱워치: 활성 컨트롤러 없음"),
    ("stopwatch.running", "running: {0}", "진행 중: {0}"),
    ("stopwatch.last", "last gap: {0}", "마지막 공백: {0}"),
    ("stats.messages", "Messages sent", "보낸 메시지"),
    ("stats.latency", "Last metadata-change latency", "최근 메타데이터 변경 지연"),
    ("btn.step_back", "Step back", "한 단계 뒤로"),
    ("btn.reset", "Reset", "처음부터"),
    ("help.title", "Keyboard shortcuts", "키보드 단축키"),
    ("help.space", "play or pause", "재생 / 일시정지"),
    ("help.step", "next event", "다음 이벤트"),
    ("help.step_back", "previous event (replayed from the seed)", "이전 이벤트 (시드에서 다시 재생)"),
    ("help.reset", "start again from the same seed", "같은 시드로 처음부터"),
    ("help.node", "go to a node; crash or restart it", "노드로 이동; 중단 또는 재시작"),
    ("help.help", "show or hide this list", "이 목록 보이기 / 숨기기"),
    ("help.big", "large text for a projector", "프로젝터용 큰 글씨"),
    ("help.timeline", "drag the timeline to any moment reached so far", "타임라인을 끌어 지금까지 지나온 어느 순간으로든 이동"),
    ("param.bad_big", "The parameter big must be 1 or 0, not \"{0}\".", "big 매개변수는 1 또는 0이어야 합니다 (\"{0}\" 아님)."),
    ("net.title", "Network", "네트워크"),
    ("partition.banner", "✂ Network partition: {0}", "✂ 네트워크 파티션: {0}"),
    ("net.partition", "Cut these nodes off from the rest:", "이 노드들을 나머지와 끊기:"),
    ("btn.cut", "Cut", "끊기"),
    ("btn.heal", "Heal", "복구"),
    ("btn.isolate_leader", "Isolate the quorum leader (both)", "쿼럼 리더 고립 (양쪽)"),
    ("btn.big", "Large text", "큰 글씨"),
    ("label.loss", "Message loss", "메시지 손실"),
    ("label.delay", "Extra latency", "추가 지연"),
    ("label.timeline", "Timeline", "타임라인"),
    ("stats.tally", "Election votes", "선거 득표"),
    ("tally.none", "no election running", "진행 중인 선거 없음"),
    ("tally.entry", "{0} has {1} of {2} needed", "{0}: 필요한 {2}표 중 {1}표"),
    ("narr.partition", "network partition: {0} cut off from the rest", "네트워크 파티션: {0}이(가) 나머지와 끊김"),
    ("narr.heal", "the network heals: every link works again", "네트워크 복구: 모든 링크가 다시 동작"),
    ("narr.loss", "message loss set to {0}%", "메시지 손실률 {0}%로 설정"),
    ("narr.delay", "extra latency per message set to {0}", "메시지당 추가 지연 {0}으로 설정"),
    (
        "narr.client_lost",
        "a client's request found no node to take it (no active controller or ZooKeeper leader): it is lost; a real client would retry",
        "클라이언트 요청을 받을 노드가 없어(활성 컨트롤러나 ZooKeeper 리더 없음) 요청이 유실됨; 실제 클라이언트라면 재시도함",
    ),
    ("label.seed", "Seed", "시드"),
    ("label.time", "Virtual time", "가상 시간"),
    ("label.language", "Language", "언어"),
    ("label.slowmo", "slow motion: election messages in flight", "슬로 모션: 선거 메시지 전송 중"),
    (
        "hint.click",
        "Click a node to crash it; click again to restart it.",
        "노드를 클릭하면 중단되고, 다시 클릭하면 재시작됩니다.",
    ),
    ("details.title", "Details", "상세 정보"),
    ("details.time_us", "Virtual time (µs)", "가상 시간 (µs)"),
    ("details.events", "Events processed", "처리된 이벤트"),
    ("details.hash", "Trace hash", "트레이스 해시"),
    ("details.invariants", "Invariants", "불변식"),
    ("inv.ok", "all invariants hold", "모든 불변식 유지"),
    ("inv.bad", "{0} invariant violations", "불변식 위반 {0}건"),
    ("narration.title", "What is happening", "진행 상황"),
    ("legend.title", "Messages", "메시지"),
    (
        "chart.title",
        "Chart of the last minute of virtual time: was there an active controller, and messages per second by kind",
        "최근 1분(가상 시간) 차트: 활성 컨트롤러가 있었는지, 종류별 초당 메시지 수",
    ),
    ("chart.controller_kraft", "active controller (quorum leader)", "활성 컨트롤러 (쿼럼 리더)"),
    ("chart.controller_zk", "active controller (a broker)", "활성 컨트롤러 (브로커)"),
    ("chart.zk_leader", "ZooKeeper leader", "ZooKeeper 리더"),
    ("chart.none", "none", "없음"),
    ("chart.rate_axis", "messages/s (2 s average)", "메시지/초 (2초 평균)"),
    ("chart.time_axis", "virtual time (s)", "가상 시간 (초)"),
    ("chart.registration", "broker registration", "브로커 등록"),
    ("chart.zab_epoch", "ZAB new-leader handshake", "ZAB 새 리더 핸드셰이크"),
    ("chart.session_ping", "session ping (broker → ZooKeeper)", "세션 핑 (브로커 → ZooKeeper)"),
    ("chart.reset", "connection reset (process died)", "연결 끊김 (프로세스 중단)"),
    ("node.label", "{0} — {1}, epoch {2}", "{0} — {1}, 에포크 {2}"),
    ("node.down", "{0} — down (click to restart)", "{0} — 중단됨 (클릭하면 재시작)"),
    ("role.unattached", "unattached", "미소속"),
    ("role.prospective", "prospective (pre-vote)", "예비 후보 (사전 투표)"),
    ("role.candidate", "candidate", "후보"),
    ("role.leader", "leader", "리더"),
    ("role.follower", "follower", "팔로워"),
    ("role.resigned", "resigned", "사임"),
    ("role.looking", "looking", "리더 찾는 중"),
    ("role.following", "following", "팔로잉"),
    ("role.leading", "leading", "리딩"),
    ("role.observing", "observing", "옵저버"),
    ("role.fenced", "fenced", "펜싱됨"),
    ("role.registering", "registering", "등록 중"),
    ("role.active", "active", "활성"),
    ("role.shutting_down", "shutting down", "종료 중"),
    ("role.down", "down", "중단됨"),
    ("msg.prevote", "pre-vote", "사전 투표"),
    ("msg.vote", "vote", "투표"),
    ("msg.begin", "BeginQuorumEpoch", "BeginQuorumEpoch"),
    ("msg.end", "EndQuorumEpoch", "EndQuorumEpoch"),
    ("msg.fetch", "fetch", "fetch"),
    ("msg.fetchdata", "fetch with records", "레코드를 담은 fetch 응답"),
    (
        "param.bad_seed",
        "The seed \"{0}\" is not a whole number from 0 to 18446744073709551615; using seed {1}.",
        "시드 \"{0}\"는 0부터 18446744073709551615 사이의 정수가 아닙니다. 시드 {1}을(를) 사용합니다.",
    ),
    (
        "param.bad_mode",
        "Unknown mode \"{0}\" (use kraft, zk or both); showing KRaft mode.",
        "알 수 없는 모드 \"{0}\" (kraft, zk, both 사용). KRaft 모드를 표시합니다.",
    ),
    ("param.bad_lang", "Unknown language \"{0}\" (use en or ko).", "알 수 없는 언어 \"{0}\" (en 또는 ko 사용)."),
    (
        "param.bad_controllers",
        "The number of controllers must be 3, 4 or 5, not \"{0}\"; using 3.",
        "컨트롤러 수는 3, 4, 5 중 하나여야 합니다 (\"{0}\" 아님). 3을 사용합니다.",
    ),
    (
        "param.too_long",
        "The parameter \"{0}\" is too long ({1} characters) and was ignored.",
        "매개변수 \"{0}\"가 너무 길어({1}자) 무시했습니다.",
    ),
    (
        "param.script_unavailable",
        "The actions in this link could not be loaded; starting without them.",
        "이 링크의 동작을 불러오지 못했습니다. 동작 없이 시작합니다.",
    ),
    (
        "param.bad_script",
        "The actions in this link could not be read (line {0}, column {1}: {2}); starting without them.",
        "이 링크의 동작을 읽을 수 없습니다 ({0}행 {1}열: {2}). 동작 없이 시작합니다.",
    ),
    (
        "param.bad_time",
        "The moment \"{0}\" is not a time in microseconds; starting from the beginning.",
        "시점 \"{0}\"는 마이크로초 단위 시간이 아닙니다. 처음부터 시작합니다.",
    ),
    (
        "param.bad_partitions",
        "The partitions \"{0}\" are not a number from 0 to {1}; the topic opens with 6.",
        "파티션 수 \"{0}\"는 0부터 {1}까지의 숫자가 아닙니다. 토픽을 파티션 6개로 엽니다.",
    ),
    (
        "param.bad_course",
        "\"{0}\" is not a chapter of the course; the course opens at its beginning.",
        "\"{0}\"는 강의의 장이 아닙니다. 강의를 처음부터 엽니다.",
    ),
    (
        "param.bad_step",
        "The step \"{0}\" is not a number from 1 to 99; the chapter opens at its first step.",
        "단계 \"{0}\"는 1부터 99까지의 숫자가 아닙니다. 장의 첫 단계부터 엽니다.",
    ),
    (
        "param.bad_experiment",
        "\"{0}\" is not an experiment; showing the first one (scale).",
        "\"{0}\"라는 실험은 없습니다. 첫 번째 실험(규모)을 보여 줍니다.",
    ),
    (
        "param.step_without_course",
        "This link names a step but no chapter of the course; opening the simulation.",
        "이 링크에는 단계만 있고 강의의 장이 없습니다. 시뮬레이션을 엽니다.",
    ),
    ("size.partitions", "Partitions", "파티션"),
    ("course.title", "Course", "강의"),
    ("course.sandbox", "Simulation", "시뮬레이션"),
    ("course.contents", "Contents", "목차"),
    ("course.chapter", "Chapter {0} of {1}", "{1}장 중 {0}장"),
    ("course.step", "Step {0} of {1}", "{1}단계 중 {0}단계"),
    ("course.next", "Next", "다음"),
    ("course.back", "Back", "이전"),
    ("course.show", "Show me", "보여 주기"),
    ("course.free", "Try it freely", "직접 해 보기"),
    ("course.your_turn", "Your turn", "직접 해 보세요"),
    ("course.predict", "Predict, then see", "먼저 예상해 보세요"),
    ("course.watch", "Watch", "지켜보세요"),
    ("course.waiting", "Waiting for it to happen on the stage…", "무대에서 일어나기를 기다리는 중…"),
    ("course.done", "Done.", "완료."),
    ("course.right", "Right.", "맞았습니다."),
    ("course.wrong", "Not quite: the answer is {0}.", "아쉽네요. 정답은 {0}입니다."),
    (
        "course.see_experiment",
        "Measure it over many runs, in the experiments →",
        "여러 번 실행해서 재 보기: 실험 →",
    ),
    ("course.loading", "Loading the course…", "강의를 불러오는 중…"),
    (
        "lazy.failed",
        "This part of the page could not be loaded; check the connection and reload. The simulation still works: open it below.",
        "이 화면을 불러오지 못했습니다. 네트워크 연결을 확인하고 다시 불러와 주세요. 시뮬레이션은 아래 링크에서 그대로 열 수 있습니다.",
    ),
    (
        "lang.ko_failed",
        "The Korean text could not be loaded; the page stays in English.",
        "한국어 텍스트를 불러오지 못해 영어로 표시합니다.",
    ),
    (
        "course.failed",
        "The course could not be loaded ({0}). The simulation still works: open it below.",
        "강의를 불러오지 못했습니다({0}). 시뮬레이션은 그대로 쓸 수 있습니다. 아래에서 여세요.",
    ),
    (
        "course.bad_text",
        "Some of this language's course text is missing or unexpected ({0}); the rest is shown.",
        "이 언어의 강의 글 가운데 빠지거나 예상하지 못한 부분이 있습니다({0}). 나머지는 그대로 보여 줍니다.",
    ),
    (
        "course.replay_failed",
        "This step could not be prepared on the simulation ({0}); it opens at the chapter's start.",
        "이 단계를 시뮬레이션에서 준비하지 못했습니다({0}). 장의 처음에서 엽니다.",
    ),
    ("course.keys", "PageDown / → next · PageUp / ← back", "PageDown / → 다음 · PageUp / ← 이전"),
    (
        "param.too_far",
        "This link's moment (t = {0}) is further than a page replays when it opens; it opened at t = {1}. Press Play to go on from there.",
        "이 링크의 시점(t = {0})은 페이지를 열 때 재생하는 범위보다 멉니다. t = {1} 시점에서 열었습니다. 재생을 누르면 거기서부터 이어집니다.",
    ),
    (
        "param.too_many_partitions",
        "Together with s, the actions in {0} create more than {1} partitions on one cluster; they were left out.",
        "{0}의 동작은 s와 합치면 한 클러스터에 파티션을 {1}개보다 많이 만들어서 제외했습니다.",
    ),
    (
        "narr.topic_refused",
        "{0} was not created: the topics here already have close to {1} partitions, the most one page keeps",
        "{0}은(는) 만들지 않았습니다: 이 클러스터의 토픽이 이미 한 페이지가 다루는 최대치인 파티션 {1}개에 가깝습니다",
    ),
    (
        "param.no_such_node",
        "{0}: line {1} of {2} names {3}, which this cluster does not have; that action was left out.",
        "{0}: {2}의 {1}행은 이 클러스터에 없는 {3}을(를) 가리켜 그 동작을 제외했습니다.",
    ),
    (
        "param.not_in_mode",
        "{0}: the action on line {1} of {2} cannot be taken in this cluster; it was left out.",
        "{0}: {2}의 {1}행 동작은 이 클러스터에서 할 수 없어 제외했습니다.",
    ),
    (
        "narr.link_full",
        "not done: this page's link holds at most {0} actions ({1} KiB of text) and is full; Reset starts a new one",
        "하지 않았습니다: 이 페이지의 링크에는 동작을 최대 {0}개({1} KiB)까지 담을 수 있는데 가득 찼습니다. 처음부터를 누르면 새로 시작합니다",
    ),
    (
        "param.setting_unknown",
        "{0}: the setting {1} does not apply to this cluster; it was left out.",
        "{0}: 설정 {1}은(는) 이 클러스터에 해당하지 않아 제외했습니다.",
    ),
    (
        "param.setting_bad_value",
        "{0}: \"{2}\" is not a value {1} takes; that setting was left out.",
        "{0}: \"{2}\"는 {1}에 쓸 수 있는 값이 아니어서 그 설정을 제외했습니다.",
    ),
    (
        "param.too_many_actions",
        "The actions in {0} are more than the page's link can carry once written out ({1} actions or {2} KiB); they were left out.",
        "{0}의 동작은 링크에 다시 쓰면 담을 수 있는 양({1}개 또는 {2} KiB)을 넘어서 제외했습니다.",
    ),
    ("details.settings", "Settings", "설정"),
    ("details.defaults", "Kafka's defaults", "Kafka 기본값"),
    ("btn.apply_settings", "Apply (restarts from 0)", "적용 (0부터 다시 시작)"),
    ("settings.unknown", "{0}: {1} is not a setting of this cluster; nothing was applied.", "{0}: {1}은(는) 이 클러스터의 설정이 아니어서 아무것도 적용하지 않았습니다."),
    ("settings.bad_value", "{0}: \"{2}\" is not a value {1} takes; nothing was applied.", "{0}: \"{2}\"는 {1}에 쓸 수 있는 값이 아니어서 아무것도 적용하지 않았습니다."),
    ("settings.not_pair", "\"{0}\" is not key=value; nothing was applied.", "\"{0}\"는 key=value 형식이 아니어서 아무것도 적용하지 않았습니다."),
    ("settings.too_long", "At most {0} characters; nothing was applied.", "최대 {0}자까지 입력할 수 있어 아무것도 적용하지 않았습니다."),
    ("btn.copy_link", "Copy link", "링크 복사"),
    ("scn.title", "Scenarios to try", "해 볼 시나리오"),
    ("scn.hint", "Each opens paused at time zero with its fault scripted: press Play, and change anything while it plays.", "각 시나리오는 장애가 미리 정해진 채 0초에 멈춰 열립니다. 재생을 누르고, 재생 중에 무엇이든 바꿔 보세요."),
    ("scn.kraft_failover", "KRaft: the active controller crashes", "KRaft: 활성 컨트롤러 중단"),
    ("scn.kraft_failover.watch", "At 5 s the leader c1 crashes. A follower with no fetch response for the 2 s fetch timeout (counted from its last one, so the stopwatch shows less) asks for pre-votes, then votes; the winner starts epoch 2 and the brokers follow it within milliseconds.", "5초에 리더 c1이 중단됩니다. fetch 타임아웃(2초, 마지막 응답부터 세므로 스톱워치에는 더 짧게 나옵니다) 동안 응답을 받지 못한 팔로워가 사전 투표와 투표를 요청하고, 이긴 쪽이 에포크 2를 시작합니다. 다른 컨트롤러에 fetch를 보내던 브로커들은 몇 ms 안에 새 리더를 따라갑니다."),
    ("scn.kraft_prevote", "KRaft: a cut-off controller comes back (pre-vote on)", "KRaft: 끊겼던 컨트롤러의 복귀 (사전 투표 켬)"),
    ("scn.kraft_prevote.watch", "From 5 s to 20 s c2 is cut off from c1 and c3. Its pre-votes get no answers, so it never raises its epoch; when the cut heals it fetches again and c1 stays leader.", "5초부터 20초까지 c2가 c1, c3와 끊깁니다. 사전 투표에 답이 없으니 에포크를 올리지 않고, 연결이 복구되면 다시 fetch할 뿐 c1이 계속 리더입니다."),
    ("scn.kraft_no_prevote", "The same without pre-vote", "같은 상황, 사전 투표 없이"),
    ("scn.kraft_no_prevote.watch", "quorum.pre.vote=off (a switch of this model; Kafka 4.x always pre-votes): cut off, c2 starts an election at every timeout and its epoch climbs. When the cut heals, its higher epoch ends c1's leadership and the quorum elects again.", "quorum.pre.vote=off(이 모델의 스위치이며, Kafka 4.x는 항상 사전 투표를 합니다): 끊긴 c2는 타임아웃마다 선거를 시작해 에포크가 계속 오릅니다. 연결이 복구되면 더 높은 에포크 때문에 c1의 리더십이 끝나고 쿼럼이 다시 선거를 합니다."),
    ("scn.zk_election", "ZooKeeper: the ZooKeeper leader crashes (FLE, then ZAB)", "ZooKeeper: ZooKeeper 리더 중단 (FLE, 이어서 ZAB)"),
    ("scn.zk_election.watch", "At 5 s zk5, the leader of five servers, crashes. The others go LOOKING and trade votes (peerEpoch, zxid, sid), switching to a better one; after the 200 ms finalize wait the winner leads a new epoch and syncs its followers.", "5초에 서버 다섯 대의 리더 zk5가 중단됩니다. 나머지는 LOOKING 상태로 투표(peerEpoch, zxid, sid)를 주고받으며 더 나은 투표로 바꾸고, 200 ms 최종 대기 뒤 승자가 새 에포크의 리더가 되어 팔로워를 동기화합니다."),
    ("scn.zk_controller", "ZooKeeper mode: the controller broker crashes", "ZooKeeper 모드: 컨트롤러 브로커 중단"),
    ("scn.zk_controller.watch", "At 5 s b3, the controller, crashes. Nothing happens until its ZooKeeper session expires, 18 s after ZooKeeper last heard from it (so less than 18 s after the crash); then /controller is deleted, the watches fire on every live broker and they race to create it.", "5초에 컨트롤러인 b3가 중단됩니다. ZooKeeper 세션이 만료될 때까지(ZooKeeper가 마지막으로 소식을 들은 뒤 18초이므로, 중단 뒤로는 18초보다 짧습니다) 아무 일도 없다가, 만료되면 /controller가 삭제되고 살아 있는 모든 브로커의 watch가 발동해 다시 만들기 경쟁을 합니다."),
    ("scn.zk_short_session", "The same with the 6 s session of Kafka before 2.5", "같은 상황, Kafka 2.5 이전의 6초 세션으로"),
    ("scn.zk_short_session.watch", "zookeeper.session.timeout.ms=6000: the session expires sooner, so the time without a controller is shorter (at the price of more expiries on a slow network).", "zookeeper.session.timeout.ms=6000: 세션이 더 빨리 만료되어 컨트롤러가 없는 시간이 짧아집니다(대신 느린 네트워크에서 만료가 더 잦아집니다)."),
    ("scn.both_failover", "Side by side: crash the controller in both", "나란히: 양쪽 컨트롤러 중단"),
    ("scn.both_failover.watch", "One seed, one clock, the same fault at 5 s. Compare the stopwatches: KRaft elects a new controller within seconds; ZooKeeper mode waits for the session to expire.", "같은 시드, 같은 시계, 5초에 같은 장애. 스톱워치를 비교해 보세요: KRaft는 몇 초 안에 새 컨트롤러를 뽑고, ZooKeeper 모드는 세션 만료를 기다립니다."),
    ("scn.both_topic", "Side by side: create a topic", "나란히: 토픽 생성"),
    ("scn.both_topic.watch", "At 5 s both create a topic of 3 partitions. Compare the metadata-change latency: KRaft brokers fetch the new records; in ZooKeeper mode the controller sees the znode through its watch and sends LeaderAndIsr and UpdateMetadata.", "5초에 양쪽에서 파티션 3개짜리 토픽을 만듭니다. 메타데이터 변경 지연을 비교해 보세요: KRaft 브로커는 새 레코드를 fetch하고, ZooKeeper 모드에서는 컨트롤러가 watch로 znode를 보고 LeaderAndIsr와 UpdateMetadata를 보냅니다."),
    ("about.title", "About this model", "이 모델에 대하여"),
    ("about.kraft", "KRaft mode follows Kafka 4.1: KIP-595 (Kafka's Raft), KIP-996 (pre-vote) and KIP-631 (metadata records, broker lifecycle), with Kafka's defaults: fetch timeout 2 s, election timeout uniform in [1 s, 2 s), check-quorum after 3 s, BeginQuorumEpoch to every voter every second (Kafka 4.2 sends it only to voters that did not fetch within that second, KAFKA-16926), a NoOpRecord every 500 ms whether or not anything else was written, broker heartbeats every 2 s and a 9 s broker session. A node whose leader does not answer, or that knows none, fetches from a voter picked at random and follows the leader it names. A broker restarted while its previous run's session is still valid is refused (DUPLICATE_BROKER_REGISTRATION) and asks again every 2 s until that session expires; the controller looks for expired sessions every 1.125 s and fences the old registration. ZooKeeper mode likewise waits for the old /brokers/ids/N to go. Left out, which matters when comparing the two modes: no data-plane replication, so a returning broker rejoins the ISR as soon as it is unfenced (Kafka's partition leader adds it with AlterPartition once it has caught up) and no ISR shrinks for lag; no preferred-leader rebalancing (Kafka runs it every 300 s in both modes; this model only in ZooKeeper mode); no eligible leader replicas (ELR, KIP-966, on by default in new 4.1 clusters) or unclean leader election; controller writes are not batched for the 25 ms append linger, so the metadata latency reads up to 25 ms lower; no snapshots (KIP-630); a static voter set (no KIP-853); round-robin replica placement.", "KRaft 모드는 Kafka 4.1의 KIP-595(Kafka Raft), KIP-996(사전 투표), KIP-631(메타데이터 레코드, 브로커 수명주기)을 Kafka 기본값 그대로 따릅니다. fetch 타임아웃은 2초, 선거 타임아웃은 [1초, 2초)에서 균등하게 뽑고, check-quorum은 3초입니다. 리더는 1초마다 모든 투표자에게 BeginQuorumEpoch를 보내고(Kafka 4.2부터는 그 1초 안에 fetch하지 않은 투표자에게만 보냄, KAFKA-16926), 다른 쓰기가 있든 없든 500 ms마다 NoOpRecord를 씁니다. 브로커 하트비트는 2초, 브로커 세션은 9초입니다. 리더가 응답하지 않거나 리더를 모르는 노드는 투표자 중 하나를 무작위로 골라 fetch하고, 응답에 담긴 리더를 따라갑니다. 재시작 전 세션이 아직 만료되지 않은 브로커는 등록을 거부당하고(DUPLICATE_BROKER_REGISTRATION) 세션이 만료될 때까지 2초마다 다시 요청합니다. 컨트롤러는 1.125초마다 만료된 세션을 확인해 이전 등록을 펜싱합니다. ZooKeeper 모드가 예전 /brokers/ids/N이 사라질 때까지 기다리는 것과 같은 이치입니다. 두 모드를 비교할 때 알아 둘 생략 사항은 다음과 같습니다. 데이터 복제를 하지 않기 때문에 돌아온 브로커는 펜싱이 풀리자마자 ISR에 다시 들어갑니다(Kafka에서는 파티션 리더가 복제를 따라잡았는지 확인한 뒤 AlterPartition으로 넣습니다). 복제 지연으로 ISR이 줄어드는 일도 없습니다. 선호 리더 재조정도 없습니다(Kafka는 두 모드 모두 300초마다 실행하지만, 이 모델은 ZooKeeper 모드에서만 실행합니다). 적격 리더 복제본(ELR, KIP-966, Kafka 4.1 신규 클러스터의 기본값)과 언클린 리더 선출도 없습니다. 컨트롤러 쓰기를 25 ms append linger 동안 모으지 않고 바로 로그에 추가하므로 메타데이터 지연이 최대 25 ms 짧게 나옵니다. 그 밖에 스냅샷(KIP-630)이 없고, 투표자 집합이 고정되어 있으며(KIP-853 없음), 복제본은 라운드 로빈으로 배치합니다."),
    (
        "kraft.md_registered_replacing",
        "appends RegisterBrokerRecord for {0} (fenced, broker epoch {1}) after {2} partition changes that drop its previous run from ISRs and move its leaderships",
        "{0}의 RegisterBrokerRecord 추가 (펜싱 상태, 브로커 에포크 {1}). 그 앞에 파티션 변경 {2}건을 넣어 이전 실행을 ISR에서 빼고 리더를 옮김",
    ),
    (
        "kraft.broker_duplicate_registration",
        "registration refused (DUPLICATE_BROKER_REGISTRATION): its previous run's session has not expired (no heartbeat for {0} ms yet); asks again in {1} ms",
        "등록 거부 (DUPLICATE_BROKER_REGISTRATION): 이전 실행의 세션이 아직 살아 있음 ({0} ms 동안 하트비트가 끊겨야 만료); {1} ms 뒤 다시 요청",
    ),
    (
        "kraft.prevote_majority_rejected",
        "a majority rejected its pre-vote at epoch {0}: gives up without waiting for the timeout",
        "에포크 {0} 사전 투표를 과반이 거절함: 타임아웃을 기다리지 않고 포기",
    ),
    ("about.zk", "ZooKeeper mode follows FastLeaderElection.java (votes ordered by peerEpoch, zxid, sid; a 200 ms finalize wait when a LOOKING round reaches a quorum, none when a server joins a leader already elected; notification backoff 200 ms to 60 s) and ZAB as ZooKeeper implements it (discovery, DIFF/TRUNC/SNAP sync, broadcast). tickTime 2000, initLimit 10 and syncLimit 5 are the values of zoo_sample.cfg, the sample configuration ZooKeeper ships and Kafka deployments commonly start from, not built-in defaults: ZooKeeper's own tickTime default is 3000, initLimit and syncLimit have none, and Kafka's config/zookeeper.properties sets none of them. Brokers hold Kafka's 18 s session. The Kafka controller is the broker that creates /controller; its failover load is calibrated on published measurements (about 14 s per 100,000 partitions). Left out, so a difference from KRaft may come from these: partition leaders never change an ISR through AlterPartition (no replica falls behind, and a returning broker rejoins the ISR when the controller writes it); the automatic leader rebalance moves every imbalanced partition, ignoring leader.imbalance.per.broker.percentage (10 %); the controller's LeaderAndIsr and UpdateMetadata requests are never retried; a broker whose old /brokers/ids registration still exists retries every tick instead of exiting; the ZooKeeper leader writes topics and configs for the admin tool, without a session; a ZooKeeper connection that loses a packet counts as broken (TCP would retransmit), so message loss hits this mode harder; and there is no data-plane replication. Also simplified: version checks at apply time, and a compact table for partition state znodes.", "ZooKeeper 모드는 FastLeaderElection.java(투표는 peerEpoch, zxid, sid 순으로 비교, LOOKING 라운드가 정족수에 이르면 200 ms 최종 대기, 이미 선출된 리더에 합류할 때는 대기 없음, 알림 간격은 200 ms에서 60초까지 증가)와 ZooKeeper가 구현한 ZAB(디스커버리, DIFF/TRUNC/SNAP 동기화, 브로드캐스트)를 따릅니다. tickTime 2000, initLimit 10, syncLimit 5는 내장 기본값이 아니라 ZooKeeper에 포함된 샘플 설정 zoo_sample.cfg의 값으로, Kafka를 운영할 때도 흔히 이 파일을 출발점으로 삼습니다. ZooKeeper 자체의 tickTime 기본값은 3000이고 initLimit과 syncLimit은 기본값이 없으며, Kafka의 config/zookeeper.properties는 셋 중 어느 것도 설정하지 않습니다. 브로커는 Kafka의 18초 세션을 씁니다. Kafka 컨트롤러는 /controller를 만든 브로커이며, 장애 조치 때의 로드 시간은 공개된 측정치(파티션 100,000개당 약 14초)에 맞췄습니다. 다음은 모델에 없으므로 KRaft와 비교해 보이는 차이가 여기서 비롯될 수 있습니다: 파티션 리더가 AlterPartition으로 ISR을 바꾸지 않음(뒤처지는 복제본이 없고, 돌아온 브로커는 컨트롤러가 기록할 때 ISR에 다시 들어감), 자동 리더 재조정이 leader.imbalance.per.broker.percentage(10%)를 무시하고 불균형한 파티션을 모두 옮김, 컨트롤러의 LeaderAndIsr와 UpdateMetadata 요청을 재시도하지 않음, 예전 /brokers/ids 등록이 남아 있는 브로커가 종료하지 않고 tick마다 재시도함, 토픽과 설정을 관리 도구 대신 ZooKeeper 리더가 세션 없이 기록함, 패킷 하나를 잃은 ZooKeeper 연결은 끊긴 것으로 봄(실제로는 TCP가 재전송함)이라 메시지 손실의 영향이 이 모드에서 더 큼, 데이터 복제 없음. 그 밖의 단순화: 적용 시점의 버전 검사, 파티션 state znode를 압축된 표로 보관."),
    (
        "details.defaults.zk",
        "ZooKeeper's code defaults, the tick settings of its sample zoo_sample.cfg (tickTime 2000, initLimit 10, syncLimit 5) and Kafka's defaults",
        "ZooKeeper 코드 기본값, ZooKeeper 샘플 설정 zoo_sample.cfg의 tick 설정(tickTime 2000, initLimit 10, syncLimit 5), Kafka 기본값",
    ),
    (
        "zk.joined",
        "joins {0}, which says it is LEADING (round {1}): a quorum names it, so it decides at once, with no finalize wait",
        "LEADING 상태라고 답한 {0}에 합류 (라운드 {1}): 정족수가 {0}을(를) 지목했으므로 최종 대기 없이 바로 결정",
    ),
    (
        "zk.gave_up_init_limit",
        "a quorum did not answer a step of discovery or sync (FOLLOWERINFO, ACKEPOCH or the ACK of NEWLEADER) within {0} × tickTime ({1} × {2} ms = {3} ms): gives up leading and goes LOOKING",
        "디스커버리·동기화 단계(FOLLOWERINFO, ACKEPOCH, NEWLEADER에 대한 ACK)에 {0} × tickTime({1} × {2} ms = {3} ms) 안에 정족수가 응답하지 않음: 리더 역할을 포기하고 LOOKING으로 전환",
    ),
    (
        "zk.gave_up_not_synced",
        "heard from fewer than a quorum of followers within {0} × tickTime ({1} × {2} ms = {3} ms), \"Not sufficient followers synced\": gives up leading and goes LOOKING",
        "{0} × tickTime({1} × {2} ms = {3} ms) 안에 응답한 팔로워가 정족수에 못 미침(\"Not sufficient followers synced\"): 리더 역할을 포기하고 LOOKING으로 전환",
    ),
    (
        "zk.gave_up_follower_ahead",
        "a follower's ACKEPOCH shows a more recent history than its own: gives up leading and goes LOOKING",
        "팔로워의 ACKEPOCH가 자신보다 최신 이력을 보여 줌: 리더 역할을 포기하고 LOOKING으로 전환",
    ),
    ("inspector.title", "Inspector: a node's log, metadata or znode tree", "인스펙터: 노드의 로그, 메타데이터, znode 트리"),
    ("inspector.node", "Node", "노드"),
    ("inspector.empty", "This node holds no log or tree of its own.", "이 노드에는 자체 로그나 트리가 없습니다."),
    ("btn.create_topic", "Create a topic", "토픽 생성"),
    ("btn.alter_config", "Change a topic config", "토픽 설정 변경"),
    ("btn.new_seed", "New seed", "새 시드"),
    ("btn.copy_embed", "Copy embed code", "임베드 코드 복사"),
    ("param.bad_embed", "The parameter embed must be 1 or 0, not \"{0}\".", "embed 매개변수는 1 또는 0이어야 합니다 (\"{0}\" 아님)."),
    ("btn.copied", "Link copied", "링크 복사됨"),
    ("btn.copied_embed", "Embed code copied", "임베드 코드 복사됨"),
    ("copy.by_hand", "Copy this text:", "이 텍스트를 복사하세요:"),
    ("param.unknown", "Unknown parameter \"{0}\" was ignored.", "알 수 없는 매개변수 \"{0}\"를 무시했습니다."),
    (
        "param.failed",
        "This setup could not be built ({0}); using the defaults.",
        "이 설정으로 만들 수 없어({0}) 기본값을 사용합니다.",
    ),
    ("msg.notification", "FLE notification (vote: leader (peerEpoch, zxid))", "FLE 알림 (투표: 리더 (peerEpoch, zxid))"),
    ("msg.proposal", "ZAB PROPOSAL", "ZAB PROPOSAL"),
    ("msg.ack", "ACK", "ACK"),
    ("msg.commit", "COMMIT", "COMMIT"),
    ("msg.sync", "ZAB sync", "ZAB 동기화"),
    ("msg.ping", "ping", "핑"),
    ("msg.watch", "watch event", "watch 이벤트"),
    ("msg.control", "LeaderAndIsr / UpdateMetadata", "LeaderAndIsr / UpdateMetadata"),
    ("msg.client", "ZooKeeper request", "ZooKeeper 요청"),
    ("msg.heartbeat", "broker heartbeat", "브로커 하트비트"),
    ("label.controller", "controller", "컨트롤러"),
    ("label.votes", "votes", "투표"),
    (
        "param.bad_ensemble",
        "The ZooKeeper ensemble must have 3, 5 or 7 servers, not \"{0}\"; using 3.",
        "ZooKeeper 앙상블은 3, 5, 7대여야 합니다 (\"{0}\" 아님). 3을 사용합니다.",
    ),
    (
        "param.bad_brokers",
        "The number of brokers must be 0 to 12, not \"{0}\"; using 3.",
        "브로커 수는 0에서 12 사이여야 합니다 (\"{0}\" 아님). 3을 사용합니다.",
    ),
    ("violation", "invariant violated: {0}", "불변식 위반: {0}"),
    (
        "zk.election_round",
        "starts election round {0} and votes for itself (LOOKING)",
        "선거 라운드 {0} 시작, 자신에게 투표 (LOOKING)",
    ),
    (
        "zk.elected",
        "sees a quorum for {0} in round {1}; no better vote came within the {2} ms finalize wait, so the vote stands",
        "라운드 {1}에서 {0}에 대한 정족수 확인; {2} ms 최종 대기 동안 더 나은 투표가 없어 확정",
    ),
    (
        "zk.vote_switch_epoch",
        "switches its vote to {0}: higher peer epoch ({1} > {2})",
        "{0}에게 투표를 바꿈: 에포크(peerEpoch)가 더 큼 ({1} > {2})",
    ),
    (
        "zk.vote_switch_zxid",
        "switches its vote to {0}: same epoch, higher zxid ({1} > {2})",
        "{0}에게 투표를 바꿈: 에포크는 같고 zxid가 더 큼 ({1} > {2})",
    ),
    (
        "zk.vote_switch_sid",
        "switches its vote to {0}: same epoch and zxid, higher server id ({0} > {1})",
        "{0}에게 투표를 바꿈: 에포크와 zxid가 같고 서버 id가 더 큼 ({0} > {1})",
    ),
    ("zk.looking", "goes LOOKING: Fast Leader Election starts", "LOOKING 상태로 전환: Fast Leader Election 시작"),
    ("zk.new_epoch", "proposes ZAB epoch {0} (LEADERINFO)", "ZAB 에포크 {0} 제안 (LEADERINFO)"),
    ("zk.synced", "synchronised with the leader by {0}", "리더와 {0} 방식으로 동기화"),
    ("zk.uptodate", "got UPTODATE: serving clients", "UPTODATE 수신: 클라이언트 요청 처리 시작"),
    (
        "zk.established",
        "a quorum acknowledged NEWLEADER: leader of epoch {0} established",
        "정족수가 NEWLEADER에 ACK: 에포크 {0}의 리더 확립",
    ),
    (
        "zk.leader_timeout",
        "heard nothing from the leader for {0} × tickTime ({1} × {2} ms = {3} ms): goes LOOKING",
        "{0} × tickTime({1} × {2} ms = {3} ms) 동안 리더 응답 없음: LOOKING으로 전환",
    ),
    (
        "zk.leader_lost",
        "its connection to the leader was reset: goes LOOKING",
        "리더와의 연결이 끊김: LOOKING으로 전환",
    ),
    (
        "zk.session_expired",
        "expires session {0}: a closeSession transaction deletes its ephemeral znodes",
        "세션 {0} 만료: closeSession 트랜잭션이 임시 znode를 삭제",
    ),
    (
        "zk.states_applied",
        "commits {1} partition state changes of {0} at zxid {2}",
        "zxid {2}에서 {0}의 파티션 상태 변경 {1}건 커밋",
    ),
    ("kafka.zk_connected", "connects to {0} (session {1})", "{0}에 연결 (세션 {1})"),
    (
        "kafka.zk_disconnected",
        "lost its ZooKeeper connection; reconnecting to another server",
        "ZooKeeper 연결이 끊김; 다른 서버로 재연결 중",
    ),
    ("kafka.zk_session_expired", "learns that its ZooKeeper session expired", "ZooKeeper 세션이 만료되었음을 알게 됨"),
    (
        "kafka.registered",
        "registers /brokers/ids/{0} (ephemeral, broker epoch {1})",
        "/brokers/ids/{0} 등록 (임시 znode, 브로커 에포크 {1})",
    ),
    (
        "kafka.controller_elected",
        "created /controller first: the Kafka controller, controller epoch {0}",
        "먼저 /controller 생성: Kafka 컨트롤러, 컨트롤러 에포크 {0}",
    ),
    (
        "kafka.controller_gone",
        "sees /controller deleted (its watch fired): unless another broker already holds it, tries to create it",
        "/controller 삭제 확인 (watch 발생): 다른 브로커가 이미 차지하지 않았다면 생성 시도",
    ),
    (
        "kafka.race_lost_exists",
        "lost the race: /controller already exists (NODEEXISTS); reads who won",
        "경쟁에서 짐: /controller가 이미 있음 (NODEEXISTS); 승자 확인",
    ),
    (
        "kafka.race_lost_epoch",
        "lost the race: /controller_epoch changed meanwhile (BADVERSION); reads who won",
        "경쟁에서 짐: 그사이 /controller_epoch가 바뀜 (BADVERSION); 승자 확인",
    ),
    (
        "kafka.brokers_joined",
        "sees {0} join (its /brokers/ids watch fired): onBrokerStartup sends the metadata",
        "{0} 합류 확인 (/brokers/ids watch 발생): onBrokerStartup이 메타데이터 전송",
    ),
    (
        "kafka.brokers_left",
        "sees {0} leave (its /brokers/ids watch fired): onBrokerFailure moves leaders and shrinks ISRs",
        "{0} 이탈 확인 (/brokers/ids watch 발생): onBrokerFailure가 리더를 옮기고 ISR 축소",
    ),
    (
        "kafka.brokers_bounced",
        "sees {0} registered again in a new session (larger czxid) before seeing it leave: onBrokerFailure, then onBrokerStartup",
        "{0}이(가) 이탈이 보이기 전에 새 세션으로 재등록된 것을 확인 (더 큰 czxid): onBrokerFailure 후 onBrokerStartup",
    ),
    ("kafka.controller_resigned", "resigns as controller (epoch {0})", "컨트롤러 사임 (에포크 {0})"),
    (
        "kafka.load_started",
        "reads the whole cluster state from ZooKeeper (initializeControllerContext)",
        "ZooKeeper에서 전체 클러스터 상태 읽는 중 (initializeControllerContext)",
    ),
    (
        "kafka.load_done",
        "loaded {0} partitions in {1} ms; sends UpdateMetadata",
        "파티션 {0}개를 {1} ms에 로드; UpdateMetadata 전송",
    ),
    (
        "kafka.states_written",
        "writes the leader and ISR of {1} partitions of {0} (controller epoch {2})",
        "{0}의 파티션 {1}개의 리더와 ISR 기록 (컨트롤러 에포크 {2})",
    ),
    ("kafka.states_created", "creates state znodes for {1} partitions of {0}", "{0}의 파티션 {1}개 state znode 생성"),
    (
        "kafka.leader_and_isr",
        "applies LeaderAndIsr for {0} partitions (controller epoch {1})",
        "파티션 {0}개에 LeaderAndIsr 적용 (컨트롤러 에포크 {1})",
    ),
    (
        "kafka.leader_and_isr_ignored",
        "ignores LeaderAndIsr for {0} partitions: no newer leader epoch (controller epoch {1})",
        "파티션 {0}개의 LeaderAndIsr 무시: 더 새로운 리더 에포크가 아님 (컨트롤러 에포크 {1})",
    ),
    (
        "kafka.stale_controller_epoch",
        "rejects a request from stale controller epoch {0} (knows {1})",
        "오래된 컨트롤러 에포크 {0}의 요청 거부 (알고 있는 에포크 {1})",
    ),
    ("kafka.fenced", "is fenced: a newer controller exists (it was epoch {0})", "펜싱됨: 더 새로운 컨트롤러가 있음 (자신은 에포크 {0})"),
    ("kafka.controlled_shutdown_done", "finished its controlled shutdown", "제어된 종료 완료"),
    ("kafka.topic_created", "topic {0} created with {1} partitions", "토픽 {0}이(가) 파티션 {1}개로 생성됨"),
    (
        "kraft.md_registered",
        "appends RegisterBrokerRecord for {0} (fenced, broker epoch {1})",
        "{0}의 RegisterBrokerRecord 추가 (펜싱 상태, 브로커 에포크 {1})",
    ),
    (
        "kraft.md_unfenced",
        "unfences {0} (caught up); {1} partition changes",
        "{0} 펜싱 해제 (따라잡음); 파티션 변경 {1}건",
    ),
    (
        "kraft.md_fenced",
        "fences {0}: no heartbeat for {1} ms; {2} partition changes move its leaderships and drop it from ISRs",
        "{0} 펜싱: {1} ms 동안 하트비트 없음; 파티션 변경 {2}건으로 리더 이동 및 ISR에서 제외",
    ),
    (
        "kraft.md_controlled_shutdown",
        "{0} asks for controlled shutdown; {1} partition changes move its leaderships away",
        "{0} 제어된 종료 요청; 파티션 변경 {1}건으로 리더 이동",
    ),
    (
        "kraft.md_shutdown_now",
        "tells {0} to shut down now (it leads nothing; fenced)",
        "{0}에게 즉시 종료 지시 (리더인 파티션 없음; 펜싱됨)",
    ),
    (
        "kraft.md_topic_created",
        "creates topic {0}: {1} partitions × {2} replicas",
        "토픽 {0} 생성: 파티션 {1}개 × 복제본 {2}개",
    ),
    (
        "kraft.md_config_altered",
        "appends a ConfigRecord for topic {0}: {1}={2}",
        "토픽 {0}의 ConfigRecord 추가: {1}={2}",
    ),
    (
        "kraft.config_unknown_topic",
        "refuses to change the configs of topic {0}: it does not exist (UNKNOWN_TOPIC_OR_PARTITION)",
        "토픽 {0} 설정 변경 거부: 존재하지 않음 (UNKNOWN_TOPIC_OR_PARTITION)",
    ),
    (
        "kraft.config_unchanged",
        "{1} of topic {0} is already {2}: no record written",
        "토픽 {0}의 {1}은(는) 이미 {2}: 레코드를 쓰지 않음",
    ),
    (
        "kafka.config_change_written",
        "writes /config/topics/{0} ({1}={2}) and a /config/changes/config_change_ notification for the admin tool",
        "관리 도구 대신 /config/topics/{0} ({1}={2})와 /config/changes/config_change_ 알림 znode 기록",
    ),
    (
        "kafka.config_unknown_topic",
        "refuses to change the configs of topic {0}: /brokers/topics/{0} does not exist",
        "토픽 {0} 설정 변경 거부: /brokers/topics/{0} 없음",
    ),
    (
        "kafka.config_loaded",
        "starts up and applies the configs of topic {0} read from /config/topics/{0}: {1}",
        "시작하면서 /config/topics/{0}에서 읽은 토픽 {0} 설정 적용: {1}",
    ),
    (
        "kafka.config_applied",
        "reads {1} and applies the configs of topic {0}: {2}",
        "{1}을(를) 읽고 토픽 {0} 설정 적용: {2}",
    ),
    ("kraft.topic_exists", "refuses to create topic {0}: it already exists", "토픽 {0} 생성 거부: 이미 존재함"),
    (
        "kraft.topic_invalid",
        "refuses to create topic {0}: partitions and replication factor must be at least 1",
        "토픽 {0} 생성 거부: 파티션 수와 복제 계수는 1 이상이어야 함",
    ),
    (
        "kraft.topic_not_enough_brokers",
        "refuses to create topic {0}: replication factor {1} but only {2} active brokers",
        "토픽 {0} 생성 거부: 복제 계수 {1}이지만 활성 브로커는 {2}개뿐",
    ),
    (
        "kraft.broker_follows",
        "fetches the metadata log from {0}, the active controller as far as it was told (epoch {1})",
        "전달받은 활성 컨트롤러 {0}에서 메타데이터 로그를 fetch (에포크 {1})",
    ),
    (
        "kraft.broker_fetch_timeout",
        "no successful fetch from the leader for {0} ms: until one succeeds, each fetch goes to a controller picked at random",
        "{0} ms 동안 리더에게서 fetch에 성공하지 못함: 성공할 때까지 fetch마다 컨트롤러를 무작위로 골라 보냄",
    ),
    (
        "kraft.broker_registered",
        "registered with broker epoch {0} (still fenced)",
        "브로커 에포크 {0}로 등록됨 (아직 펜싱 상태)",
    ),
    ("kraft.broker_unfenced", "is unfenced: caught up with the metadata log", "펜싱 해제: 메타데이터 로그를 따라잡음"),
    ("kraft.broker_fenced", "learns it has been fenced", "펜싱되었음을 알게 됨"),
    (
        "kraft.broker_stale_epoch",
        "its registration was replaced (stale broker epoch); registers again",
        "등록이 대체됨 (오래된 브로커 에포크); 다시 등록",
    ),
    ("kraft.broker_shutting_down", "begins a controlled shutdown", "제어된 종료 시작"),
    ("kraft.broker_shutdown_done", "controlled shutdown complete; stops", "제어된 종료 완료; 정지"),
    (
        "kraft.broker_shutdown_gave_up",
        "got no SHUTDOWN_NOW within {0} ms; stops anyway",
        "{0} ms 안에 SHUTDOWN_NOW를 받지 못함; 그래도 정지",
    ),
    ("narr.crash", "crashed: its process was killed", "중단: 프로세스가 종료됨"),
    ("narr.restart", "restarted", "재시작"),
    (
        "kraft.started",
        "process starts (epoch {0} from its quorum-state file)",
        "프로세스 시작 (quorum-state 파일의 에포크 {0})",
    ),
    (
        "kraft.fetch_timeout",
        "no fetch response from the leader for {0} ms: fetch timeout (epoch {1})",
        "{0} ms 동안 리더의 fetch 응답 없음: fetch 타임아웃 (에포크 {1})",
    ),
    (
        "kraft.no_leader_timeout",
        "waited out its election timeout ({0} ms) with no leader known (epoch {1})",
        "알려진 리더 없이 선거 타임아웃({0} ms)이 만료됨 (에포크 {1})",
    ),
    (
        "kraft.successor_turn",
        "its EndQuorumEpoch wait is over: {0} has resigned (epoch {1})",
        "EndQuorumEpoch 대기 종료: {0}이(가) 리더에서 물러남 (에포크 {1})",
    ),
    (
        "kraft.prospective",
        "starts a pre-vote at epoch {0} (Prospective)",
        "에포크 {0}에서 사전 투표 시작 (Prospective)",
    ),
    (
        "kraft.prevote_lost",
        "pre-vote at epoch {0} won no majority in time",
        "에포크 {0} 사전 투표가 제시간에 과반을 얻지 못함",
    ),
    ("kraft.candidate", "becomes Candidate for epoch {0} and asks for votes", "에포크 {0}의 후보가 되어 투표를 요청"),
    ("kraft.election_timeout", "election at epoch {0} timed out", "에포크 {0} 선거 시간 초과"),
    (
        "kraft.leader",
        "wins: leader of epoch {0}, appends a LeaderChangeMessage",
        "승리: 에포크 {0}의 리더, LeaderChangeMessage 추가",
    ),
    ("kraft.follower", "follows {0} in epoch {1}", "에포크 {1}에서 {0}을(를) 따름"),
    (
        "kraft.unattached",
        "moves to epoch {0} with no leader known (Unattached)",
        "리더를 모른 채 에포크 {0}로 이동 (Unattached)",
    ),
    ("kraft.resigned", "resigns the leadership of epoch {0}", "에포크 {0}의 리더 자리에서 물러남"),
    (
        "kraft.check_quorum",
        "heard no fetches from a majority for {0} ms: check-quorum fails (epoch {1})",
        "{0} ms 동안 과반의 fetch가 없음: check-quorum 실패 (에포크 {1})",
    ),
    (
        "kraft.end_quorum",
        "got EndQuorumEpoch: will start an election in {0} ms",
        "EndQuorumEpoch 수신: {0} ms 후 선거 시작",
    ),
    ("kraft.prevote_granted", "grants {0} a pre-vote (epoch {1})", "{0}에게 사전 투표 찬성 (에포크 {1})"),
    ("kraft.prevote_rejected", "refuses {0} a pre-vote (epoch {1})", "{0}의 사전 투표 거절 (에포크 {1})"),
    ("kraft.vote_granted", "votes for {0} in epoch {1}", "에포크 {1}에서 {0}에게 투표"),
    ("kraft.vote_rejected", "rejects {0}'s vote request (epoch {1})", "{0}의 투표 요청 거절 (에포크 {1})"),
    ("exp.title", "Experiments", "실험"),
    ("exp.loading", "Loading the experiments…", "실험을 불러오는 중…"),
    (
        "kraft.truncated",
        "truncates {0} uncommitted records back to offset {1} (DivergingEpoch)",
        "커밋되지 않은 레코드 {0}개를 오프셋 {1}까지 잘라냄 (DivergingEpoch)",
    ),
];

/// The text for `key`, or the key itself if it is missing (a test makes sure none is).
/// `12.345 s`.
pub fn seconds(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1_000, ms % 1_000)
}

// English and Korean as two tables built from `TABLE` at compile time. English is in the start
// module; Korean is reached only through a split point (`src/lazy.rs`), so its strings come in
// a chunk of their own, fetched before a Korean page mounts ([`load_korean`], `start` in
// lib.rs) or when the language switch first asks for it: an English page does not download
// them. Natively (tests) the call is direct.
//
// Some English rows come with the chunk that shows them ([`Words`]): ZooKeeper mode's narration
// with its engine, the About texts and the scenarios' words with the closed panels' bodies.
const ROWS: usize = TABLE.len();
const fn column(korean: bool) -> [(&'static str, &'static str); ROWS] {
    let mut out = [("", ""); ROWS];
    let mut i = 0;
    while i < ROWS {
        let (key, en, ko) = TABLE[i];
        out[i] = (key, if korean { ko } else { en });
        i += 1;
    }
    out
}
static KOREAN: [(&str, &str); ROWS] = column(true);

/// Where a row's English is: in the start module, or in a chunk.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Words {
    Start,
    /// ZooKeeper mode's narration (the ensemble's `zk.` and its Kafka's `kafka.` notes): only a
    /// ZooKeeper-mode cluster says them, and its engine is a chunk (`crate::engines`).
    Zk,
    /// What the closed panels show once opened (`crate::lazy`): the About texts, the keyboard
    /// shortcuts, the inspector's, network tool's and settings field's words, the ready-made
    /// scenarios' titles and what to watch (fetched before a page that opens one mounts).
    Panels,
    /// What is wrong with an address (`param.`), with the scenario parser (`crate::link::script`):
    /// a page whose address has a problem or actions fetches it before it mounts. The few a page
    /// without either can meet stay at start.
    Script,
    /// The course's own words, with its chunk (its door's, loading line's and way back's stay).
    Course,
}

const fn starts(key: &str, prefix: &str) -> bool {
    let (k, p) = (key.as_bytes(), prefix.as_bytes());
    if k.len() < p.len() {
        return false;
    }
    let mut i = 0;
    while i < p.len() {
        if k[i] != p[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Rows only the closed panels' bodies show (their summaries' words stay at start).
const PANEL_KEYS: [&str; 8] = [
    "about.kraft",
    "about.zk",
    "inspector.node",
    "inspector.empty",
    "net.partition",
    "btn.cut",
    "btn.heal",
    "btn.apply_settings",
];
const PANEL_PREFIXES: [&str; 3] = ["help.", "settings.", "scn."];

const fn in_panels(key: &str) -> bool {
    if one_of(key, PANEL_KEYS) {
        return true;
    }
    let mut i = 0;
    while i < PANEL_PREFIXES.len() {
        if starts(key, PANEL_PREFIXES[i]) {
            return !same(key, "scn.title");
        }
        i += 1;
    }
    false
}

/// `param.` rows a page can show without actions or a problem in its address (when a setup
/// fails, a moment too far to replay, the parser that could not be fetched), and a parameter the
/// page does not know (links pick up trackers' parameters: no fetch before the page for those).
pub const PARAM_AT_START: [&str; 4] = ["param.failed", "param.too_far", "param.script_unavailable", "param.unknown"];
const COURSE_AT_START: [&str; 3] = ["course.title", "course.sandbox", "course.loading"];

const fn one_of<const N: usize>(key: &str, keys: [&str; N]) -> bool {
    let mut i = 0;
    while i < N {
        if same(key, keys[i]) {
            return true;
        }
        i += 1;
    }
    false
}

/// Where `key`'s English is.
pub const fn words_of(key: &str) -> Words {
    if starts(key, "zk.") || starts(key, "kafka.") {
        Words::Zk
    } else if in_panels(key) {
        Words::Panels
    } else if starts(key, "param.") && !one_of(key, PARAM_AT_START) {
        Words::Script
    } else if starts(key, "course.") && !one_of(key, COURSE_AT_START) {
        Words::Course
    } else {
        Words::Start
    }
}

const fn rows_in(words: Words) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < ROWS {
        if words_of(TABLE[i].0) as u8 == words as u8 {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn english<const N: usize>(words: Words) -> [(&'static str, &'static str); N] {
    let mut out = [("", ""); N];
    let (mut i, mut n) = (0, 0);
    while i < ROWS {
        if words_of(TABLE[i].0) as u8 == words as u8 {
            out[n] = (TABLE[i].0, TABLE[i].1);
            n += 1;
        }
        i += 1;
    }
    out
}

static ENGLISH: [(&str, &str); rows_in(Words::Start)] = english(Words::Start);
static ENGLISH_ZK: [(&str, &str); rows_in(Words::Zk)] = english(Words::Zk);
static ENGLISH_PANELS: [(&str, &str); rows_in(Words::Panels)] = english(Words::Panels);
static ENGLISH_SCRIPT: [(&str, &str); rows_in(Words::Script)] = english(Words::Script);
static ENGLISH_COURSE: [(&str, &str); rows_in(Words::Course)] = english(Words::Course);

// Each split function has its own loader: each is fetched (at once, if its chunk is here) by its
// own preload. Only the loads below fetch; `tr` reads what is here.
type Rows = &'static [(&'static str, &'static str)];
/// A chunk's English rows, behind a split function of that chunk (and its preload).
macro_rules! words_in_chunk {
    ($chunk:ident, $table:ident, $get:ident, $preload:ident) => {
        #[leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible, preload($preload))]
        fn $get() -> Result<Rows, leptos::wasm_split::SplitLoaderError> {
            Ok(&$table)
        }
    };
}
words_in_chunk!(zk, ENGLISH_ZK, zk_words, preload_zk_words);
words_in_chunk!(panels, ENGLISH_PANELS, panel_words, preload_panel_words);
words_in_chunk!(script, ENGLISH_SCRIPT, script_words, preload_script_words);
words_in_chunk!(course, ENGLISH_COURSE, course_words, preload_course_words);

thread_local! {
    /// The English rows of chunks that are here. (The start module names those tables only
    /// through their split functions, or their strings would be in it.)
    static MORE_ENGLISH: std::cell::RefCell<Vec<(Words, Rows)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Fetch the English rows that come with `words`' chunk (at once if they are here); whether they are.
pub async fn load_words(words: Words) -> bool {
    if words == Words::Start || MORE_ENGLISH.with(|more| more.borrow().iter().any(|(w, _)| *w == words)) {
        return true;
    }
    let loaded = match words {
        Words::Zk => preload_zk_words().await.is_ok().then(|| crate::lazy::ready(zk_words())).flatten(),
        Words::Script => preload_script_words().await.is_ok().then(|| crate::lazy::ready(script_words())).flatten(),
        Words::Course => preload_course_words().await.is_ok().then(|| crate::lazy::ready(course_words())).flatten(),
        _ => preload_panel_words().await.is_ok().then(|| crate::lazy::ready(panel_words())).flatten(),
    };
    let Some(Ok(rows)) = loaded else { return false };
    MORE_ENGLISH.with(|more| more.borrow_mut().push((words, rows)));
    true
}

/// `key`'s English, wherever it is (natively, every chunk's is built in).
fn english_of(key: &str) -> Option<&'static str> {
    let find = |table: Rows| table.iter().find(|(k, _)| *k == key).map(|(_, text)| *text);
    #[cfg(not(target_arch = "wasm32"))]
    match words_of(key) {
        Words::Start => {}
        Words::Zk => return find(&ENGLISH_ZK),
        Words::Panels => return find(&ENGLISH_PANELS),
        Words::Script => return find(&ENGLISH_SCRIPT),
        Words::Course => return find(&ENGLISH_COURSE),
    }
    find(&ENGLISH).or_else(|| MORE_ENGLISH.with(|more| more.borrow().iter().find_map(|(_, t)| find(t))))
}

const fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && starts(a, b)
}
const fn korean_row(key: &str) -> (&'static str, &'static str) {
    let mut i = 0;
    while i < ROWS {
        if same(TABLE[i].0, key) {
            return (TABLE[i].0, TABLE[i].2);
        }
        i += 1;
    }
    panic!("a key of KOREAN_AT_START is not in TABLE")
}
/// The Korean words a page needs when the Korean chunk (or another) could not be fetched: the
/// failure messages and the way back to the sandbox. Always in the start module.
static KOREAN_AT_START: [(&str, &str); 3] =
    [korean_row("lazy.failed"), korean_row("course.sandbox"), korean_row("lang.ko_failed")];

#[leptos::wasm_split::wasm_split(ko, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload_korean))]
fn korean_table() -> Result<Rows, leptos::wasm_split::SplitLoaderError> {
    Ok(&KOREAN)
}

thread_local! {
    /// The Korean table, once its chunk is here.
    static LOADED: std::cell::Cell<Option<Rows>> = const { std::cell::Cell::new(None) };
}

/// The Korean table if it is here (natively, always). Only [`load_korean`] fetches it: asking
/// the split point here would start a fetch on every word while a failed chunk stays away.
fn korean() -> Option<Rows> {
    LOADED.with(|loaded| {
        #[cfg(not(target_arch = "wasm32"))]
        if loaded.get().is_none() {
            loaded.set(crate::lazy::ready(korean_table()).and_then(Result::ok));
        }
        loaded.get()
    })
}

/// Whether the Korean words are here.
pub fn korean_ready() -> bool {
    korean().is_some()
}

/// Fetch the Korean words (at once if they are here); whether they are.
pub async fn load_korean() -> bool {
    if korean().is_some() {
        return true;
    }
    if preload_korean().await.is_err() {
        return false;
    }
    let table = crate::lazy::ready(korean_table()).and_then(Result::ok);
    LOADED.with(|loaded| loaded.set(table));
    table.is_some()
}

/// Whether `key`'s English is here (a chunk's once [`load_words`] has fetched it).
pub fn has(key: &str) -> bool {
    english_of(key).is_some()
}

/// `key` in `lang`; in English while the Korean words are not here (a Korean page waits for
/// them before it mounts, and the language switch before it switches), or the key itself.
pub fn tr(lang: Lang, key: &'static str) -> &'static str {
    let find = |table: &[(&'static str, &'static str)]| table.iter().find(|(k, _)| *k == key).map(|(_, text)| *text);
    let in_korean = || korean().map_or_else(|| find(&KOREAN_AT_START), find);
    match lang {
        Lang::Ko => in_korean().or_else(|| english_of(key)),
        Lang::En => english_of(key),
    }
    .unwrap_or(key)
}

/// `key` in `table` (a view's own texts, such as the experiments', which then load with it), or
/// the key itself.
pub fn lookup(
    table: &'static [(&'static str, &'static str, &'static str)],
    lang: Lang,
    key: &'static str,
) -> &'static str {
    for (k, en, ko) in table {
        if *k == key {
            return match lang {
                Lang::En => en,
                Lang::Ko => ko,
            };
        }
    }
    key
}

/// `tr` with `{0}`, `{1}`… replaced by `args`.
pub fn trf(lang: Lang, key: &'static str, args: &[&str]) -> String {
    fill(tr(lang, key), args)
}

/// `text` with `{0}`, `{1}`… replaced by `args`.
pub fn fill(text: &str, args: &[&str]) -> String {
    let mut s = text.to_string();
    for (i, a) in args.iter().enumerate() {
        s = s.replace(&format!("{{{i}}}"), a);
    }
    s
}

pub fn role_key(role: Role) -> &'static str {
    match role {
        Role::Unattached => "role.unattached",
        Role::Prospective => "role.prospective",
        Role::Candidate => "role.candidate",
        Role::Leader => "role.leader",
        Role::Follower => "role.follower",
        Role::Resigned => "role.resigned",
        Role::Looking => "role.looking",
        Role::Following => "role.following",
        Role::Leading => "role.leading",
        Role::Observing => "role.observing",
        Role::Fenced => "role.fenced",
        Role::Registering => "role.registering",
        Role::Active => "role.active",
        Role::ShuttingDown => "role.shutting_down",
        Role::Down => "role.down",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> Vec<usize> {
        let mut v: Vec<usize> = (0..10).filter(|i| s.contains(&format!("{{{i}}}"))).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn every_key_has_both_languages_with_the_same_placeholders() {
        let mut seen = std::collections::BTreeSet::new();
        for (k, en, ko) in TABLE.iter().chain(crate::experiments::TEXT) {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!en.is_empty() && !ko.is_empty(), "{k} is empty");
            assert_eq!(placeholders(en), placeholders(ko), "placeholders differ for {k}");
        }
    }

    #[test]
    fn every_narration_key_the_engine_hands_over_is_translated() {
        // The engine words its notes as keys (`note_text`, `action_note_text`): every quoted
        // key of theirs must be in the table, or the page would show the bare key.
        let sources = [
            include_str!("../crates/sim/src/cluster.rs"),
            include_str!("../crates/sim/src/kraft/cluster.rs"),
            include_str!("../crates/sim/src/zk/cluster.rs"),
        ];
        let mut keys = Vec::new();
        for source in sources {
            for quoted in source.split('"').skip(1).step_by(2) {
                let Some((prefix, rest)) = quoted.split_once('.') else { continue };
                let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                if ["kraft", "zk", "kafka", "narr"].contains(&prefix) && word(rest) {
                    keys.push(quoted);
                }
            }
        }
        assert!(keys.len() > 60, "found the engine's keys: {}", keys.len());
        assert!(keys.contains(&"narr.client_lost") && keys.contains(&"zk.vote_switch_zxid"));
        for key in keys {
            assert!(TABLE.iter().any(|(k, _, _)| *k == key), "{key} is not translated");
        }
    }

    #[test]
    fn each_row_s_english_is_in_exactly_one_table_and_zookeeper_s_and_the_closed_panels_not_at_start() {
        let tables: [&[(&str, &str)]; 5] = [&ENGLISH, &ENGLISH_ZK, &ENGLISH_PANELS, &ENGLISH_SCRIPT, &ENGLISH_COURSE];
        for (key, en, _) in TABLE {
            let homes: Vec<usize> = (0..5).filter(|&i| tables[i].iter().any(|(k, e)| k == key && e == en)).collect();
            assert_eq!(homes.len(), 1, "{key}");
            assert_eq!(tr(Lang::En, key), *en, "{key}");
        }
        assert!(ENGLISH
            .iter()
            .all(|(k, _)| !k.starts_with("zk.") && !k.starts_with("kafka.") && !k.starts_with("about.")
                || *k == "about.title"));
        assert!(ENGLISH_ZK.len() > 40);
        // The closed panels' bodies: the About texts, the shortcuts, the settings field, the
        // scenarios' words (their list's summary stays), the inspector's and network tool's.
        let in_panels = |k: &str| {
            ["help.", "settings.", "scn."].iter().any(|p| k.starts_with(p)) && k != "scn.title"
                || ["about.kraft", "inspector.empty", "net.partition", "btn.cut", "btn.apply_settings"].contains(&k)
        };
        assert!(ENGLISH.iter().all(|(k, _)| !in_panels(k)));
        assert!(ENGLISH.iter().any(|(k, _)| *k == "scn.title" || *k == "inspector.title"));
        assert!(ENGLISH_PANELS.iter().filter(|(k, _)| k.starts_with("scn.")).count() == 17);
        assert!(ENGLISH_PANELS.iter().filter(|(k, _)| k.starts_with("help.")).count() >= 9);
        // An address's problems come with the parser, but for the three a page can meet without
        // actions or a problem in its address; the course's words with the course.
        let params: Vec<&str> = ENGLISH.iter().map(|(k, _)| *k).filter(|k| k.starts_with("param.")).collect();
        assert_eq!(params, ["param.script_unavailable", "param.too_far", "param.unknown", "param.failed"]);
        assert!(ENGLISH_SCRIPT.len() > 20 && ENGLISH_SCRIPT.iter().all(|(k, _)| k.starts_with("param.")));
        let course: Vec<&str> = ENGLISH.iter().map(|(k, _)| *k).filter(|k| k.starts_with("course.")).collect();
        assert_eq!(course.len(), 3);
        assert!(ENGLISH_COURSE.len() > 15 && ENGLISH_COURSE.iter().all(|(k, _)| k.starts_with("course.")));
    }

    #[test]
    fn formats_arguments_and_picks_the_language() {
        assert_eq!(trf(Lang::En, "node.label", &["c2", "leader", "3"]), "c2 — leader, epoch 3");
        assert_eq!(trf(Lang::Ko, "node.label", &["c2", "리더", "3"]), "c2 — 리더, 에포크 3");
        assert_eq!(Lang::parse("ko-KR"), Some(Lang::Ko));
        assert_eq!(Lang::parse("fr"), None);
    }

    #[test]
    fn a_vote_switch_reads_with_its_reason_in_both_languages() {
        let args = ["zk3", "0x100000004", "0x100000002"];
        assert_eq!(
            trf(Lang::En, "zk.vote_switch_zxid", &args),
            "switches its vote to zk3: same epoch, higher zxid (0x100000004 > 0x100000002)"
        );
        assert_eq!(
            trf(Lang::Ko, "zk.vote_switch_zxid", &args),
            "zk3에게 투표를 바꿈: 에포크는 같고 zxid가 더 큼 (0x100000004 > 0x100000002)"
        );
        assert_eq!(
            trf(Lang::En, "zk.vote_switch_sid", &["zk3", "zk2"]),
            "switches its vote to zk3: same epoch and zxid, higher server id (zk3 > zk2)"
        );
        assert_eq!(
            trf(Lang::Ko, "zk.vote_switch_epoch", &["zk1", "2", "1"]),
            "zk1에게 투표를 바꿈: 에포크(peerEpoch)가 더 큼 (2 > 1)"
        );
    }

    #[test]
    fn why_a_controller_starts_an_election_reads_in_both_languages() {
        assert_eq!(
            trf(Lang::En, "kraft.no_leader_timeout", &["1402", "0"]),
            "waited out its election timeout (1402 ms) with no leader known (epoch 0)"
        );
        assert_eq!(
            trf(Lang::Ko, "kraft.successor_turn", &["c2", "3"]),
            "EndQuorumEpoch 대기 종료: c2이(가) 리더에서 물러남 (에포크 3)"
        );
    }

    /// Issue 18, items 6, 11 and 12: what each mode leaves out that matters when comparing the
    /// two, in both languages, so that a side-by-side difference is never an artefact the page
    /// does not admit; the tick settings labelled as ZooKeeper's conf/zoo_sample.cfg (tickTime
    /// 2000, initLimit 10, syncLimit 5), not its built-in defaults (ZooKeeperServer
    /// DEFAULT_TICK_TIME = 3000); and where the model's Kafka version differs from the newest.
    #[test]
    fn the_about_texts_admit_what_each_mode_leaves_out_in_both_languages() {
        for lang in [Lang::En, Lang::Ko] {
            let kraft = tr(lang, "about.kraft");
            for said in ["4.1", "AlterPartition", "300", "ELR", "KIP-966", "25 ms", "KIP-630", "KIP-853", "KAFKA-16926"]
            {
                assert!(kraft.contains(said), "{lang:?} about.kraft: {said}");
            }
            let zk = tr(lang, "about.zk");
            for said in [
                "AlterPartition",
                "leader.imbalance.per.broker.percentage",
                "LeaderAndIsr",
                "TCP",
                "zoo_sample.cfg",
                "3000",
            ] {
                assert!(zk.contains(said), "{lang:?} about.zk: {said}");
            }
            let label = tr(lang, "details.defaults.zk");
            assert!(
                ["zoo_sample.cfg", "tickTime 2000", "initLimit 10", "syncLimit 5"].iter().all(|w| label.contains(w)),
                "{label}"
            );
            assert!(
                !tr(lang, "details.defaults").contains("zoo_sample"),
                "KRaft mode's label names Kafka's defaults only"
            );
        }
    }

    #[test]
    fn every_role_is_translated() {
        for role in Role::ALL {
            assert_ne!(tr(Lang::En, role_key(role)), role_key(role));
        }
    }

    #[test]
    fn every_zookeeper_note_is_translated() {
        use quorumlab_sim::scenario::{NodeRef, ScenarioAction};
        use quorumlab_sim::setup::{build, Mode, Setup};
        use quorumlab_sim::Time;
        for seed in 0..4 {
            let setup = Setup { mode: Mode::Zk, seed, brokers: 3, partitions: 6, ..Setup::default() };
            let Ok(mut c) = build(&setup) else { panic!("zk builds") };
            c.schedule(Time::from_secs(5), &ScenarioAction::Crash(NodeRef::Leader)).unwrap();
            c.schedule(Time::from_secs(8), &ScenarioAction::Crash(NodeRef::Controller)).unwrap();
            for (at, topic) in [(20, "orders"), (21, "nope")] {
                let alter =
                    ScenarioAction::AlterConfig { topic: topic.into(), key: "retention.ms".into(), value: "1".into() };
                c.schedule(Time::from_secs(at), &alter).unwrap();
            }
            c.run_until(Time::from_secs(40), usize::MAX);
            let mut notes = Vec::new();
            c.notes(0, &mut notes);
            assert!(notes.len() > 5);
            // The controller's broker watch (the brokers registering after it at boot), and
            // the /controller watch when the crashed controller's session ends.
            for key in ["kafka.brokers_joined", "kafka.controller_gone"] {
                assert!(notes.iter().any(|n| n.key == key), "seed {seed}: no {key}");
            }
            for n in notes {
                assert_ne!(tr(Lang::Ko, n.key), n.key, "no translation for {}", n.key);
            }
        }
    }

    #[test]
    fn every_note_the_engine_can_make_is_translated() {
        use quorumlab_sim::cluster::Cluster;
        use quorumlab_sim::kraft::{Config, KraftCluster};
        use quorumlab_sim::scenario::{NodePrefix, NodeRef, ScenarioAction};
        use quorumlab_sim::Time;
        let mut c = KraftCluster::new(3, Config { brokers: 3, partitions: 6, ..Config::default() });
        let b1 = NodeRef::Named { prefix: NodePrefix::Broker, number: 1 };
        let b2 = NodeRef::Named { prefix: NodePrefix::Broker, number: 2 };
        c.schedule(Time::from_secs(4), &ScenarioAction::Crash(NodeRef::Leader)).unwrap();
        c.schedule(Time::from_secs(8), &ScenarioAction::Crash(b1)).unwrap();
        c.schedule(Time::from_secs(9), &ScenarioAction::Shutdown(b2)).unwrap();
        let topic = ScenarioAction::CreateTopic { name: "orders".into(), partitions: 2, replication_factor: 3 };
        c.schedule(Time::from_secs(10), &topic).unwrap();
        // A config write, the same value again (no record), and an unknown topic.
        for (at, topic) in [(11, "orders"), (12, "orders"), (13, "nope")] {
            let alter =
                ScenarioAction::AlterConfig { topic: topic.into(), key: "retention.ms".into(), value: "1".into() };
            c.schedule(Time::from_secs(at), &alter).unwrap();
        }
        // A graceful leader shutdown: EndQuorumEpoch and a successor's turn.
        c.schedule(Time::from_secs(15), &ScenarioAction::Shutdown(NodeRef::Leader)).unwrap();
        c.run_until(Time::from_secs(40), usize::MAX);
        let mut notes = Vec::new();
        c.notes(0, &mut notes);
        assert!(notes.len() > 5);
        for n in notes {
            assert_ne!(tr(Lang::Ko, n.key), n.key, "no translation for {}", n.key);
        }
    }
}

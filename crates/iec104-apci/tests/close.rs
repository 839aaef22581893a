//! Every way a connection closes (IEC 60870-5-104 clause 5): t1 on I and U frames, protocol
//! violations, the application; and the unacknowledged ASDUs kept for the next connection.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pair;

use pair::{Ev, Pair, asdu, config, i_frame, s_frame, secs, seq, u_frame};
use telecontrol_iec104_apci::{
    ApciConfig, CloseReason, CommandError, DtState, FrameError, InputError, SendError, UFunction,
};

fn closed(p: &pair::Side) -> CloseReason {
    assert_eq!(
        p.conn.poll_timeout(),
        None,
        "a closed connection has no timer"
    );
    let Some(Ev::Closed(r)) = p.events.last() else {
        panic!("not closed: {:?}", p.events);
    };
    assert_eq!(p.conn.close_reason(), Some(*r));
    *r
}

#[test]
fn t1_closes_when_i_frames_stay_unacknowledged() {
    let mut p = Pair::started(config(12, 8));
    p.b.drop_output = true;
    p.now = secs(2);
    p.a.conn.send_asdu(p.now, &asdu(0)).unwrap();
    p.drive();
    p.now = secs(3);
    p.a.conn.send_asdu(p.now, &asdu(1)).unwrap();
    p.drive();
    assert_eq!(
        p.a.conn.poll_timeout(),
        Some(secs(17)),
        "t1 of the oldest frame"
    );
    p.advance(); // b's t2 at 12 s: its S frame is lost.
    assert_eq!(p.now, secs(12));
    assert_eq!(p.b.frames(), [s_frame(2)]);
    p.advance();
    assert_eq!(p.now, secs(17));
    assert_eq!(closed(&p.a), CloseReason::AckTimeout { send_seq: seq(0) });
    // Everything sent is kept, in order, for the next connection.
    let kept: Vec<_> = p.a.conn.unacknowledged().collect();
    assert_eq!(kept, [&asdu(0)[..], &asdu(1)[..]]);
    assert_eq!(
        p.a.conn.handle_input(p.now, &[0x68]),
        Err(InputError::Closed)
    );
    assert_eq!(p.a.conn.send_asdu(p.now, &[1]), Err(SendError::Closed));
    assert_eq!(p.a.conn.test_frame(p.now), Err(CommandError::Closed));
    let mut buf = [0u8; 255];
    assert_eq!(p.a.conn.poll_transmit(&mut buf), None);
}

#[test]
fn t1_restarts_from_the_oldest_remaining_frame() {
    let mut p = Pair::started(config(12, 1));
    p.b.drop_output = true;
    p.a.conn.send_asdu(p.now, &asdu(0)).unwrap();
    p.drive();
    p.now = secs(5);
    p.a.conn.send_asdu(p.now, &asdu(1)).unwrap();
    p.drive();
    // Only frame 0 is acknowledged: t1 now runs from frame 1's 5 s.
    p.a.receive(p.now, &s_frame(1));
    assert_eq!(p.a.conn.poll_timeout(), Some(secs(20)));
}

fn con_timeout(act: UFunction) {
    let mut p = Pair::started(ApciConfig::DEFAULT);
    p.b.drop_output = true;
    p.now = secs(1);
    match act {
        UFunction::StopDtAct => p.a.conn.stop_dt(p.now).unwrap(),
        UFunction::TestFrAct => p.a.conn.test_frame(p.now).unwrap(),
        _ => {
            let mut q = Pair::new(ApciConfig::DEFAULT);
            q.b.drop_output = true;
            q.now = secs(1);
            q.a.conn.start_dt(q.now).unwrap();
            p = q;
        }
    }
    p.drive();
    assert_eq!(p.a.frames(), [u_frame(act)]);
    p.advance();
    assert_eq!(p.now, secs(16), "t1 = 15 s after the act");
    assert_eq!(closed(&p.a), CloseReason::ConTimeout { function: act });
}

#[test]
fn t1_closes_on_unconfirmed_startdt() {
    con_timeout(UFunction::StartDtAct);
}

#[test]
fn t1_closes_on_unconfirmed_stopdt() {
    con_timeout(UFunction::StopDtAct);
}

#[test]
fn t1_closes_on_unconfirmed_testfr() {
    con_timeout(UFunction::TestFrAct);
}

#[test]
fn t3_test_unanswered_closes_after_t1() {
    let mut p = Pair::new(ApciConfig::DEFAULT);
    p.b.drop_output = true;
    p.advance();
    assert_eq!(p.now, secs(20));
    assert_eq!(p.a.frames(), [u_frame(UFunction::TestFrAct)]);
    p.advance();
    assert_eq!(p.now, secs(35));
    assert_eq!(
        closed(&p.a),
        CloseReason::ConTimeout {
            function: UFunction::TestFrAct
        }
    );
}

#[test]
fn malformed_input_closes() {
    let mut p = Pair::started(ApciConfig::DEFAULT);
    p.b.receive(
        p.now,
        &[0x68, 0x04, 0x43, 0x00, 0x00, 0x00, 0x68, 0x02, 0x00],
    );
    assert_eq!(
        closed(&p.b),
        CloseReason::Malformed(FrameError::BadLength {
            offset: 1,
            value: 2
        })
    );
    // The close drops the TESTFR con queued from the same segment: nothing goes out after
    // a close.
    assert!(p.b.frames().is_empty());
    let mut p = Pair::started(ApciConfig::DEFAULT);
    p.a.receive(p.now, &[0x16]);
    assert_eq!(
        closed(&p.a),
        CloseReason::Malformed(FrameError::BadStart {
            offset: 0,
            value: 0x16
        })
    );
}

#[test]
fn acknowledging_frames_never_sent_closes() {
    let mut p = Pair::started(ApciConfig::DEFAULT);
    for n in 0..2 {
        p.a.conn.send_asdu(p.now, &asdu(n)).unwrap();
    }
    p.a.flush(p.now);
    p.a.receive(p.now, &s_frame(3));
    assert_eq!(
        closed(&p.a),
        CloseReason::BadRecvSeq {
            recv_seq: seq(3),
            oldest: seq(0),
            next: seq(2)
        }
    );
    // Acknowledging an already acknowledged frame (N(R) behind the window) also closes.
    let mut p = Pair::started(ApciConfig::DEFAULT);
    for n in 0..2 {
        p.b.conn.send_asdu(p.now, &asdu(n)).unwrap();
    }
    p.b.flush(p.now);
    p.b.receive(p.now, &s_frame(2));
    p.b.receive(p.now, &i_frame(0, 1, &[1]));
    assert_eq!(
        closed(&p.b),
        CloseReason::BadRecvSeq {
            recv_seq: seq(1),
            oldest: seq(2),
            next: seq(2)
        }
    );
}

#[test]
fn unexpected_send_sequence_closes() {
    let mut p = Pair::started(ApciConfig::DEFAULT);
    p.b.receive(p.now, &i_frame(0, 0, &[1]));
    p.b.receive(p.now, &i_frame(2, 0, &[1]));
    assert_eq!(
        closed(&p.b),
        CloseReason::BadSendSeq {
            send_seq: seq(2),
            expected: seq(1)
        }
    );
    assert_eq!(p.b.events, [Ev::Asdu(vec![1]), p.b.events[1].clone()]);
}

#[test]
fn i_frame_while_stopped_closes() {
    let mut p = Pair::new(ApciConfig::DEFAULT);
    p.b.receive(p.now, &i_frame(0, 0, &[1]));
    assert_eq!(
        closed(&p.b),
        CloseReason::IFrameWhileStopped {
            send_seq: seq(0),
            state: DtState::Stopped
        }
    );
    // The controlling station before STARTDT con.
    let mut p = Pair::new(ApciConfig::DEFAULT);
    p.a.conn.start_dt(p.now).unwrap();
    p.a.flush(p.now);
    p.a.receive(p.now, &i_frame(0, 0, &[1]));
    assert_eq!(
        closed(&p.a),
        CloseReason::IFrameWhileStopped {
            send_seq: seq(0),
            state: DtState::StartPending
        }
    );
    // The controlled station after STOPDT act.
    let mut p = Pair::started(ApciConfig::DEFAULT);
    p.b.conn.send_asdu(p.now, &[1]).unwrap();
    p.b.flush(p.now);
    p.b.receive(p.now, &u_frame(UFunction::StopDtAct));
    p.b.receive(p.now, &i_frame(0, 0, &[1]));
    assert_eq!(
        closed(&p.b),
        CloseReason::IFrameWhileStopped {
            send_seq: seq(0),
            state: DtState::StopPending
        }
    );
}

#[test]
fn controlling_station_accepts_i_frames_until_stopdt_con() {
    let mut p = Pair::started(ApciConfig::DEFAULT);
    p.a.conn.stop_dt(p.now).unwrap();
    p.a.flush(p.now);
    p.a.receive(p.now, &i_frame(0, 0, &[9]));
    // Acknowledged at once so the controlled station can confirm the stop.
    assert_eq!(p.a.frames(), [u_frame(UFunction::StopDtAct), s_frame(1)]);
    assert_eq!(p.a.events, [Ev::Asdu(vec![9])]);
}

#[test]
fn unexpected_u_frames_close() {
    let cases = [
        // (receiver is a?, started?, frame, state)
        (true, false, UFunction::StartDtAct, DtState::Stopped),
        (true, true, UFunction::StopDtAct, DtState::Started),
        (true, false, UFunction::StartDtCon, DtState::Stopped),
        (true, true, UFunction::StartDtCon, DtState::Started),
        (true, true, UFunction::StopDtCon, DtState::Started),
        (false, false, UFunction::StartDtCon, DtState::Stopped),
        (false, true, UFunction::StopDtCon, DtState::Started),
    ];
    for (to_a, started, function, state) in cases {
        let mut p = if started {
            Pair::started(ApciConfig::DEFAULT)
        } else {
            Pair::new(ApciConfig::DEFAULT)
        };
        let side = if to_a { &mut p.a } else { &mut p.b };
        side.receive(p.now, &u_frame(function));
        assert_eq!(
            closed(side),
            CloseReason::UnexpectedU { function, state },
            "{function} to a={to_a}"
        );
        assert!(side.frames().is_empty());
    }
    // A con that overtakes its own act (queued, not yet sent) is unexpected too.
    let mut p = Pair::new(ApciConfig::DEFAULT);
    p.a.conn.start_dt(p.now).unwrap();
    p.a.receive(p.now, &u_frame(UFunction::StartDtCon));
    assert_eq!(
        closed(&p.a),
        CloseReason::UnexpectedU {
            function: UFunction::StartDtCon,
            state: DtState::StartPending
        }
    );
}

#[test]
fn local_close() {
    let mut p = Pair::started(ApciConfig::DEFAULT);
    p.a.conn.send_asdu(p.now, &asdu(0)).unwrap();
    p.a.conn.close();
    p.a.conn.close();
    p.drive();
    assert!(p.a.frames().is_empty(), "nothing is sent after close");
    assert_eq!(p.a.events, [Ev::Closed(CloseReason::Local)]);
    assert_eq!(closed(&p.a), CloseReason::Local);
    assert_eq!(
        p.a.conn.unacknowledged().collect::<Vec<_>>(),
        [&asdu(0)[..]]
    );
    assert_eq!(p.a.conn.start_dt(p.now), Err(CommandError::Closed));
}

#[test]
fn every_close_reason_displays() {
    let reasons = [
        CloseReason::Local,
        CloseReason::AckTimeout { send_seq: seq(1) },
        CloseReason::ConTimeout {
            function: UFunction::TestFrAct,
        },
        CloseReason::Malformed(FrameError::MissingAsdu { offset: 1 }),
        CloseReason::BadRecvSeq {
            recv_seq: seq(1),
            oldest: seq(2),
            next: seq(3),
        },
        CloseReason::BadSendSeq {
            send_seq: seq(1),
            expected: seq(2),
        },
        CloseReason::IFrameWhileStopped {
            send_seq: seq(0),
            state: DtState::Stopped,
        },
        CloseReason::UnexpectedU {
            function: UFunction::StartDtCon,
            state: DtState::Started,
        },
    ];
    for r in reasons {
        assert!(!r.to_string().is_empty());
    }
}

#[test]
fn capacity_must_hold_k() {
    use telecontrol_core::Instant;
    use telecontrol_iec104_apci::{ConfigError, Connection, Role};
    let r = Connection::<4>::new(config(5, 2), Role::Controlled, Instant::ZERO);
    assert_eq!(
        r.err(),
        Some(ConfigError::WindowExceedsCapacity { k: 5, capacity: 4 })
    );
    assert!(Connection::<5>::new(config(5, 2), Role::Controlled, Instant::ZERO).is_ok());
}

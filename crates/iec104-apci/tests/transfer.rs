//! Scenario tests of two connections wired together with a manual clock (IEC 60870-5-104
//! clause 5): STARTDT, the k and w windows, piggybacking, timers t2 and t3, the wrap at
//! 32768 and STOPDT with outstanding frames, asserting exact octets and events.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod pair;

use pair::{Ev, Pair, asdu, config, i_frame, s_frame, secs, u_frame};
use telecontrol_core::Instant;
use telecontrol_iec104_apci::{ApciConfig, CommandError, DtState, Role, SendError, UFunction};

#[test]
fn startdt_handshake() {
    let mut p = Pair::new(ApciConfig::DEFAULT);
    assert_eq!(
        p.a.conn.send_asdu(p.now, &[1]),
        Err(SendError::NotStarted {
            state: DtState::Stopped
        })
    );
    assert_eq!(
        p.b.conn.start_dt(p.now),
        Err(CommandError::WrongRole {
            role: Role::Controlled
        })
    );
    assert_eq!(
        p.a.conn.stop_dt(p.now),
        Err(CommandError::InvalidState {
            state: DtState::Stopped
        })
    );
    p.a.conn.start_dt(p.now).unwrap();
    assert_eq!(p.a.conn.state(), DtState::StartPending);
    // No I frame before STARTDT con.
    assert_eq!(
        p.a.conn.send_asdu(p.now, &[1]),
        Err(SendError::NotStarted {
            state: DtState::StartPending
        })
    );
    assert_eq!(
        p.b.conn.send_asdu(p.now, &[1]),
        Err(SendError::NotStarted {
            state: DtState::Stopped
        })
    );
    p.drive();
    assert_eq!(p.a.frames(), [vec![0x68, 0x04, 0x07, 0x00, 0x00, 0x00]]);
    assert_eq!(p.b.frames(), [vec![0x68, 0x04, 0x0B, 0x00, 0x00, 0x00]]);
    assert_eq!(p.a.events, [Ev::Started]);
    assert_eq!(p.b.events, [Ev::Started]);
    assert_eq!(p.a.conn.state(), DtState::Started);
    assert_eq!(p.b.conn.state(), DtState::Started);
    assert_eq!(
        p.a.conn.start_dt(p.now),
        Err(CommandError::InvalidState {
            state: DtState::Started
        })
    );
}

#[test]
fn w_frames_are_acknowledged_by_one_s_frame() {
    let mut p = Pair::started(config(12, 8));
    for n in 0..8 {
        p.a.conn.send_asdu(p.now, &asdu(n)).unwrap();
    }
    assert_eq!(p.a.conn.outstanding(), 8);
    p.drive();
    let sent: Vec<_> = (0..8).map(|n| i_frame(n as u16, 0, &asdu(n))).collect();
    assert_eq!(p.a.frames(), sent);
    assert_eq!(
        p.b.frames(),
        [s_frame(8)],
        "one S frame at w = 8, no earlier"
    );
    assert_eq!(p.b.frames()[0], [0x68, 0x04, 0x01, 0x00, 0x10, 0x00]);
    let got: Vec<_> = (0..8).map(|n| Ev::Asdu(asdu(n))).collect();
    assert_eq!(p.b.events, got);
    assert_eq!(p.a.events, [Ev::Acknowledged(8)]);
    assert_eq!(p.a.conn.outstanding(), 0);
    // Nothing more is due: no redundant S frame at t2.
    p.advance_by(std::time::Duration::from_secs(20));
    assert_eq!(
        p.b.frames(),
        [
            s_frame(8),
            u_frame(UFunction::TestFrAct),
            u_frame(UFunction::TestFrCon)
        ],
        "only the t3 test exchange follows"
    );
}

#[test]
fn t2_acknowledges_fewer_than_w_frames() {
    let mut p = Pair::started(config(12, 8));
    p.now = secs(1);
    for n in 0..3 {
        p.a.conn.send_asdu(p.now, &asdu(n)).unwrap();
    }
    p.drive();
    assert!(p.b.frames().is_empty());
    assert_eq!(
        p.next_deadline(),
        Some(secs(11)),
        "t2 = 10 s after the first receipt"
    );
    assert_eq!(p.advance(), Some(secs(11)));
    assert_eq!(p.b.wire, [(secs(11), s_frame(3))]);
    assert_eq!(p.a.events, [Ev::Acknowledged(3)]);
}

#[test]
fn acknowledgements_piggyback_on_i_frames() {
    let mut p = Pair::started(config(12, 8));
    for n in 0..3 {
        p.a.conn.send_asdu(p.now, &asdu(n)).unwrap();
    }
    p.drive();
    p.b.conn.send_asdu(p.now, &asdu(100)).unwrap();
    p.drive();
    // b's I frame carries N(R) = 3 and a's carries nothing new: no S frame from b.
    assert_eq!(p.b.frames(), [i_frame(0, 3, &asdu(100))]);
    assert_eq!(p.a.events, [Ev::Acknowledged(3), Ev::Asdu(asdu(100))]);
    p.a.conn.send_asdu(p.now, &asdu(3)).unwrap();
    p.drive();
    assert_eq!(p.a.frames().last().unwrap(), &i_frame(3, 1, &asdu(3)));
    assert_eq!(p.b.events[3..], [Ev::Acknowledged(1), Ev::Asdu(asdu(3))]);
    // Run past every t2: each side owes exactly one frame, acknowledged by one S frame.
    p.advance();
    assert_eq!(p.now, secs(10));
    assert_eq!(p.b.frames().last().unwrap(), &s_frame(4));
    assert_eq!(p.a.frames().last().unwrap(), &i_frame(3, 1, &asdu(3)));
    assert_eq!(p.b.frames().iter().filter(|f| f[2] == 0x01).count(), 1);
}

#[test]
fn sender_stops_at_k_unacknowledged_frames() {
    let mut p = Pair::started(config(3, 3));
    p.b.drop_output = true;
    for n in 0..3 {
        p.a.conn.send_asdu(p.now, &asdu(n)).unwrap();
    }
    assert_eq!(
        p.a.conn.send_asdu(p.now, &asdu(3)),
        Err(SendError::WindowFull { k: 3 })
    );
    p.drive();
    assert_eq!(p.a.conn.in_flight(), 3);
    assert_eq!(p.b.frames(), [s_frame(3)], "ack lost on the link");
    assert_eq!(
        p.a.conn.send_asdu(p.now, &asdu(3)),
        Err(SendError::WindowFull { k: 3 })
    );
    // The ack finally arrives: the window opens.
    p.b.drop_output = false;
    let late = s_frame(3);
    p.a.receive(p.now, &late);
    assert_eq!(p.a.events, [Ev::Acknowledged(3)]);
    p.a.conn.send_asdu(p.now, &asdu(3)).unwrap();
    p.drive();
    assert_eq!(p.a.frames().last().unwrap(), &i_frame(3, 0, &asdu(3)));
}

#[test]
fn sends_beyond_window_wait_but_partial_acks_open_it() {
    let mut p = Pair::started(config(4, 2));
    for n in 0..4 {
        p.a.conn.send_asdu(p.now, &asdu(n)).unwrap();
    }
    p.drive();
    // w = 2: b acknowledges after 2 and after 4 frames; a receives both at once.
    assert_eq!(p.b.frames(), [s_frame(2), s_frame(4)]);
    assert_eq!(p.a.events, [Ev::Acknowledged(2), Ev::Acknowledged(2)]);
}

#[test]
fn t3_sends_test_frames_on_an_idle_link_for_a_day() {
    let mut p = Pair::started(ApciConfig::DEFAULT);
    assert_eq!(p.next_deadline(), Some(secs(20)));
    p.advance();
    assert_eq!(p.now, secs(20));
    // Both ends were idle for t3: each tests, each confirms the other.
    assert_eq!(
        p.a.wire,
        [
            (secs(20), u_frame(UFunction::TestFrAct)),
            (secs(20), u_frame(UFunction::TestFrCon))
        ]
    );
    assert_eq!(p.a.wire[0].1, [0x68, 0x04, 0x43, 0x00, 0x00, 0x00]);
    assert_eq!(p.a.wire[1].1, [0x68, 0x04, 0x83, 0x00, 0x00, 0x00]);
    assert_eq!(p.a.events, [Ev::TestConfirmed]);
    assert_eq!(p.b.events, [Ev::TestConfirmed]);
    // A 24-hour soak: a test every t3, nothing else, no close.
    p.advance_by(std::time::Duration::from_secs(24 * 3600));
    assert!(!p.a.conn.is_closed() && !p.b.conn.is_closed());
    let tests = p.a.frames().iter().filter(|f| f[2] == 0x43).count();
    assert_eq!(tests, 24 * 3600 / 20 + 1);
    assert!(p.a.events.iter().all(|e| *e == Ev::TestConfirmed));
}

#[test]
fn traffic_postpones_t3() {
    let mut p = Pair::started(ApciConfig::DEFAULT);
    p.now = secs(15);
    p.b.conn.send_asdu(p.now, &asdu(0)).unwrap();
    p.drive();
    // a heard b at 15 s, b heard nothing: b tests at 20 s, a does not.
    p.advance();
    assert_eq!(p.now, secs(20));
    assert_eq!(p.b.frames().last().unwrap(), &u_frame(UFunction::TestFrAct));
    assert!(!p.a.frames().contains(&u_frame(UFunction::TestFrAct)));
}

#[test]
fn test_frame_is_answered_in_every_state() {
    let mut p = Pair::new(ApciConfig::DEFAULT);
    let act = u_frame(UFunction::TestFrAct);
    let con = u_frame(UFunction::TestFrCon);
    // Stopped.
    p.b.receive(p.now, &act);
    assert_eq!(p.b.frames(), std::slice::from_ref(&con));
    // Start pending (a awaits STARTDT con).
    p.a.conn.start_dt(p.now).unwrap();
    p.a.flush(p.now);
    p.a.receive(p.now, &act);
    assert_eq!(p.a.frames(), [u_frame(UFunction::StartDtAct), con.clone()]);
    // Started and stop pending.
    let mut p = Pair::started(ApciConfig::DEFAULT);
    p.a.receive(p.now, &act);
    p.b.conn.send_asdu(p.now, &[1]).unwrap();
    p.b.flush(p.now);
    p.b.receive(p.now, &u_frame(UFunction::StopDtAct));
    assert_eq!(p.b.conn.state(), DtState::StopPending);
    p.b.receive(p.now, &act);
    assert_eq!(p.a.frames(), std::slice::from_ref(&con));
    assert_eq!(p.b.frames(), [i_frame(0, 0, &[1]), con]);
    // A command test, confirmed.
    let mut p = Pair::started(ApciConfig::DEFAULT);
    p.a.conn.test_frame(p.now).unwrap();
    assert_eq!(
        p.a.conn.test_frame(p.now),
        Err(CommandError::Pending {
            function: UFunction::TestFrAct
        })
    );
    p.drive();
    assert_eq!(p.a.events, [Ev::TestConfirmed]);
    // An unsolicited con is ignored.
    p.a.receive(p.now, &u_frame(UFunction::TestFrCon));
    assert_eq!(p.a.events, [Ev::TestConfirmed]);
    assert!(!p.a.conn.is_closed());
}

fn wrap(from_a: bool) {
    let mut p = Pair::started(config(64, 8));
    let total: u32 = 32_768 + 5;
    for n in 0..total {
        let side = if from_a { &mut p.a } else { &mut p.b };
        side.conn.send_asdu(p.now, &asdu(n)).unwrap();
        if n % 32 == 31 {
            side.wire.clear();
            p.drive();
        }
        if n == 32_766 {
            p.drive();
            let (tx, rx) = if from_a {
                (&mut p.a, &mut p.b)
            } else {
                (&mut p.b, &mut p.a)
            };
            tx.wire.clear();
            rx.wire.clear();
            rx.events.clear();
        }
    }
    p.drive();
    let (tx, rx) = if from_a { (&p.a, &p.b) } else { (&p.b, &p.a) };
    let frames = tx.frames();
    // N(S) = 32767 then 0: control octets FE FF then 00 00.
    assert_eq!(frames[0], i_frame(32_767, 0, &asdu(32_767)));
    assert_eq!(&frames[0][2..6], &[0xFE, 0xFF, 0x00, 0x00]);
    assert_eq!(frames[1], i_frame(0, 0, &asdu(32_768)));
    assert_eq!(&frames[1][2..6], &[0x00, 0x00, 0x00, 0x00]);
    assert_eq!(frames.len(), 6);
    assert_eq!(frames[5], i_frame(4, 0, &asdu(32_772)));
    // The receiver acknowledged across the wrap: N(R) 32768 is 0, then 5 by t2 later.
    let got: Vec<_> = (32_767..total).map(|n| Ev::Asdu(asdu(n))).collect();
    assert_eq!(rx.events, got);
    assert_eq!(rx.conn.recv_seq().value(), 5);
    assert_eq!(tx.conn.send_seq().value(), 5);
    let mut p2 = p;
    p2.advance();
    let (tx, rx) = if from_a {
        (&p2.a, &p2.b)
    } else {
        (&p2.b, &p2.a)
    };
    assert_eq!(rx.frames().last().unwrap(), &s_frame(5));
    assert_eq!(tx.conn.outstanding(), 0);
    assert!(!tx.conn.is_closed() && !rx.conn.is_closed());
}

#[test]
fn sequence_numbers_wrap_from_controlling_to_controlled() {
    wrap(true);
}

#[test]
fn sequence_numbers_wrap_from_controlled_to_controlling() {
    wrap(false);
}

#[test]
fn stopdt_waits_for_outstanding_frames() {
    let mut p = Pair::started(config(12, 8));
    for n in 0..3 {
        p.b.conn.send_asdu(p.now, &asdu(n)).unwrap();
    }
    p.drive();
    assert_eq!(p.b.conn.in_flight(), 3);
    p.a.conn.stop_dt(p.now).unwrap();
    assert_eq!(
        p.a.conn.send_asdu(p.now, &[1]),
        Err(SendError::NotStarted {
            state: DtState::StopPending
        })
    );
    p.a.flush(p.now);
    // a sends STOPDT act and at once acknowledges what it holds.
    assert_eq!(p.a.frames(), [u_frame(UFunction::StopDtAct), s_frame(3)]);
    let bytes = std::mem::take(&mut p.a.out);
    // b sees STOPDT act with 3 frames unacknowledged: pending, no con yet, no new I frames.
    p.b.receive(p.now, &bytes[..6]);
    assert_eq!(p.b.conn.state(), DtState::StopPending);
    assert_eq!(
        p.b.conn.send_asdu(p.now, &[1]),
        Err(SendError::NotStarted {
            state: DtState::StopPending
        })
    );
    assert_eq!(p.b.frames().len(), 3);
    // The acknowledgement arrives: STOPDT con.
    p.b.receive(p.now, &bytes[6..]);
    assert_eq!(p.b.frames().last().unwrap(), &u_frame(UFunction::StopDtCon));
    assert_eq!(p.b.events, [Ev::Acknowledged(3), Ev::Stopped]);
    p.drive();
    assert_eq!(p.a.events.last(), Some(&Ev::Stopped));
    assert_eq!(p.a.conn.state(), DtState::Stopped);
    assert_eq!(p.b.conn.state(), DtState::Stopped);
    // And data transfer can start again on the same connection, sequence numbers kept.
    p.a.conn.start_dt(p.now).unwrap();
    p.drive();
    p.b.conn.send_asdu(p.now, &asdu(3)).unwrap();
    p.drive();
    assert_eq!(p.b.frames().last().unwrap(), &i_frame(3, 0, &asdu(3)));
}

#[test]
fn controlled_station_holds_queued_frames_over_a_stop() {
    let mut p = Pair::started(config(12, 8));
    p.b.conn.send_asdu(p.now, &asdu(0)).unwrap();
    p.b.receive(p.now, &u_frame(UFunction::StopDtAct));
    // Queued before the STOPDT act, never sent: held, STOPDT con at once.
    assert_eq!(p.b.frames(), [u_frame(UFunction::StopDtCon)]);
    assert_eq!(p.b.conn.outstanding(), 1);
    assert_eq!(
        p.b.conn.unacknowledged().collect::<Vec<_>>(),
        [&asdu(0)[..]]
    );
    p.b.receive(p.now, &u_frame(UFunction::StartDtAct));
    assert_eq!(
        p.b.frames()[1..],
        [u_frame(UFunction::StartDtCon), i_frame(0, 0, &asdu(0))]
    );
}

#[test]
fn stop_and_start_in_one_segment_are_confirmed_in_order() {
    let mut p = Pair::started(ApciConfig::DEFAULT);
    let mut seg = u_frame(UFunction::StopDtAct);
    seg.extend(u_frame(UFunction::StartDtAct));
    p.b.receive(p.now, &seg);
    assert_eq!(
        p.b.frames(),
        [
            u_frame(UFunction::StopDtCon),
            u_frame(UFunction::StartDtCon)
        ]
    );
    assert_eq!(p.b.events, [Ev::Stopped, Ev::Started]);
}

#[test]
fn time_stamps_follow_the_latest_now() {
    let mut p = Pair::started(ApciConfig::DEFAULT);
    p.now = Instant::from_millis(2500);
    p.a.conn.send_asdu(p.now, &[7]).unwrap();
    p.drive();
    assert_eq!(
        p.next_deadline(),
        Some(Instant::from_millis(12_500)),
        "b's t2"
    );
    assert_eq!(
        p.a.conn.poll_timeout(),
        Some(Instant::from_millis(17_500)),
        "a's t1"
    );
}

#[test]
fn time_never_goes_backwards() {
    let mut p = Pair::started(ApciConfig::DEFAULT);
    p.b.conn.handle_timeout(secs(10));
    // A driver passes an older `now`: the connection keeps using 10 s.
    p.b.receive(secs(5), &i_frame(0, 0, &[1]));
    assert_eq!(
        p.b.conn.poll_timeout(),
        Some(secs(20)),
        "t2 from 10 s, not 5 s"
    );
}

#[test]
fn controlled_station_acknowledges_before_stopdt_con() {
    let mut p = Pair::started(config(12, 8));
    for n in 0..2 {
        p.a.conn.send_asdu(p.now, &asdu(n)).unwrap();
    }
    p.drive();
    assert!(p.b.frames().is_empty(), "2 < w: no acknowledgement yet");
    // Queued after the stop request: held, not sent.
    p.a.conn.stop_dt(p.now).unwrap();
    assert_eq!(
        p.a.conn.send_asdu(p.now, &asdu(2)),
        Err(SendError::NotStarted {
            state: DtState::StopPending
        })
    );
    p.drive();
    assert_eq!(p.a.frames()[2..], [u_frame(UFunction::StopDtAct)]);
    // b acknowledges both frames, then confirms.
    assert_eq!(p.b.frames(), [s_frame(2), u_frame(UFunction::StopDtCon)]);
    assert_eq!(p.a.events, [Ev::Acknowledged(2), Ev::Stopped]);
    assert_eq!(p.a.conn.outstanding(), 0);
}

#[test]
fn controlling_station_holds_frames_queued_before_stopdt() {
    let mut p = Pair::started(config(12, 8));
    p.a.conn.send_asdu(p.now, &asdu(0)).unwrap();
    p.a.conn.stop_dt(p.now).unwrap();
    p.drive();
    // Not yet transmitted when STOPDT was requested: held over the stop.
    assert_eq!(p.a.frames(), [u_frame(UFunction::StopDtAct)]);
    assert_eq!(p.a.events, [Ev::Stopped]);
    assert_eq!(p.a.conn.outstanding(), 1);
    p.a.conn.start_dt(p.now).unwrap();
    p.drive();
    assert_eq!(
        p.a.frames()[1..],
        [u_frame(UFunction::StartDtAct), i_frame(0, 0, &asdu(0))]
    );
}

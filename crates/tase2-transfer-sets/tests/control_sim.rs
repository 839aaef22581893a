//! Device control (IEC 60870-6-503 block 5) with a manual clock: select-before-operate,
//! the select timeout firing exactly when due over a simulated day, direct operate, tags
//! owned by the table that set them, and the MMS errors the station answers.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use std::time::Duration;

use proptest::prelude::*;
use telecontrol_core::Instant;
use telecontrol_tase2_transfer_sets::mms_pdu::mms::DataAccessError;
use telecontrol_tase2_transfer_sets::{
    ControlError, ControlEvent, DeviceConfig, DeviceControl, DeviceKind, DeviceValue, TagState,
};

const S: fn(u64) -> Instant = Instant::from_secs;
const A: u16 = 1;
const B: u16 = 2;

fn device(kind: DeviceKind, sbo: bool) -> DeviceControl {
    DeviceControl::new(DeviceConfig {
        kind,
        sbo,
        select_timeout: Duration::from_secs(30),
        check_back_id: 4711,
    })
    .unwrap()
}

#[test]
fn select_before_operate() {
    let mut d = device(DeviceKind::Command, true);
    assert_eq!(
        d.operate(S(0), A, DeviceValue::Command(1)),
        Err(ControlError::NotSelected)
    );
    assert_eq!(d.select(S(1), A), Ok(4711));
    assert!(d.tag().armed_for_execution);
    assert_eq!(
        d.select(S(2), A),
        Err(ControlError::AlreadySelected { owner: A })
    );
    assert_eq!(
        d.select(S(2), B),
        Err(ControlError::AlreadySelected { owner: A })
    );
    assert_eq!(
        d.operate(S(3), B, DeviceValue::Command(1)),
        Err(ControlError::SelectedByOther { owner: A })
    );
    assert_eq!(
        d.operate(S(3), A, DeviceValue::DiscreteSetPoint(1)),
        Err(ControlError::WrongKind {
            expected: DeviceKind::Command
        })
    );
    assert_eq!(d.armed_by(), Some(A), "refusals keep the selection");
    assert_eq!(d.operate(S(4), A, DeviceValue::Command(1)), Ok(()));
    assert_eq!(d.armed_by(), None);
    assert_eq!(
        d.operate(S(5), A, DeviceValue::Command(0)),
        Err(ControlError::NotSelected),
        "one operate per select"
    );
    assert_eq!(d.poll_timeout(), None);
}

#[test]
fn operate_after_the_timeout_is_refused_before_handle_timeout() {
    let mut d = device(DeviceKind::RealSetPoint, true);
    d.select(S(10), A).unwrap();
    assert_eq!(d.poll_timeout(), Some(S(40)));
    assert_eq!(
        d.operate(S(40), A, DeviceValue::RealSetPoint(1.5)),
        Err(ControlError::NotSelected)
    );
    assert_eq!(
        d.poll_timeout(),
        Some(Instant::ZERO),
        "expiry awaits delivery"
    );
    assert_eq!(
        d.handle_timeout(S(40)),
        Some(ControlEvent::SelectExpired { owner: A })
    );
    assert_eq!(d.handle_timeout(S(40)), None);
    assert_eq!(d.poll_timeout(), None);
    assert_eq!(
        d.operate(S(41), A, DeviceValue::RealSetPoint(f32::NAN)),
        Err(ControlError::ValueInvalid)
    );
}

#[test]
fn select_timeout_fires_exactly_when_due_over_a_day() {
    let mut d = device(DeviceKind::Command, true);
    let mut now = S(0);
    let mut expired = Vec::new();
    let mut operated = 0;
    // Every 45 s a select; every third selection is operated 10 s later, the others time
    // out. Time jumps to each deadline as an adapter would.
    let mut t = 0u64;
    let mut n = 0u64;
    while t + 45 <= 86_400 {
        now = now.max(S(t));
        d.select(now, A).unwrap();
        if n.is_multiple_of(3) {
            now = S(t + 10);
            d.operate(now, A, DeviceValue::Command(1)).unwrap();
            operated += 1;
        }
        while let Some(deadline) = d.poll_timeout().filter(|x| *x <= S(t + 45)) {
            now = now.max(deadline);
            if let Some(e) = d.handle_timeout(now) {
                expired.push((now, e));
            }
        }
        t += 45;
        n += 1;
    }
    assert_eq!(n, 1920);
    assert_eq!(operated, 640);
    assert_eq!(expired.len(), 1280);
    for (at, e) in &expired {
        assert_eq!(*e, ControlEvent::SelectExpired { owner: A });
        assert_eq!(
            at.as_micros() % 45_000_000,
            30_000_000,
            "select + 30 s exactly"
        );
    }
}

#[test]
fn direct_operate_needs_no_select() {
    let mut d = device(DeviceKind::DiscreteSetPoint, false);
    assert_eq!(d.select(S(0), A), Err(ControlError::NotSbo));
    assert_eq!(
        ControlError::NotSbo.data_access_error(),
        DataAccessError::ObjectNonExistent
    );
    for v in [-5, 0, 7] {
        assert_eq!(d.operate(S(1), A, DeviceValue::DiscreteSetPoint(v)), Ok(()));
        assert_eq!(d.operate(S(1), B, DeviceValue::DiscreteSetPoint(v)), Ok(()));
    }
    assert_eq!(
        d.operate(S(1), A, DeviceValue::CheckBackId(1)),
        Err(ControlError::WrongKind {
            expected: DeviceKind::DiscreteSetPoint
        })
    );
}

#[test]
fn tags_belong_to_their_owner_and_inhibit() {
    let mut d = device(DeviceKind::Command, false);
    d.set_tag(A, TagState::CloseOnlyInhibit, "crew on line 7")
        .unwrap();
    let t = d.tag();
    assert_eq!(
        (t.state, t.owner, t.reason),
        (TagState::CloseOnlyInhibit, Some(A), "crew on line 7")
    );
    assert_eq!(
        d.operate(S(0), B, DeviceValue::Command(1)),
        Err(ControlError::Tagged {
            tag: TagState::CloseOnlyInhibit
        }),
        "close refused"
    );
    assert_eq!(
        d.operate(S(0), B, DeviceValue::Command(2)),
        Err(ControlError::Tagged {
            tag: TagState::CloseOnlyInhibit
        }),
        "a bilateral command value counts as closing"
    );
    assert_eq!(
        d.operate(S(0), B, DeviceValue::Command(0)),
        Ok(()),
        "open/trip allowed"
    );
    assert_eq!(
        d.set_tag(B, TagState::NoTag, ""),
        Err(ControlError::TagOwned { owner: A })
    );
    assert_eq!(
        d.set_tag(B, TagState::OpenAndCloseInhibit, ""),
        Err(ControlError::TagOwned { owner: A })
    );
    d.set_tag(A, TagState::OpenAndCloseInhibit, "work").unwrap();
    assert_eq!(
        d.operate(S(0), A, DeviceValue::Command(0)),
        Err(ControlError::Tagged {
            tag: TagState::OpenAndCloseInhibit
        })
    );
    assert_eq!(
        ControlError::Tagged {
            tag: TagState::OpenAndCloseInhibit
        }
        .data_access_error(),
        DataAccessError::TemporarilyUnavailable
    );
    assert_eq!(
        d.set_tag(A, TagState::Invalid, ""),
        Err(ControlError::InvalidTag)
    );
    let long = "x".repeat(DeviceControl::REASON_CAPACITY + 1);
    assert_eq!(
        d.set_tag(A, TagState::NoTag, &long),
        Err(ControlError::ReasonTooLong {
            len: DeviceControl::REASON_CAPACITY + 1
        })
    );
    d.set_tag(A, TagState::NoTag, "").unwrap();
    assert_eq!(d.tag().owner, None);
    d.set_tag(B, TagState::CloseOnlyInhibit, "B now").unwrap();
    assert_eq!(d.tag_value().reason, "B now");
}

#[test]
fn tags_and_selection() {
    let mut d = device(DeviceKind::RealSetPoint, true);
    d.set_tag(B, TagState::OpenAndCloseInhibit, "").unwrap();
    assert_eq!(
        d.select(S(0), A),
        Err(ControlError::Tagged {
            tag: TagState::OpenAndCloseInhibit
        })
    );
    d.set_tag(B, TagState::CloseOnlyInhibit, "").unwrap();
    assert_eq!(
        d.select(S(0), A),
        Ok(4711),
        "select allowed under close-only"
    );
    assert!(d.tag_value().armed_for_execution);
    assert_eq!(
        d.operate(S(1), A, DeviceValue::RealSetPoint(3.0)),
        Err(ControlError::Tagged {
            tag: TagState::CloseOnlyInhibit
        }),
        "set-points do not pass a close-only inhibit"
    );
    assert!(d.cancel(A));
    assert!(!d.cancel(A));
    assert_eq!(d.handle_timeout(S(100)), None, "cancel gives no event");
}

#[test]
fn bad_configurations() {
    let mut c = DeviceConfig {
        kind: DeviceKind::CheckBackId,
        sbo: false,
        select_timeout: Duration::ZERO,
        check_back_id: 0,
    };
    assert_eq!(
        DeviceControl::new(c).unwrap_err(),
        ControlError::BadConfig { field: "kind" }
    );
    c.kind = DeviceKind::Command;
    c.sbo = true;
    assert!(DeviceControl::new(c).is_err());
    c.sbo = false;
    assert!(DeviceControl::new(c).is_ok());
}

#[derive(Clone, Debug)]
enum Op {
    Advance(u32),
    Select(u16),
    Operate(u16, i16),
    Tag(u16, u8),
    Timeout,
}

proptest! {
    /// Random operations: an operate succeeds on an SBO device only when the same owner
    /// selected less than the select timeout ago and nothing operated since; at most one
    /// `SelectExpired` per unused selection; `poll_timeout` is never in the past after
    /// `handle_timeout`.
    #[test]
    fn random_operations_follow_the_rules(ops in proptest::collection::vec(
        prop_oneof![
            (0u32..20_000_000).prop_map(Op::Advance),
            (0u16..3).prop_map(Op::Select),
            ((0u16..3), (0i16..3)).prop_map(|(o, v)| Op::Operate(o, v)),
            ((0u16..3), (0u8..4)).prop_map(|(o, t)| Op::Tag(o, t)),
            Just(Op::Timeout),
        ], 1..100)) {
        let mut d = DeviceControl::new(DeviceConfig {
            kind: DeviceKind::Command, sbo: true,
            select_timeout: Duration::from_secs(10), check_back_id: 1,
        }).unwrap();
        let mut now = Instant::ZERO;
        // (owner, selected at) of the live selection in the model.
        let mut model: Option<(u16, Instant)> = None;
        let mut tag = (TagState::NoTag, None::<u16>);
        // The owner whose expiry the device noticed but has not reported yet.
        let mut expired: Option<u16> = None;
        let settle = |model: &mut Option<(u16, Instant)>, expired: &mut Option<u16>, now| {
            if let Some((o, at)) = *model
                && now >= at + Duration::from_secs(10)
            {
                *expired = Some(o);
                *model = None;
            }
        };
        for op in ops {
            match op {
                Op::Advance(us) => now = now + Duration::from_micros(u64::from(us)),
                Op::Select(o) => {
                    settle(&mut model, &mut expired, now);
                    let live = model;
                    let res = d.select(now, o);
                    let expect_ok = live.is_none() && tag.0 != TagState::OpenAndCloseInhibit;
                    prop_assert_eq!(res.is_ok(), expect_ok);
                    if res.is_ok() { model = Some((o, now)); }
                }
                Op::Operate(o, v) => {
                    let live = model.filter(|(_, at)| now < *at + Duration::from_secs(10));
                    let tag_ok = match tag.0 {
                        TagState::NoTag => true,
                        TagState::CloseOnlyInhibit => v == 0,
                        _ => false,
                    };
                    let res = d.operate(now, o, DeviceValue::Command(v));
                    prop_assert_eq!(res.is_ok(), tag_ok && live.is_some_and(|(w, _)| w == o));
                    if res.is_ok() {
                        model = None;
                    } else {
                        settle(&mut model, &mut expired, now);
                    }
                }
                Op::Tag(o, t) => {
                    let state = [TagState::NoTag, TagState::OpenAndCloseInhibit,
                        TagState::CloseOnlyInhibit, TagState::Invalid][usize::from(t)];
                    let res = d.set_tag(o, state, "r");
                    let ok = tag.1.is_none_or(|w| w == o) && state != TagState::Invalid;
                    prop_assert_eq!(res.is_ok(), ok);
                    if ok { tag = (state, (state != TagState::NoTag).then_some(o)); }
                    prop_assert_eq!(d.tag().owner, tag.1);
                }
                Op::Timeout => {
                    settle(&mut model, &mut expired, now);
                    let e = d.handle_timeout(now);
                    prop_assert_eq!(e, expired.take().map(|owner| ControlEvent::SelectExpired { owner }));
                    if let Some(t) = d.poll_timeout() {
                        prop_assert!(t > now);
                    }
                }
            }
        }
    }
}

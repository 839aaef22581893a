//! The 104 scenarios for end of initialisation and the master's remaining requests (test,
//! reset process, parameters): part of [`super`], included from `e2e_104.rs`.

use super::*;
use station::asdu::{Coi, Qpa, Qpm, Qrp, Tsc};

/// The first data transfer after the server's start gets end of initialisation (COI local
/// power on, cause 4) for the served common address; a second connection does not.
pub fn end_of_initialisation<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let (server, mut client) = started(srt, crt, ServerConfig::new(CA), Recorder::default());
    let (e, _) = wait_for(
        crt,
        &mut client,
        "end of initialisation",
        |e| matches!(e, ClientEvent::Asdu(a) if a.type_id() == TypeId::MEiNa1),
    );
    let ClientEvent::Asdu(a) = e else {
        unreachable!()
    };
    assert_eq!(a.kind, DataKind::Initialised);
    assert_eq!(a.header.ca, CA);
    assert_eq!(a.header.cot.cause, Cause::INITIALIZED);
    let want = Value::MEiNa1(Coi::new(Coi::POWER_ON, false).unwrap());
    assert_eq!(
        a.objects().iter().map(|o| o.value).collect::<Vec<_>>(),
        [want]
    );
    // A second client: data transfer started before, so no end of initialisation; an
    // interrogation's termination bounds the wait.
    let mut second = crt.start(srt.addr(&server), fast_client());
    wait_for(crt, &mut second, "Started", |e| *e == ClientEvent::Started);
    let qoi = Qoi::STATION;
    let r = crt
        .request(
            &second,
            Request::Interrogation { ca: CA, qoi },
            Completion::OnTermination,
        )
        .unwrap();
    assert_eq!(r.outcome, Outcome::Terminated);
    while let Some(e) = crt.next_event(&mut second, Duration::from_millis(200)) {
        assert!(
            !matches!(&e, ClientEvent::Asdu(a) if a.type_id() == TypeId::MEiNa1),
            "second end of initialisation: {e:?}"
        );
    }
    crt.stop(second);
    crt.stop(client);
    srt.stop(server);
}

/// With `end_of_initialisation: None` the server never sends M_EI_NA_1.
pub fn no_end_of_initialisation<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let config = ServerConfig {
        end_of_initialisation: None,
        ..ServerConfig::new(CA)
    };
    let (server, mut client) = started(srt, crt, config, Recorder::default());
    let qoi = Qoi::STATION;
    let r = crt
        .request(
            &client,
            Request::Interrogation { ca: CA, qoi },
            Completion::OnTermination,
        )
        .unwrap();
    assert_eq!(r.outcome, Outcome::Terminated);
    while let Some(e) = crt.next_event(&mut client, Duration::from_millis(200)) {
        assert!(
            !matches!(&e, ClientEvent::Asdu(a) if a.type_id() == TypeId::MEiNa1),
            "unexpected end of initialisation: {e:?}"
        );
    }
    crt.stop(client);
    srt.stop(server);
}

/// Test command (C_TS_TA_1) and reset process (C_RP_NA_1) are confirmed; the reset reaches
/// the handler with its qualifier; an undefined qualifier is refused without asking it.
pub fn test_and_reset<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let handler = Recorder::default();
    let (server, client) = started(srt, crt, ServerConfig::new(CA), handler.clone());
    let time = Cp56Time2a::new(26, 11, 22, 4, 30, 12_345).unwrap();
    let r = crt
        .request(
            &client,
            Request::Test {
                ca: CA,
                tsc: Tsc(0x1234),
                time,
            },
            Completion::OnConfirmation,
        )
        .unwrap();
    assert_eq!(r.outcome, Outcome::Confirmed);
    for qrp in [Qrp::GENERAL, Qrp::EVENT_BUFFER] {
        let r = crt
            .request(
                &client,
                Request::ResetProcess { ca: CA, qrp },
                Completion::OnConfirmation,
            )
            .unwrap();
        assert_eq!(r.outcome, Outcome::Confirmed);
    }
    let r = crt
        .request(
            &client,
            Request::ResetProcess {
                ca: CA,
                qrp: Qrp::default(), // 0: not used
            },
            Completion::OnConfirmation,
        )
        .unwrap();
    assert_eq!(r.outcome, Outcome::Negative(Cause::ACTIVATION_CON));
    // The station confirms before the handler hears of it: wait (bounded) for the handler.
    let end = Instant::now() + STEP;
    while handler.resets.lock().unwrap().len() < 2 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        *handler.resets.lock().unwrap(),
        [(CA, Qrp::GENERAL), (CA, Qrp::EVENT_BUFFER)]
    );
    crt.stop(client);
    srt.stop(server);
}

/// Parameter loading (P_ME_NC_1, P_ME_NB_1) and activation (P_AC_NA_1) reach the handler as
/// parameters and are confirmed; a parameter the handler refuses gets a negative
/// confirmation; a non-parameter type is refused by the client's master.
pub fn parameters<S: ServerRuntime, C: ClientRuntime>(srt: &S, crt: &C) {
    let handler = Recorder::default();
    let (server, client) = started(srt, crt, ServerConfig::new(CA), handler.clone());
    let qpm = Qpm::new(Qpm::THRESHOLD, false, false).unwrap();
    let cases = [
        (ioa(700), Value::PMeNc1(2.5, qpm)),
        (ioa(600), Value::PMeNb1(Sva(40), qpm)),
        (ioa(700), Value::PAcNa1(Qpa::OBJECT)),
    ];
    for (at, value) in cases {
        let r = crt
            .request(
                &client,
                Request::Parameter {
                    ca: CA,
                    ioa: at,
                    value,
                },
                Completion::OnConfirmation,
            )
            .unwrap();
        assert_eq!(r.outcome, Outcome::Confirmed, "{value:?}");
    }
    let r = crt
        .request(
            &client,
            Request::Parameter {
                ca: CA,
                ioa: ioa(800),
                value: Value::PMeNc1(1.0, qpm),
            },
            Completion::OnConfirmation,
        )
        .unwrap();
    assert_eq!(r.outcome, Outcome::Negative(Cause::ACTIVATION_CON));
    let sco = Sco::new(true, Qu::NONE, false);
    let refused = crt.request(
        &client,
        Request::Parameter {
            ca: CA,
            ioa: ioa(700),
            value: Value::CScNa1(sco),
        },
        Completion::OnConfirmation,
    );
    assert!(
        matches!(refused, Err(ClientError::Refused(_))),
        "{refused:?}"
    );
    let seen = handler.commands.lock().unwrap().clone();
    let want = [
        (CommandAction::Parameter, ioa(700), TypeId::PMeNc1),
        (CommandAction::Parameter, ioa(600), TypeId::PMeNb1),
        (CommandAction::Parameter, ioa(700), TypeId::PAcNa1),
        (CommandAction::Parameter, ioa(800), TypeId::PMeNc1),
    ];
    assert_eq!(seen, want);
    crt.stop(client);
    srt.stop(server);
}

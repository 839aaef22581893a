//! A server's command handler decides whether a command is answered at all and when an
//! accepted execute is terminated (`CommandHandler::answers`, `termination`): the client sees
//! a termination after the delay, none with `Never`, no confirmation with `answers = false`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};
use telecontrol_tokio::asdu::{Cause, CommonAddress, Ioa, Qu, Sco, Value};
use telecontrol_tokio::{
    Client, ClientConfig, ClientEvent, CommandAnswer, CommandHandler, CommandMode, CommandRequest,
    Completion, Database, ExecuteMode, Outcome, Point, Request, Server, ServerConfig, Termination,
};

const CA: CommonAddress = CommonAddress(1);
const LATE: u32 = 10;
const NEVER: u32 = 11;
const SILENT: u32 = 12;

struct Handler;

impl CommandHandler for Handler {
    fn command(&self, _: &CommandRequest) -> CommandAnswer {
        CommandAnswer::Accept
    }
    fn answers(&self, r: &CommandRequest) -> bool {
        r.ioa.value() != SILENT
    }
    fn termination(&self, r: &CommandRequest) -> Termination {
        match r.ioa.value() {
            LATE => Termination::After(Duration::from_millis(400)),
            NEVER => Termination::Never,
            _ => Termination::Immediate,
        }
    }
}

fn command(ioa: u32) -> Request {
    Request::Command {
        ca: CA,
        ioa: Ioa::new(ioa).unwrap(),
        value: Value::CScNa1(Sco::new(true, Qu::NONE, false)),
        mode: ExecuteMode::Direct,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_and_terminations_follow_the_handler() {
    let db = Database::new();
    for ioa in [1, LATE, NEVER, SILENT] {
        db.insert(Point::controllable(
            CA,
            Ioa::new(ioa).unwrap(),
            CommandMode::Any,
        ));
    }
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = Server::bind(any, ServerConfig::new(CA), db, Handler)
        .await
        .unwrap();
    let (client, mut events) = Client::connect(server.local_addr(), ClientConfig::default());
    tokio::time::timeout(Duration::from_secs(30), async {
        while events.recv().await != Some(ClientEvent::Started) {}
    })
    .await
    .unwrap();
    let run = |ioa, completion| client.request(command(ioa), completion);

    // Immediate: terminated at once.
    let r = tokio::time::timeout(Duration::from_secs(30), run(1, Completion::OnTermination))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.outcome, Outcome::Terminated);

    // Late: confirmed, then terminated no earlier than the delay.
    let start = Instant::now();
    let r = tokio::time::timeout(
        Duration::from_secs(30),
        run(LATE, Completion::OnTermination),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(r.outcome, Outcome::Terminated);
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "{:?}",
        start.elapsed()
    );

    // Never: the confirmation comes, the termination does not.
    assert!(
        tokio::time::timeout(
            Duration::from_secs(2),
            run(NEVER, Completion::OnTermination)
        )
        .await
        .is_err(),
        "no termination may arrive"
    );
    let mut confirmed = false;
    while let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(200), events.recv()).await {
        if let ClientEvent::Asdu(a) = e
            && a.objects().iter().any(|o| o.ioa.value() == NEVER)
        {
            assert_eq!(
                a.header.cot.cause,
                Cause::ACTIVATION_CON,
                "only a confirmation"
            );
            confirmed = true;
        }
    }
    assert!(
        confirmed,
        "the confirmation of the never-terminated execute"
    );

    // Not answered: not even a confirmation.
    assert!(
        tokio::time::timeout(
            Duration::from_secs(2),
            run(SILENT, Completion::OnConfirmation)
        )
        .await
        .is_err(),
        "no confirmation may arrive"
    );
    client.shutdown().await;
    server.shutdown().await;
}

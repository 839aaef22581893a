//! MMS requests per second over loopback: an `MmsClient` reading one variable from an
//! `MmsServer`, sequentially and with several requests outstanding.
//!
//! `cargo run --release -p telecontrol-tokio --example mms_loopback -- [REQUESTS] [OUTSTANDING]`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use telecontrol_core::Writer;
use telecontrol_tokio::mms::mms_pdu::association::Config;
use telecontrol_tokio::mms::mms_pdu::mms::{
    Data, DataAccessError, Element, ErrorClass, IdentifyResponse, ObjectClass, ObjectName,
    ObjectScope, TypeDescription, TypeSpecification,
};
use telecontrol_tokio::mms::mms_pdu::server::{self, Directory};
use telecontrol_tokio::mms::{MmsClient, MmsServer, MmsServerConfig};

/// One integer variable `D/x`, incremented on each read.
struct One(AtomicI64);

impl Directory for One {
    fn identify(&self) -> IdentifyResponse<'_> {
        IdentifyResponse {
            vendor: b"bench",
            model: b"one",
            revision: b"1",
            abstract_syntaxes: None,
        }
    }
    fn names(
        &self,
        _association: u64,
        _c: ObjectClass,
        _s: ObjectScope<'_>,
        _a: Option<&str>,
        _o: &mut dyn FnMut(&str) -> bool,
    ) -> Result<(), ErrorClass> {
        Ok(())
    }
    fn variable_type(
        &self,
        _association: u64,
        _n: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<bool, ErrorClass> {
        TypeSpecification::Description(TypeDescription::Integer(32))
            .write_element(out)
            .map_err(|_| server::CAPABILITY_UNAVAILABLE)?;
        Ok(false)
    }
    fn read(
        &self,
        _association: u64,
        _n: &ObjectName<'_>,
        out: &mut Writer<'_>,
    ) -> Result<(), DataAccessError> {
        Data::Integer(self.0.fetch_add(1, Ordering::Relaxed))
            .write_element(out)
            .map_err(|_| DataAccessError::TemporarilyUnavailable)
    }
    fn write(
        &self,
        _association: u64,
        _n: &ObjectName<'_>,
        _v: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        Err(DataAccessError::ObjectAccessDenied)
    }
    fn list_members(
        &self,
        _a: u64,
        _n: &ObjectName<'_>,
        _o: &mut dyn FnMut(&ObjectName<'_>),
    ) -> Result<bool, ErrorClass> {
        Err(server::OBJECT_UNDEFINED)
    }
    fn define_list(
        &self,
        _a: u64,
        _n: &ObjectName<'_>,
        _m: &[ObjectName<'_>],
    ) -> Result<(), ErrorClass> {
        Err(server::SERVICE_UNSUPPORTED)
    }
    fn delete_list(&self, _a: u64, _n: &ObjectName<'_>) -> Result<bool, ErrorClass> {
        Err(server::OBJECT_UNDEFINED)
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let outstanding: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(5)
        .clamp(1, 5);
    let mut cfg = Config::DEFAULT;
    cfg.request_timeout = Duration::from_secs(10);
    let server = MmsServer::bind(
        "127.0.0.1:0",
        MmsServerConfig {
            association: cfg,
            authorize: None,
            ..MmsServerConfig::default()
        },
        Arc::new(One(AtomicI64::new(0))),
    )
    .await
    .unwrap();
    let client = Arc::new(MmsClient::connect(server.local_addr(), cfg).await.unwrap());
    let name = ObjectName::domain("D", "x").unwrap();

    let t0 = Instant::now();
    for _ in 0..requests {
        client.read(&[name]).await.unwrap();
    }
    let seq = t0.elapsed();
    println!(
        "sequential: {requests} reads in {:.3} s = {:.0} req/s",
        seq.as_secs_f64(),
        requests as f64 / seq.as_secs_f64()
    );

    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..outstanding {
        let c = Arc::clone(&client);
        tasks.push(tokio::spawn(async move {
            let name = ObjectName::domain("D", "x").unwrap();
            for _ in 0..requests / outstanding {
                c.read(&[name]).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let par = t0.elapsed();
    let done = requests / outstanding * outstanding;
    println!(
        "{outstanding} outstanding: {done} reads in {:.3} s = {:.0} req/s",
        par.as_secs_f64(),
        done as f64 / par.as_secs_f64()
    );
    let _ = client.conclude(Duration::from_secs(2)).await;
}
